/** The public types of the fake Bitbucket, and the shape it stores pull requests in. */
import type { FakeRepoPermission } from "../permissions.ts";
import type { FakeReport } from "./reports.ts";
import type { FakeBitbucketIssue } from "./issues.ts";

/** One file of a seeded pull request: its content at the base and at the head (absent = file does not exist). */

export interface FakeFile {
  base?: string;
  head?: string;
}

/** The same seeding shape as the other platform fakes. `repo` is `workspace/repo_slug`. */
export interface FakePullRequestSeed {
  repo: string;
  number: number;
  title: string;
  /** The description (Markdown); served as the platform does when empty. Tests may change it later. */
  body?: string;
  author: string;
  /** Full 40-character hashes; the fake serves them abbreviated in pull-request objects, as Bitbucket does. */
  headSha: string;
  baseSha: string;
  baseRef: string;
  headRef: string;
  /** Served verbatim by the diff endpoint. */
  diff: string;
  files: Record<string, FakeFile>;
  draft?: boolean;
  state?: "OPEN" | "MERGED" | "DECLINED" | "SUPERSEDED";
}

export interface FakeBitbucketComment {
  id: number;
  repo: string;
  number: number;
  body: string;
  inline?: { path: string; from: number | null; to: number | null };
  parentId?: number;
  /** Set by `POST …/comments/{id}/resolve` on a top-level comment, cleared by `DELETE …/resolve`. */
  resolution?: { user: string; createdOn: string };
  author: string;
  deleted: boolean;
  /** Every body the comment had, oldest first (edits append). */
  history: string[];
}

export interface FakeBitbucketStatus {
  repo: string;
  /** The commit exactly as it appeared in the request path. */
  sha: string;
  key: string;
  state: string;
  name?: string;
  description?: string;
  url?: string;
  refname?: string;
}

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/2.0/repositories/ws/repo/pullrequests/1/comments?pagelen=100`. */
  path: string;
  headers: Headers;
  body: unknown;
}

export interface FakeBitbucketState {
  addPullRequest(seed: FakePullRequestSeed): void;
  /** Seeds an issue; a repository with one has its issue tracker on (`issues.ts`). */
  addIssue(issue: FakeBitbucketIssue): void;
  /** Seeds an existing comment (for dedupe and pagination tests). */
  addComment(
    repo: string,
    number: number,
    comment: { body: string; inline?: { path: string; from?: number; to?: number }; author?: string },
  ): FakeBitbucketComment;
  /** Comments of one pull request, in creation order, including deleted ones. */
  comments(repo: string, number: number): FakeBitbucketComment[];
  statuses: FakeBitbucketStatus[];
  /** Code Insights reports (`bitbucket/reports.ts`), with their annotations. */
  reports: FakeReport[];
  /** `approve` / `request-changes` calls in order. */
  reviews: { repo: string; number: number; kind: "approve" | "request-changes" }[];
  /**
   * Serves `GET /repositories/{ws}/{slug}/diff/{head}..{base}` with `diff`: the changes `head` has that `base` has
   * not, Bitbucket's spec order (the reverse of `git diff`). Any other spec, the reversed one included, answers 404.
   */
  addComparison(repo: string, base: string, head: string, diff: string): void;
  /** The next request whose `METHOD /path` matches `pattern` gets `status` instead of its normal answer. */
  failNext(pattern: string | RegExp, status: number, options?: { headers?: Record<string, string> }): void;
  /**
   * Sets an account's effective permission on a repository, by account uuid (`permissions.ts`); the token's own
   * account (`{<botName>}`) is an administrator unless set lower.
   */
  setPermission(repo: string, uuid: string, permission: FakeRepoPermission): void;
}

export interface FakeBitbucket {
  /** Server origin, e.g. `http://127.0.0.1:1234`. */
  url: string;
  /** The API root to give the client as `baseUrl` (`<url>/2.0`). */
  apiUrl: string;
  token: string;
  state: FakeBitbucketState;
  requests: RecordedRequest[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface FakeBitbucketOptions {
  /** Accepted as `Bearer <token>` or as the password of Basic auth. Default `bitbucket-test-token`. */
  token?: string;
  /** More accepted tokens, each reading only the listed repositories (others answer 404). */
  access?: Record<string, string[]>;
  /** Largest `pagelen` the server honours; Bitbucket caps it per endpoint. Default 100. */
  maxPageLength?: number;
  /** Nickname of the user behind the token, shown as comment author. Default `loom-bot`. */
  botName?: string;
}

export interface StoredPullRequest extends FakePullRequestSeed {
  diffSpec: string;
}
