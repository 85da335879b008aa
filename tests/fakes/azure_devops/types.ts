/** The public types of the fake Azure DevOps, and the shapes it stores pull requests in. */
import type { FakeWorkItemState } from "./work_items.ts";
import type { FakeRepoPermission } from "../permissions.ts";

/** One file of a seeded pull request: content at the base and at the head (absent = does not exist there). */
export interface FakeFile {
  base?: string;
  head?: string;
  /** For a rename: the base path this head file came from (its base content lives under that path). */
  renamedFrom?: string;
}

/** The same seeding shape as the other platform fakes. `repo` is `project/repository`. */
export interface FakePullRequestSeed {
  repo: string;
  number: number;
  title: string;
  /** The description (Markdown); served as the platform does when empty. Tests may change it later. */
  body?: string;
  author: string;
  headSha: string;
  baseSha: string;
  baseRef: string;
  headRef: string;
  /** Accepted for a uniform seeding shape; Azure DevOps has no diff API, so the fake never serves it. */
  diff?: string;
  files: Record<string, FakeFile>;
  draft?: boolean;
  /** Label names (served as active `WebApiTagDefinition`s); the fake serves the seed's array as it is at each request. */
  labels?: string[];
  status?: "active" | "abandoned" | "completed";
}

export interface FakeAzureComment {
  id: number;
  parentCommentId: number;
  content: string;
  commentType: string;
  author: string;
  /** Every content the comment had, oldest first (edits append). */
  history: string[];
}

export interface FakeAzureThread {
  id: number;
  repo: string;
  number: number;
  status: string;
  comments: FakeAzureComment[];
  /** Exactly as posted. */
  threadContext?: unknown;
  pullRequestThreadContext?: unknown;
}

export interface FakeAzureStatus {
  repo: string;
  number: number;
  id: number;
  state: string;
  description?: string;
  context?: { name?: string; genre?: string };
  targetUrl?: string;
  iterationId?: number;
}

export interface RecordedRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: Headers;
  body: unknown;
}

export interface FakeAzureDevopsState extends FakeWorkItemState {
  addPullRequest(seed: FakePullRequestSeed): void;
  /**
   * A new push to the pull request: a new head commit and iteration. `files` holds only what changed since the
   * previous head (`null` deletes the file).
   */
  pushCommit(
    repo: string,
    number: number,
    push: { headSha: string; files: Record<string, string | null> },
  ): void;
  /** Seeds an existing thread (for dedupe tests). */
  addThread(
    repo: string,
    number: number,
    thread: { content: string; author?: string; status?: string; threadContext?: unknown },
  ): FakeAzureThread;
  threads(repo: string, number: number): FakeAzureThread[];
  statuses: FakeAzureStatus[];
  /** The next request whose `METHOD /path` matches `pattern` gets `status` instead of its normal answer. */
  failNext(pattern: string | RegExp, status: number, options?: { headers?: Record<string, string> }): void;
  /**
   * Sets an identity's effective Git permission on a repository (`project/repo`), by identity id
   * (`permissions.ts`); the identities API knows only identities given a level.
   */
  setPermission(repo: string, identityId: string, permission: FakeRepoPermission): void;
}

export interface FakeAzureDevops {
  /** Server origin; give the client `baseUrl: url` and `organization`. */
  url: string;
  organization: string;
  token: string;
  state: FakeAzureDevopsState;
  requests: RecordedRequest[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface FakeAzureDevopsOptions {
  /** Default `loom-org`. */
  organization?: string;
  /** The PAT, accepted as the Basic-auth password with any user name. Default `azure-test-pat`. */
  token?: string;
  /** More accepted PATs, each reading only the listed `project/repository`s (others answer 404). */
  access?: Record<string, string[]>;
  /** Largest `$top` honoured for iteration changes (Azure DevOps: 2000). */
  maxChangesPage?: number;
  /** Display name of the identity behind the token. Default `Loom Bot`. */
  botName?: string;
}

export interface Iteration {
  id: number;
  sourceCommit: string;
  targetCommit: string;
  commonCommit: string;
}

export interface StoredPullRequest {
  seed: FakePullRequestSeed;
  headSha: string;
  iterations: Iteration[];
  trackingIds: Map<string, number>;
  renames: Map<string, string>;
}
