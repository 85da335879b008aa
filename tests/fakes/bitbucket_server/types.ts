/** The public types of the fake Bitbucket Data Center, and the shape it stores pull requests in. */

import type { FakeInsightReport } from "./reports.ts";

/** One file of a seeded pull request: its content at the base and at the head (absent = file does not exist). */
export interface FakeFile {
  base?: string;
  head?: string;
}

/** The same seeding shape as the other platform fakes. `repo` is `PROJECT/repo-slug`. */
export interface FakePullRequestSeed {
  repo: string;
  number: number;
  title: string;
  /** The description (Markdown); served as the platform does when empty. Tests may change it later. */
  body?: string;
  /** The author's login. */
  author: string;
  /** Full 40-character hashes, as Data Center always serves them. */
  headSha: string;
  baseSha: string;
  baseRef: string;
  headRef: string;
  /** Served verbatim by the diff endpoint. */
  diff: string;
  files: Record<string, FakeFile>;
  draft?: boolean;
  state?: "OPEN" | "MERGED" | "DECLINED";
}

export interface FakeServerAnchor {
  path: string;
  srcPath?: string;
  line: number;
  lineType: "ADDED" | "REMOVED" | "CONTEXT";
  fileType: "FROM" | "TO";
  diffType?: string;
}

export interface FakeServerComment {
  id: number;
  version: number;
  repo: string;
  number: number;
  text: string;
  anchor?: FakeServerAnchor;
  /** `NORMAL`, or `BLOCKER` for a blocker comment (a task). */
  severity: "NORMAL" | "BLOCKER";
  author: string;
  deleted: boolean;
  /** Every text the comment had, oldest first (edits append). */
  history: string[];
  /** The comment this one replies to (`parent.id`). */
  parentId?: number;
  /** On a thread's first comment: resolved by `PUT …/comments/{id}` with `threadResolved`. */
  threadResolved?: boolean;
  /** A blocker comment's task state. */
  state?: "OPEN" | "RESOLVED";
}

export interface FakeServerBuild {
  repo: string;
  sha: string;
  key: string;
  state: string;
  name?: string;
  description?: string;
  url: string;
}

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/rest/api/1.0/projects/PRJ/repos/app/pull-requests/1/activities?start=0&limit=100`. */
  path: string;
  headers: Headers;
  body: unknown;
}

/** A repository permission, as Data Center names them; a higher one includes the lower. */
export type FakePermission = "REPO_READ" | "REPO_WRITE" | "REPO_ADMIN";

export interface FakeBitbucketServerState {
  addPullRequest(seed: FakePullRequestSeed): void;
  /** What the raw diff `…/diff?since=<since>&until=<until>` answers; unknown pairs answer 404. */
  addCommitDiff(repo: string, since: string, until: string, diff: string): void;
  /**
   * Grants `login` a permission on `repo`: directly (default; listed by `…/permissions/users`), or with
   * `direct: false` through a group or the project (only the users search sees it).
   */
  grant(repo: string, login: string, permission: FakePermission, options?: { direct?: boolean }): void;
  /** Seeds an existing comment (for dedupe and ownership tests). */
  addComment(
    repo: string,
    number: number,
    comment: { text: string; anchor?: FakeServerAnchor; author?: string },
  ): FakeServerComment;
  /** Comments of one pull request, in creation order, including deleted ones. */
  comments(repo: string, number: number): FakeServerComment[];
  builds: FakeServerBuild[];
  /** Code Insights reports with their annotations (`bitbucket_server/reports.ts`). */
  reports: FakeInsightReport[];
  /** The next request whose `METHOD /path` matches `pattern` gets `status` instead of its normal answer. */
  failNext(pattern: string | RegExp, status: number): void;
}

export interface FakeBitbucketServer {
  /** The instance root, e.g. `http://127.0.0.1:1234`: what `LOOM_BITBUCKET_SERVER_URL` is set to. */
  url: string;
  token: string;
  /** The login behind the token. */
  botName: string;
  state: FakeBitbucketServerState;
  requests: RecordedRequest[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface FakeBitbucketServerOptions {
  /** Accepted as `Bearer <token>`. Default `bbdc-test-token`. */
  token?: string;
  /** More accepted tokens, each reading only the listed `PROJECT/slug`s (others answer 404). */
  access?: Record<string, string[]>;
  /** The login behind the token (a service user of an HTTP access token). Default `loom-bot`. */
  botName?: string;
  /** An older or proxied server: no whoami, no repository-scoped builds, a `…/diff` that answers JSON only. */
  legacy?: boolean;
}
