/** The public types of the fake GitHub: what tests seed, read back and configure. */

/** A repository role; `maintain` and `triage` report `write` and `read` as their legacy `permission`. */
export type FakeGitHubRole = "admin" | "maintain" | "write" | "triage" | "read" | "none";

/** The personal access token the fake accepts unless `tokens` says otherwise. */
export const FAKE_GITHUB_TOKEN = "ghp_loomfaketoken0000000000000000000000";

export interface FakeUser {
  login: string;
  type: "User" | "Bot";
}

/** Everything a test says about one pull request. */
export interface PullRequestSeed {
  /** "owner/name". */
  repo: string;
  number: number;
  title?: string;
  /** The description (Markdown); served as the platform does when empty. Tests may change it later. */
  body?: string;
  author?: string;
  authorType?: "User" | "Bot";
  draft?: boolean;
  /** Label names; tests change `FakePullRequest.labels` to add or take off labels later. */
  labels?: string[];
  state?: "open" | "closed" | "merged";
  headSha: string;
  baseSha: string;
  headRef?: string;
  baseRef?: string;
  /** The pull request's `git diff` (see `makeGitDiff`); anchors and the files API are derived from it. */
  diff: string;
  /** File contents served by the contents API at the base and head shas and refs. */
  files?: Record<string, { base?: string; head?: string }>;
}

/** One line of a parsed diff hunk. */
export interface FakeDiffLine {
  kind: "add" | "del" | "context";
  oldLine?: number;
  newLine?: number;
  text: string;
}

export interface FakeDiffHunk {
  header: string;
  lines: FakeDiffLine[];
}

/** One file of a pull request as GitHub's files API describes it. */
export interface FakeDiffFile {
  filename: string;
  previousFilename?: string;
  status: "added" | "removed" | "modified" | "renamed" | "copied" | "changed";
  additions: number;
  deletions: number;
  /** Hunks only, as GitHub sends it; absent for binary files. */
  patch?: string;
  hunks: FakeDiffHunk[];
}

export interface FakePullRequest {
  repo: string;
  number: number;
  title: string;
  /** The description; `""` is served as `null`, as GitHub does. */
  body: string;
  author: FakeUser;
  draft: boolean;
  labels: string[];
  state: "open" | "closed" | "merged";
  headSha: string;
  baseSha: string;
  headRef: string;
  baseRef: string;
  diff: string;
  files: FakeDiffFile[];
}

/** An issue a test seeds (`FakeGitHubState.addIssue`), served by `GET /repos/{owner}/{repo}/issues/{number}`. */
export interface FakeIssue {
  repo: string;
  number: number;
  title: string;
  /** "" for an issue without a description (GitHub answers `body: null`). */
  body: string;
  state: "open" | "closed";
  user: FakeUser;
}

export interface FakeComment {
  id: number;
  repo: string;
  number: number;
  body: string;
  user: FakeUser;
  createdAt: string;
  updatedAt: string;
}

export interface FakeReviewComment extends FakeComment {
  reviewId: number;
  commitId: string;
  path: string;
  line: number;
  side: "LEFT" | "RIGHT";
  startLine?: number;
  startSide?: "LEFT" | "RIGHT";
  diffHunk: string;
  /** The first comment of the thread this one replies to (`in_reply_to_id`). */
  inReplyTo?: number;
  /** On a thread's first comment: resolved through GraphQL `resolveReviewThread`. */
  resolved?: boolean;
  /** Reactions people gave it (`+1`, `-1`, `laugh`, …); a test pushes them, as GitHub sends no webhook. */
  reactions?: { content: string; user: FakeUser }[];
}

export interface FakeReview {
  id: number;
  repo: string;
  number: number;
  user: FakeUser;
  commitId: string;
  event?: "APPROVE" | "REQUEST_CHANGES" | "COMMENT";
  body: string;
  comments: FakeReviewComment[];
}

export interface FakeEdit {
  repo: string;
  commentId: number;
  body: string;
}

export interface FakeStatus {
  id: number;
  repo: string;
  sha: string;
  state: "error" | "failure" | "pending" | "success";
  description?: string;
  targetUrl?: string;
  context: string;
  creator: FakeUser;
}

export interface FakeCheckAnnotation {
  path: string;
  startLine: number;
  endLine: number;
  level: "notice" | "warning" | "failure";
  title?: string;
  message: string;
}

export interface FakeCheckRun {
  id: number;
  repo: string;
  headSha: string;
  name: string;
  status: "queued" | "in_progress" | "completed";
  conclusion: string | null;
  detailsUrl?: string;
  startedAt: string;
  completedAt: string | null;
  output?: { title: string; summary: string };
  /** Every annotation sent, in order, across requests. */
  annotations: FakeCheckAnnotation[];
  /** How many annotations each request that carried an output sent. */
  annotationRequests: number[];
  creator: FakeUser;
  checkSuiteId: number;
}

export interface FakeInstallationToken {
  installationId: number;
  token: string;
  /** The decoded header of the app JWT that minted the token. */
  jwtHeader: Record<string, unknown>;
  jwtPayload: Record<string, unknown>;
}

export interface RecordedRequest {
  method: string;
  /** Full path including any Enterprise prefix, e.g. `/api/v3/repos/o/r/pulls/1`. */
  path: string;
  search: URLSearchParams;
  headers: Headers;
  body: unknown;
}

export interface FakeGitHubState {
  readonly pullRequests: Map<string, FakePullRequest>;
  readonly issueComments: FakeComment[];
  readonly reviewComments: FakeReviewComment[];
  readonly reviews: FakeReview[];
  readonly edits: FakeEdit[];
  readonly statuses: FakeStatus[];
  /** Check runs written with installation tokens (`POST`/`PATCH …/check-runs`). */
  readonly checkRuns: FakeCheckRun[];
  readonly installationTokens: FakeInstallationToken[];
  /** Issues by `repo#number`; pull requests answer the issues API too. */
  readonly issues: Map<string, FakeIssue>;
  addPullRequest(seed: PullRequestSeed): FakePullRequest;
  /** Seeds an issue; its comments are added with `addIssueComment(repo, number, …)`. */
  addIssue(
    seed: { repo: string; number: number; title: string; body?: string; state?: "open" | "closed" },
  ): FakeIssue;
  /** Serves `content` for `path` at `ref` (a sha or branch name) from the contents API. */
  addFile(repo: string, ref: string, path: string, content: string): void;
  addIssueComment(repo: string, number: number, body: string, user?: FakeUser): FakeComment;
  addReviewComment(
    repo: string,
    number: number,
    comment: { path: string; line: number; side?: "LEFT" | "RIGHT"; body: string; user?: FakeUser },
  ): FakeReviewComment;
  /**
   * Sets the user's role, as `GET /repos/{repo}/collaborators/{login}/permission` answers it: `role_name` is the
   * role, `permission` its legacy level (`maintain` → `write`, `triage` → `read`). Unknown users get 404.
   */
  setPermission(repo: string, login: string, role: FakeGitHubRole): void;
  /**
   * Answers the next request whose path (without the Enterprise prefix) contains `pathPattern` (or matches it)
   * with `status` and `headers`, once.
   */
  failNext(pathPattern: string | RegExp, status: number, headers?: Record<string, string>): void;
  /**
   * Leaves the next request whose path contains `pathPattern` (or matches it) unanswered — a platform that hangs
   * — until the returned function is called; then it is answered as usual. Closing the fake releases it too.
   */
  holdNext(pathPattern: string | RegExp): () => void;
  /**
   * Serves `GET /compare/{base}...{head}`: `diff` for the diff media type, `status` ("ahead" unless given) in the
   * JSON answer. Unknown comparisons answer 404, as GitHub does for a sha it does not have.
   */
  addComparison(
    repo: string,
    base: string,
    head: string,
    diff: string,
    status?: "ahead" | "behind" | "diverged" | "identical",
  ): void;
}

export interface FakeGitHubApp {
  appId: string;
  /** Public half of the key the app signs its JWTs with (RSASSA-PKCS1-v1_5, SHA-256). */
  publicKey: CryptoKey;
  /** Installation ids that exist; every id when absent. */
  installationIds?: number[];
  /** Comments and statuses made with installation tokens are attributed to `<slug>[bot]`. */
  slug?: string;
  /**
   * The installations `GET /app/installations/{id}`, `GET /installation/repositories` and `GET /user/installations`
   * answer (see `tests/fakes/github/app.ts`); a test may change them while the fake runs.
   */
  installations?: FakeInstallation[];
  /** The App's OAuth client, for the user authorization flow (`/login/oauth/authorize`, `…/access_token`). */
  clientId?: string;
  clientSecret?: string;
  /** How long a minted installation token lives (GitHub: 3,600 s). */
  tokenLifetimeSeconds?: number;
}

/** One installation of the fake App. */
export interface FakeInstallation {
  id: number;
  account: { login: string; type: "User" | "Organization" };
  repositories: { id: number; fullName: string }[];
  /** A suspended installation's tokens are refused (403), as GitHub does. */
  suspended?: boolean;
  /** An organization account's members and their role (`GET /user/memberships/orgs/{org}`). */
  members?: Record<string, "admin" | "member">;
}

export interface FakeGitHubOptions {
  /** Accepted tokens and the login each acts as. */
  tokens?: Record<string, string>;
  /** Tokens that read only the listed repositories (others answer 404); unlisted tokens read every one. */
  access?: Record<string, string[]>;
  app?: FakeGitHubApp;
  /** Path prefix of the API, `/api/v3` for GitHub Enterprise Server. */
  basePath?: string;
  /** Above this many files the diff media type answers 406 `too_large` (GitHub: 300). */
  maxDiffFiles?: number;
  /** Above this many changed lines the diff media type answers 406 `too_large` (GitHub: 20,000). */
  maxDiffLines?: number;
  /** Files larger than this come back from the JSON contents API without content (GitHub: 1 MB). */
  maxContentBytes?: number;
  /**
   * Complete and validate every JSON request and answer against GitHub's OpenAPI description
   * (`github/contract.ts`) and fail `close()` on a violation. Default true; off only for a test that breaks the
   * contract on purpose, and for benchmarks, where reading the description (about 1.5 s) would be timed.
   */
  contract?: boolean;
}

export interface FakeGitHub extends AsyncDisposable {
  /** The API base URL to hand to a client (includes `basePath`). */
  url: string;
  state: FakeGitHubState;
  requests: RecordedRequest[];
  /** What requests and answers broke of GitHub's published contract so far (checked when `contract` is on). */
  contractViolations: string[];
  /** Shuts the fake down; rejects, listing them, when the contract was broken. */
  close(): Promise<void>;
}
