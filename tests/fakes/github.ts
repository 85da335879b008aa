/**
 * A stateful local GitHub REST server for tests. It implements the endpoints Loom's GitHub client calls, with
 * GitHub's response shapes, status codes and quirks that matter (406 `too_large` diffs, 422 for a whole review
 * when one comment is off the diff, `Link` pagination, installation tokens minted from an RS256 app JWT), so
 * `@octokit/rest` runs against it unmodified over real HTTP.
 */

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
  author?: string;
  authorType?: "User" | "Bot";
  draft?: boolean;
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
  author: FakeUser;
  draft: boolean;
  state: "open" | "closed" | "merged";
  headSha: string;
  baseSha: string;
  headRef: string;
  baseRef: string;
  diff: string;
  files: FakeDiffFile[];
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
  readonly installationTokens: FakeInstallationToken[];
  addPullRequest(seed: PullRequestSeed): FakePullRequest;
  /** Serves `content` for `path` at `ref` (a sha or branch name) from the contents API. */
  addFile(repo: string, ref: string, path: string, content: string): void;
  addIssueComment(repo: string, number: number, body: string, user?: FakeUser): FakeComment;
  addReviewComment(
    repo: string,
    number: number,
    comment: { path: string; line: number; side?: "LEFT" | "RIGHT"; body: string; user?: FakeUser },
  ): FakeReviewComment;
  /** Sets what `GET /repos/{repo}/collaborators/{login}/permission` answers; unknown users get 404. */
  setPermission(repo: string, login: string, permission: "admin" | "write" | "read" | "none"): void;
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
}

export interface FakeGitHubOptions {
  /** Accepted tokens and the login each acts as. */
  tokens?: Record<string, string>;
  app?: FakeGitHubApp;
  /** Path prefix of the API, `/api/v3` for GitHub Enterprise Server. */
  basePath?: string;
  /** Above this many files the diff media type answers 406 `too_large` (GitHub: 300). */
  maxDiffFiles?: number;
  /** Above this many changed lines the diff media type answers 406 `too_large` (GitHub: 20,000). */
  maxDiffLines?: number;
  /** Files larger than this come back from the JSON contents API without content (GitHub: 1 MB). */
  maxContentBytes?: number;
}

export interface FakeGitHub extends AsyncDisposable {
  /** The API base URL to hand to a client (includes `basePath`). */
  url: string;
  state: FakeGitHubState;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const DOCS = "https://docs.github.com/rest";
const MAX_FILES_LISTED = 3000;
const TEXT = new TextEncoder();

interface ScriptedFailure {
  pattern: string | RegExp;
  status: number;
  headers: Record<string, string>;
}

class RouteError extends Error {
  readonly status: number;
  readonly errors?: unknown[];
  readonly headers?: Record<string, string>;
  constructor(status: number, message: string, errors?: unknown[], headers?: Record<string, string>) {
    super(message);
    this.status = status;
    this.errors = errors;
    this.headers = headers;
  }
}

/** Parses `git diff` output into files and hunks: enough to know which lines exist on each side. */
export function parseFakeDiff(diff: string): FakeDiffFile[] {
  const files: FakeDiffFile[] = [];
  const lines = diff.split("\n");
  if (lines.at(-1) === "") lines.pop();
  let file: (FakeDiffFile & { patchLines: string[]; oldPath?: string; newPath?: string }) | undefined;
  let hunk: FakeDiffHunk | undefined;
  let oldLine = 0;
  let newLine = 0;
  let oldLeft = 0;
  let newLeft = 0;

  const finish = () => {
    if (file === undefined) return;
    const { patchLines, oldPath, newPath, ...rest } = file;
    const filename = newPath ?? oldPath ?? rest.filename;
    const done: FakeDiffFile = { ...rest, filename };
    if (rest.status === "renamed" || rest.status === "copied") done.previousFilename = oldPath;
    if (patchLines.length > 0) done.patch = patchLines.join("\n");
    files.push(done);
  };

  for (const line of lines) {
    if (hunk !== undefined && file !== undefined && (oldLeft > 0 || newLeft > 0 || line.startsWith("\\"))) {
      file.patchLines.push(line);
      if (line.startsWith("\\")) continue;
      const marker = line[0] ?? " ";
      const text = line.slice(1);
      if (marker === "+") {
        hunk.lines.push({ kind: "add", newLine: newLine++, text });
        newLeft--;
        file.additions++;
      } else if (marker === "-") {
        hunk.lines.push({ kind: "del", oldLine: oldLine++, text });
        oldLeft--;
        file.deletions++;
      } else {
        hunk.lines.push({ kind: "context", oldLine: oldLine++, newLine: newLine++, text });
        oldLeft--;
        newLeft--;
      }
      continue;
    }
    if (line.startsWith("diff --git ")) {
      finish();
      hunk = undefined;
      const names = line.slice("diff --git ".length);
      // "a/X b/X" with equal halves; renames are corrected by the rename/---/+++ lines below.
      const half = names.length >= 5 ? names.slice(2, 2 + (names.length - 5) / 2) : names;
      file = { filename: half, status: "modified", additions: 0, deletions: 0, hunks: [], patchLines: [] };
      continue;
    }
    if (file === undefined) continue;
    const range = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (range !== null) {
      hunk = { header: line, lines: [] };
      file.hunks.push(hunk);
      file.patchLines.push(line);
      oldLine = Number(range[1]);
      newLine = Number(range[3]);
      oldLeft = range[2] === undefined ? 1 : Number(range[2]);
      newLeft = range[4] === undefined ? 1 : Number(range[4]);
      continue;
    }
    if (line.startsWith("new file mode")) file.status = "added";
    else if (line.startsWith("deleted file mode")) file.status = "removed";
    else if (line.startsWith("rename from ")) [file.status, file.oldPath] = ["renamed", line.slice(12)];
    else if (line.startsWith("rename to ")) file.newPath = line.slice(10);
    else if (line.startsWith("copy from ")) [file.status, file.oldPath] = ["copied", line.slice(10)];
    else if (line.startsWith("copy to ")) file.newPath = line.slice(8);
    else if (line.startsWith("old mode ") && file.status === "modified") file.status = "changed";
    else if (line.startsWith("--- ") && line !== "--- /dev/null") file.oldPath ??= line.slice(6);
    else if (line.startsWith("+++ ") && line !== "+++ /dev/null") file.newPath ??= line.slice(6);
    else if (line.startsWith("Binary files ")) {
      const binary = /^Binary files (?:a\/(.+)|\/dev\/null) and (?:b\/(.+)|\/dev\/null) differ$/.exec(line);
      if (binary?.[1] !== undefined) file.oldPath ??= binary[1];
      if (binary?.[2] !== undefined) file.newPath ??= binary[2];
    }
  }
  finish();
  return files;
}

function fakeSha(text: string): string {
  // FNV-1a, widened to 40 hex digits: stable ids for blobs and nodes, not cryptography.
  let out = "";
  for (let round = 0; out.length < 40; round++) {
    let hash = 0x811c9dc5 ^ round;
    for (let index = 0; index < text.length; index++) {
      hash ^= text.charCodeAt(index);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    out += hash.toString(16).padStart(8, "0");
  }
  return out.slice(0, 40);
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function base64UrlDecode(text: string): Uint8Array<ArrayBuffer> {
  const padded = text.replaceAll("-", "+").replaceAll("_", "/") + "=".repeat((4 - text.length % 4) % 4);
  return Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
}

function pullKey(repo: string, number: number): string {
  return `${repo}#${number}`;
}

/**
 * Starts the fake on 127.0.0.1 with a random port.
 * @param options accepted tokens, GitHub App, Enterprise prefix and size limits
 * @returns the API URL, mutable state, every recorded request and `close()`
 */
export function startFakeGitHub(options: FakeGitHubOptions = {}): FakeGitHub {
  const basePath = (options.basePath ?? "").replace(/\/$/, "");
  const tokens = new Map(Object.entries(options.tokens ?? { [FAKE_GITHUB_TOKEN]: "loom-bot" }));
  const installationTokens = new Map<string, FakeUser>();
  const maxDiffFiles = options.maxDiffFiles ?? 300;
  const maxDiffLines = options.maxDiffLines ?? 20_000;
  const maxContentBytes = options.maxContentBytes ?? 1_000_000;
  const blobs = new Map<string, Map<string, string>>();
  const failures: ScriptedFailure[] = [];
  const holds: { pattern: string | RegExp; held: Promise<void>; release: () => void }[] = [];
  const heldNow = new Set<() => void>();
  const comparisons = new Map<string, { diff: string; status: string }>();
  const requests: RecordedRequest[] = [];
  const permissions = new Map<string, "admin" | "write" | "read" | "none">();
  let nextId = 1000;
  let origin = "";

  const state: FakeGitHubState = {
    pullRequests: new Map(),
    issueComments: [],
    reviewComments: [],
    reviews: [],
    edits: [],
    statuses: [],
    installationTokens: [],
    addPullRequest(seed) {
      const pullRequest: FakePullRequest = {
        repo: seed.repo,
        number: seed.number,
        title: seed.title ?? `Pull request #${seed.number}`,
        author: { login: seed.author ?? "octocat", type: seed.authorType ?? "User" },
        draft: seed.draft ?? false,
        state: seed.state ?? "open",
        headSha: seed.headSha,
        baseSha: seed.baseSha,
        headRef: seed.headRef ?? "feature",
        baseRef: seed.baseRef ?? "main",
        diff: seed.diff,
        files: parseFakeDiff(seed.diff),
      };
      state.pullRequests.set(pullKey(seed.repo, seed.number), pullRequest);
      for (const [path, content] of Object.entries(seed.files ?? {})) {
        if (content.base !== undefined) {
          state.addFile(seed.repo, pullRequest.baseSha, path, content.base);
          state.addFile(seed.repo, pullRequest.baseRef, path, content.base);
        }
        if (content.head !== undefined) {
          state.addFile(seed.repo, pullRequest.headSha, path, content.head);
          state.addFile(seed.repo, pullRequest.headRef, path, content.head);
        }
      }
      return pullRequest;
    },
    addFile(repo, ref, path, content) {
      const key = `${repo}@${ref}`;
      if (!blobs.has(key)) blobs.set(key, new Map());
      blobs.get(key)!.set(path, content);
    },
    addIssueComment(repo, number, body, user = { login: "octocat", type: "User" }) {
      const now = new Date().toISOString();
      const comment: FakeComment = { id: nextId++, repo, number, body, user, createdAt: now, updatedAt: now };
      state.issueComments.push(comment);
      return comment;
    },
    addReviewComment(repo, number, input) {
      const pullRequest = state.pullRequests.get(pullKey(repo, number));
      const now = new Date().toISOString();
      const comment: FakeReviewComment = {
        id: nextId++,
        repo,
        number,
        body: input.body,
        user: input.user ?? { login: "octocat", type: "User" },
        createdAt: now,
        updatedAt: now,
        reviewId: nextId++,
        commitId: pullRequest?.headSha ?? fakeSha(repo),
        path: input.path,
        line: input.line,
        side: input.side ?? "RIGHT",
        diffHunk: "",
      };
      state.reviewComments.push(comment);
      return comment;
    },
    setPermission(repo, login, permission) {
      permissions.set(`${repo}:${login.toLowerCase()}`, permission);
    },
    failNext(pathPattern, status, headers = {}) {
      failures.push({ pattern: pathPattern, status, headers });
    },
    holdNext(pathPattern) {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      holds.push({ pattern: pathPattern, held, release });
      return release;
    },
    addComparison(repo, base, head, diff, status = "ahead") {
      comparisons.set(`${repo}@${base}...${head}`, { diff, status });
    },
  };

  const user = (login: string, type: "User" | "Bot" = "User") => ({
    login,
    id: Number.parseInt(fakeSha(login).slice(0, 7), 16),
    "node_id": `U_${fakeSha(login).slice(0, 12)}`,
    "avatar_url": `https://avatars.githubusercontent.com/u/1?v=4`,
    url: `${origin}${basePath}/users/${login}`,
    "html_url": `https://github.com/${login}`,
    type,
    "site_admin": false,
  });

  const repositoryJson = (fullName: string) => {
    const [owner, name] = fullName.split("/");
    return {
      id: Number.parseInt(fakeSha(fullName).slice(0, 7), 16),
      "node_id": `R_${fakeSha(fullName).slice(0, 12)}`,
      name,
      "full_name": fullName,
      private: false,
      owner: user(owner!),
      "html_url": `https://github.com/${fullName}`,
      url: `${origin}${basePath}/repos/${fullName}`,
      "default_branch": "main",
    };
  };

  const pullRequestJson = (pullRequest: FakePullRequest) => {
    const apiUrl = `${origin}${basePath}/repos/${pullRequest.repo}/pulls/${pullRequest.number}`;
    const htmlUrl = `https://github.com/${pullRequest.repo}/pull/${pullRequest.number}`;
    const merged = pullRequest.state === "merged";
    const branch = (ref: string, sha: string) => ({
      label: `${pullRequest.repo.split("/")[0]}:${ref}`,
      ref,
      sha,
      user: user(pullRequest.repo.split("/")[0]!),
      repo: repositoryJson(pullRequest.repo),
    });
    return {
      url: apiUrl,
      id: Number.parseInt(fakeSha(apiUrl).slice(0, 7), 16),
      "node_id": `PR_${fakeSha(apiUrl).slice(0, 12)}`,
      "html_url": htmlUrl,
      "diff_url": `${htmlUrl}.diff`,
      "patch_url": `${htmlUrl}.patch`,
      "issue_url": `${origin}${basePath}/repos/${pullRequest.repo}/issues/${pullRequest.number}`,
      number: pullRequest.number,
      state: pullRequest.state === "open" ? "open" : "closed",
      locked: false,
      title: pullRequest.title,
      user: user(pullRequest.author.login, pullRequest.author.type),
      body: null,
      "created_at": "2025-01-01T00:00:00Z",
      "updated_at": "2025-01-01T00:00:00Z",
      "closed_at": pullRequest.state === "open" ? null : "2025-01-02T00:00:00Z",
      "merged_at": merged ? "2025-01-02T00:00:00Z" : null,
      "merge_commit_sha": merged ? fakeSha(`${apiUrl}:merge`) : null,
      draft: pullRequest.draft,
      head: branch(pullRequest.headRef, pullRequest.headSha),
      base: branch(pullRequest.baseRef, pullRequest.baseSha),
      "author_association": "OWNER",
      merged,
      mergeable: null,
      comments: state.issueComments.filter((item) => item.repo === pullRequest.repo).length,
      "review_comments": state.reviewComments.filter((item) => item.repo === pullRequest.repo).length,
      commits: 1,
      additions: pullRequest.files.reduce((sum, file) => sum + file.additions, 0),
      deletions: pullRequest.files.reduce((sum, file) => sum + file.deletions, 0),
      "changed_files": pullRequest.files.length,
    };
  };

  const issueCommentJson = (comment: FakeComment) => ({
    id: comment.id,
    "node_id": `IC_${fakeSha(String(comment.id)).slice(0, 12)}`,
    url: `${origin}${basePath}/repos/${comment.repo}/issues/comments/${comment.id}`,
    "html_url": `https://github.com/${comment.repo}/pull/${comment.number}#issuecomment-${comment.id}`,
    body: comment.body,
    user: user(comment.user.login, comment.user.type),
    "created_at": comment.createdAt,
    "updated_at": comment.updatedAt,
    "issue_url": `${origin}${basePath}/repos/${comment.repo}/issues/${comment.number}`,
    "author_association": "NONE",
    "performed_via_github_app": null,
  });

  const reviewCommentJson = (comment: FakeReviewComment) => ({
    url: `${origin}${basePath}/repos/${comment.repo}/pulls/comments/${comment.id}`,
    "pull_request_review_id": comment.reviewId,
    id: comment.id,
    "node_id": `PRRC_${fakeSha(String(comment.id)).slice(0, 12)}`,
    "diff_hunk": comment.diffHunk,
    path: comment.path,
    "commit_id": comment.commitId,
    "original_commit_id": comment.commitId,
    user: user(comment.user.login, comment.user.type),
    body: comment.body,
    "created_at": comment.createdAt,
    "updated_at": comment.updatedAt,
    "html_url": `https://github.com/${comment.repo}/pull/${comment.number}#discussion_r${comment.id}`,
    "pull_request_url": `${origin}${basePath}/repos/${comment.repo}/pulls/${comment.number}`,
    "author_association": "NONE",
    "start_line": comment.startLine ?? null,
    "original_start_line": comment.startLine ?? null,
    "start_side": comment.startLine === undefined ? null : comment.startSide ?? comment.side,
    line: comment.line,
    "original_line": comment.line,
    side: comment.side,
    "subject_type": "line",
  });

  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json; charset=utf-8", ...rateHeaders(), ...headers },
    });

  const rateHeaders = () => ({
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-used": "1",
    "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
    "x-ratelimit-resource": "core",
    "x-github-api-version-selected": "2022-11-28",
    "x-github-request-id": fakeSha(String(requests.length)).slice(0, 16).toUpperCase(),
  });

  const paginate = <T>(url: URL, items: T[]): { items: T[]; headers: Record<string, string> } => {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get("per_page") ?? 30) || 30));
    const page = Math.max(1, Number(url.searchParams.get("page") ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (target: number, rel: string) => {
      const next = new URL(url);
      next.searchParams.set("per_page", String(perPage));
      next.searchParams.set("page", String(target));
      return `<${next}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, "prev"));
    if (page < last) links.push(link(page + 1, "next"));
    if (page !== last) links.push(link(last, "last"));
    if (page > 1) links.push(link(1, "first"));
    return {
      items: items.slice((page - 1) * perPage, page * perPage),
      headers: links.length > 0 ? { link: links.join(", ") } : {},
    };
  };

  const authenticate = (headers: Headers): FakeUser => {
    const authorization = headers.get("authorization");
    if (authorization === null) throw new RouteError(401, "Requires authentication");
    const match = /^(token|bearer)\s+(\S+)$/i.exec(authorization);
    const token = match?.[2] ?? "";
    const login = tokens.get(token);
    if (login !== undefined) return { login, type: "User" };
    const installation = installationTokens.get(token);
    if (installation !== undefined) return installation;
    throw new RouteError(401, "Bad credentials");
  };

  const verifyAppJwt = async (headers: Headers) => {
    const app = options.app;
    if (app === undefined) throw new RouteError(401, "A JSON web token could not be decoded");
    const match = /^bearer\s+(\S+)$/i.exec(headers.get("authorization") ?? "");
    const parts = match?.[1]?.split(".") ?? [];
    if (parts.length !== 3) throw new RouteError(401, "A JSON web token could not be decoded");
    let header: Record<string, unknown>;
    let payload: Record<string, unknown>;
    try {
      header = JSON.parse(new TextDecoder().decode(base64UrlDecode(parts[0]!)));
      payload = JSON.parse(new TextDecoder().decode(base64UrlDecode(parts[1]!)));
    } catch {
      throw new RouteError(401, "A JSON web token could not be decoded");
    }
    if (header.alg !== "RS256") throw new RouteError(401, "A JSON web token could not be decoded");
    const valid = await crypto.subtle.verify(
      "RSASSA-PKCS1-v1_5",
      app.publicKey,
      base64UrlDecode(parts[2]!),
      TEXT.encode(`${parts[0]}.${parts[1]}`),
    );
    if (!valid) throw new RouteError(401, "A JSON web token could not be decoded");
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.iat !== "number" || payload.iat > now + 60) {
      throw new RouteError(
        401,
        "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
      );
    }
    if (typeof payload.exp !== "number" || payload.exp <= now) {
      throw new RouteError(
        401,
        "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
      );
    }
    if (payload.exp - payload.iat > 660) {
      throw new RouteError(401, "'Expiration time' claim ('exp') is too far in the future");
    }
    if (String(payload.iss) !== app.appId) throw new RouteError(401, "Integration not found");
    return { header, payload };
  };

  const findPullRequest = (repo: string, number: string) => {
    const pullRequest = state.pullRequests.get(pullKey(repo, Number(number)));
    if (pullRequest === undefined) throw new RouteError(404, "Not Found");
    return pullRequest;
  };

  const lineExists = (file: FakeDiffFile, line: number, side: string) =>
    file.hunks.findIndex((hunk) =>
      hunk.lines.some((item) =>
        side === "LEFT"
          ? item.kind !== "add" && item.oldLine === line
          : item.kind !== "del" && item.newLine === line
      )
    );

  const diffHunkUpTo = (file: FakeDiffFile, hunkIndex: number, line: number, side: string) => {
    const hunk = file.hunks[hunkIndex]!;
    const out = [hunk.header];
    for (const item of hunk.lines) {
      out.push(`${item.kind === "add" ? "+" : item.kind === "del" ? "-" : " "}${item.text}`);
      if (
        (side === "LEFT" ? item.oldLine : item.newLine) === line &&
        (item.kind !== (side === "LEFT" ? "add" : "del"))
      ) {
        break;
      }
    }
    return out.join("\n");
  };

  const createReview = (pullRequest: FakePullRequest, reviewer: FakeUser, body: Record<string, unknown>) => {
    const event = body.event;
    if (event !== undefined && event !== "APPROVE" && event !== "REQUEST_CHANGES" && event !== "COMMENT") {
      throw new RouteError(422, "Unprocessable Entity", [
        `Event "${String(event)}" is not a valid review event`,
      ]);
    }
    const commitId = typeof body.commit_id === "string" ? body.commit_id : pullRequest.headSha;
    if (commitId !== pullRequest.headSha) {
      throw new RouteError(422, "Unprocessable Entity", ["Commit id is not part of the pull request"]);
    }
    const inputs = Array.isArray(body.comments) ? body.comments as Record<string, unknown>[] : [];
    const text = typeof body.body === "string" ? body.body : "";
    if ((event === "REQUEST_CHANGES" || event === "COMMENT") && text.length === 0 && inputs.length === 0) {
      throw new RouteError(422, "Unprocessable Entity", [`Body is required for ${event} events`]);
    }
    const reviewId = nextId++;
    const now = new Date().toISOString();
    const comments: FakeReviewComment[] = [];
    // Validated as a whole first: GitHub rejects the entire review when any one comment is off the diff.
    for (const input of inputs) {
      const path = String(input.path ?? "");
      const file = pullRequest.files.find((item) => item.filename === path);
      if (file === undefined) {
        throw new RouteError(422, "Unprocessable Entity", ["Path could not be resolved"]);
      }
      const side = input.side === "LEFT" ? "LEFT" : "RIGHT";
      const line = Number(input.line);
      const hunkIndex = lineExists(file, line, side);
      if (!Number.isInteger(line) || hunkIndex < 0) {
        throw new RouteError(422, "Unprocessable Entity", [
          "Pull request review thread line must be part of the diff",
        ]);
      }
      let startLine: number | undefined;
      let startSide: "LEFT" | "RIGHT" | undefined;
      if (input.start_line !== undefined && input.start_line !== null) {
        startLine = Number(input.start_line);
        startSide = input.start_side === "LEFT" ? "LEFT" : input.start_side === "RIGHT" ? "RIGHT" : side;
        if (lineExists(file, startLine, startSide) !== hunkIndex) {
          throw new RouteError(422, "Unprocessable Entity", [
            "Pull request review thread start line must be part of the same hunk as the line",
          ]);
        }
        if (startSide === side && startLine >= line) {
          throw new RouteError(422, "Unprocessable Entity", ["start_line must precede the end line"]);
        }
      }
      comments.push({
        id: 0,
        repo: pullRequest.repo,
        number: pullRequest.number,
        body: String(input.body ?? ""),
        user: reviewer,
        createdAt: now,
        updatedAt: now,
        reviewId,
        commitId,
        path,
        line,
        side,
        startLine,
        startSide,
        diffHunk: diffHunkUpTo(file, hunkIndex, line, side),
      });
    }
    for (const comment of comments) {
      comment.id = nextId++;
      state.reviewComments.push(comment);
    }
    const review: FakeReview = {
      id: reviewId,
      repo: pullRequest.repo,
      number: pullRequest.number,
      user: reviewer,
      commitId,
      event: event as FakeReview["event"],
      body: text,
      comments,
    };
    state.reviews.push(review);
    return json(200, reviewJson(review, now));
  };

  const reviewJson = (review: FakeReview, submittedAt: string) => {
    const states = {
      APPROVE: "APPROVED",
      REQUEST_CHANGES: "CHANGES_REQUESTED",
      COMMENT: "COMMENTED",
    } as const;
    const htmlUrl = `https://github.com/${review.repo}/pull/${review.number}#pullrequestreview-${review.id}`;
    const pullRequestUrl = `${origin}${basePath}/repos/${review.repo}/pulls/${review.number}`;
    return {
      id: review.id,
      "node_id": `PRR_${fakeSha(String(review.id)).slice(0, 12)}`,
      user: user(review.user.login, review.user.type),
      body: review.body,
      state: review.event === undefined ? "PENDING" : states[review.event],
      "html_url": htmlUrl,
      "pull_request_url": pullRequestUrl,
      "author_association": "NONE",
      _links: { html: { href: htmlUrl }, "pull_request": { href: pullRequestUrl } },
      "submitted_at": review.event === undefined ? undefined : submittedAt,
      "commit_id": review.commitId,
    };
  };

  const getContent = (repo: string, path: string, url: URL, headers: Headers) => {
    const ref = url.searchParams.get("ref") ?? "main";
    const files = blobs.get(`${repo}@${ref}`);
    const content = files?.get(path);
    if (content === undefined) {
      const prefix = `${path.replace(/\/$/, "")}/`;
      const children = [...(files?.keys() ?? [])].filter((name) => name.startsWith(prefix));
      if (children.length === 0) throw new RouteError(404, "Not Found");
      const names = new Set(children.map((name) => name.slice(prefix.length).split("/")[0]!));
      return json(
        200,
        [...names].map((name) => ({
          type: children.includes(`${prefix}${name}`) ? "file" : "dir",
          name,
          path: `${prefix}${name}`,
          sha: fakeSha(`${ref}:${prefix}${name}`),
        })),
      );
    }
    const bytes = TEXT.encode(content);
    if (/application\/vnd\.github(\.v3)?\.raw/.test(headers.get("accept") ?? "")) {
      return new Response(bytes, {
        headers: { "content-type": "application/vnd.github.raw", ...rateHeaders() },
      });
    }
    const tooLarge = bytes.length > maxContentBytes;
    const name = path.split("/").at(-1)!;
    const self = `${origin}${basePath}/repos/${repo}/contents/${path}?ref=${ref}`;
    return json(200, {
      type: "file",
      // GitHub wraps base64 at 60 characters; clients must strip the newlines.
      encoding: tooLarge ? "none" : "base64",
      size: bytes.length,
      name,
      path,
      content: tooLarge ? "" : (base64(bytes).match(/.{1,60}/g) ?? []).join("\n") + "\n",
      sha: fakeSha(content),
      url: self,
      "git_url": `${origin}${basePath}/repos/${repo}/git/blobs/${fakeSha(content)}`,
      "html_url": `https://github.com/${repo}/blob/${ref}/${path}`,
      "download_url": `https://raw.githubusercontent.com/${repo}/${ref}/${path}`,
      _links: { self, git: `${origin}${basePath}/repos/${repo}/git/blobs/${fakeSha(content)}`, html: "" },
    });
  };

  const diffEntryJson = (repo: string, pullRequest: FakePullRequest, file: FakeDiffFile) => {
    const entry: Record<string, unknown> = {
      sha: fakeSha(`${pullRequest.headSha}:${file.filename}`),
      filename: file.filename,
      status: file.status,
      additions: file.additions,
      deletions: file.deletions,
      changes: file.additions + file.deletions,
      "blob_url": `https://github.com/${repo}/blob/${pullRequest.headSha}/${file.filename}`,
      "raw_url": `https://github.com/${repo}/raw/${pullRequest.headSha}/${file.filename}`,
      "contents_url":
        `${origin}${basePath}/repos/${repo}/contents/${file.filename}?ref=${pullRequest.headSha}`,
    };
    if (file.patch !== undefined) entry.patch = file.patch;
    if (file.previousFilename !== undefined) entry.previous_filename = file.previousFilename;
    return entry;
  };

  const route = async (request: Request, url: URL, path: string, body: unknown): Promise<Response> => {
    const method = request.method;
    let match: RegExpExecArray | null;

    if (method === "POST" && (match = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path))) {
      const { header, payload } = await verifyAppJwt(request.headers);
      const installationId = Number(match[1]);
      const known = options.app?.installationIds;
      if (known !== undefined && !known.includes(installationId)) throw new RouteError(404, "Not Found");
      const token = `ghs_${fakeSha(`${installationId}:${state.installationTokens.length}:${Date.now()}`)}`;
      installationTokens.set(token, { login: `${options.app?.slug ?? "loom"}[bot]`, type: "Bot" });
      state.installationTokens.push({ installationId, token, jwtHeader: header, jwtPayload: payload });
      return json(201, {
        token,
        "expires_at": new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, "Z"),
        permissions: {
          contents: "read",
          metadata: "read",
          "pull_requests": "write",
          issues: "write",
          statuses: "write",
        },
        "repository_selection": "all",
      });
    }

    const caller = authenticate(request.headers);
    // GraphQL's `viewer`: who the token acts as, a user for a personal token and `<slug>[bot]` for an App's.
    if (method === "POST" && path === "/graphql") {
      const query = String((body as { query?: unknown } | null)?.query ?? "");
      if (!/\bviewer\b/.test(query)) throw new RouteError(400, "The fake answers only the viewer query");
      const viewer = user(caller.login, caller.type);
      return json(200, { data: { viewer: { login: viewer.login, databaseId: viewer.id } } });
    }
    const repoMatch = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(path);
    if (repoMatch === null) throw new RouteError(404, "Not Found");
    const repo = `${repoMatch[1]}/${repoMatch[2]}`;
    const rest = repoMatch[3]!;

    if (method === "GET" && (match = /^\/pulls\/(\d+)$/.exec(rest))) {
      const pullRequest = findPullRequest(repo, match[1]!);
      if (/application\/vnd\.github(\.v3)?\.diff/.test(request.headers.get("accept") ?? "")) {
        const lines = pullRequest.files.reduce((sum, file) => sum + file.additions + file.deletions, 0);
        const reason = pullRequest.files.length > maxDiffFiles
          ? `the diff exceeded the maximum number of files (${maxDiffFiles})`
          : lines > maxDiffLines
          ? `the diff exceeded the maximum number of lines (${maxDiffLines})`
          : undefined;
        if (reason !== undefined) {
          throw new RouteError(
            406,
            `Sorry, ${reason}. Consider using 'List pull requests files' API or locally cloning the repository instead.`,
            [{ resource: "PullRequest", field: "diff", code: "too_large" }],
          );
        }
        return new Response(pullRequest.diff, {
          headers: { "content-type": "application/vnd.github.diff; charset=utf-8", ...rateHeaders() },
        });
      }
      return json(200, pullRequestJson(pullRequest));
    }
    if (method === "GET" && (match = /^\/pulls\/(\d+)\/files$/.exec(rest))) {
      const pullRequest = findPullRequest(repo, match[1]!);
      const entries = pullRequest.files.slice(0, MAX_FILES_LISTED).map((file) =>
        diffEntryJson(repo, pullRequest, file)
      );
      const page = paginate(url, entries);
      return json(200, page.items, page.headers);
    }
    if (method === "GET" && (match = /^\/pulls\/(\d+)\/comments$/.exec(rest))) {
      const pullRequest = findPullRequest(repo, match[1]!);
      const comments = state.reviewComments.filter((item) =>
        item.repo === repo && item.number === pullRequest.number
      );
      const page = paginate(url, comments.map(reviewCommentJson));
      return json(200, page.items, page.headers);
    }
    if (method === "GET" && (match = /^\/pulls\/(\d+)\/reviews$/.exec(rest))) {
      const pullRequest = findPullRequest(repo, match[1]!);
      const reviews = state.reviews.filter((item) =>
        item.repo === repo && item.number === pullRequest.number
      );
      const page = paginate(url, reviews.map((review) => reviewJson(review, new Date().toISOString())));
      return json(200, page.items, page.headers);
    }
    if (method === "POST" && (match = /^\/pulls\/(\d+)\/reviews$/.exec(rest))) {
      const pullRequest = findPullRequest(repo, match[1]!);
      return createReview(pullRequest, caller, (body ?? {}) as Record<string, unknown>);
    }
    if (method === "GET" && (match = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const pullRequest = findPullRequest(repo, match[1]!);
      const comments = state.issueComments.filter((item) =>
        item.repo === repo && item.number === pullRequest.number
      );
      const page = paginate(url, comments.map(issueCommentJson));
      return json(200, page.items, page.headers);
    }
    if (method === "POST" && (match = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const pullRequest = findPullRequest(repo, match[1]!);
      const text = (body as { body?: unknown } | null)?.body;
      if (typeof text !== "string" || text.length === 0) {
        throw new RouteError(422, "Validation Failed", [{
          resource: "IssueComment",
          code: "missing_field",
          field: "body",
        }]);
      }
      const comment = state.addIssueComment(repo, pullRequest.number, text, caller);
      return json(201, issueCommentJson(comment));
    }
    if (method === "PATCH" && (match = /^\/issues\/comments\/(\d+)$/.exec(rest))) {
      const comment = state.issueComments.find((item) => item.repo === repo && item.id === Number(match![1]));
      if (comment === undefined) throw new RouteError(404, "Not Found");
      const text = (body as { body?: unknown } | null)?.body;
      if (typeof text !== "string" || text.length === 0) {
        throw new RouteError(422, "Validation Failed", [{
          resource: "IssueComment",
          code: "missing_field",
          field: "body",
        }]);
      }
      comment.body = text;
      comment.updatedAt = new Date().toISOString();
      state.edits.push({ repo, commentId: comment.id, body: text });
      return json(200, issueCommentJson(comment));
    }
    if (method === "GET" && (match = /^\/compare\/([^/.]+)\.\.\.([^/.]+)$/.exec(rest))) {
      const comparison = comparisons.get(`${repo}@${match[1]}...${match[2]}`);
      if (comparison === undefined) throw new RouteError(404, `No commit found for SHA: ${match[1]}`);
      if (/application\/vnd\.github(\.v3)?\.diff/.test(request.headers.get("accept") ?? "")) {
        return new Response(comparison.diff, {
          headers: { "content-type": "application/vnd.github.diff; charset=utf-8", ...rateHeaders() },
        });
      }
      return json(200, {
        url: `${origin}${basePath}/repos/${repo}/compare/${match[1]}...${match[2]}`,
        status: comparison.status,
        "ahead_by": comparison.status === "identical" ? 0 : 1,
        "behind_by": comparison.status === "diverged" || comparison.status === "behind" ? 1 : 0,
        "total_commits": comparison.status === "identical" ? 0 : 1,
        commits: [],
        files: parseFakeDiff(comparison.diff).map((file) => ({
          filename: file.filename,
          status: file.status,
          additions: file.additions,
          deletions: file.deletions,
          changes: file.additions + file.deletions,
          ...(file.patch === undefined ? {} : { patch: file.patch }),
        })),
      });
    }
    if (method === "GET" && (match = /^\/contents\/(.+)$/.exec(rest))) {
      return getContent(repo, decodeURIComponent(match[1]!), url, request.headers);
    }
    if (method === "GET" && (match = /^\/collaborators\/([^/]+)\/permission$/.exec(rest))) {
      const login = decodeURIComponent(match[1]!);
      const permission = permissions.get(`${repo}:${login.toLowerCase()}`);
      if (permission === undefined) throw new RouteError(404, `${login} is not a user`);
      return json(200, {
        permission,
        "role_name": permission === "none" ? "none" : permission === "admin" ? "admin" : permission,
        user: user(login, "User"),
      });
    }
    if (method === "POST" && (match = /^\/statuses\/([0-9a-f]{7,40})$/.exec(rest))) {
      const input = (body ?? {}) as Record<string, unknown>;
      const status = input.state;
      if (status !== "error" && status !== "failure" && status !== "pending" && status !== "success") {
        throw new RouteError(422, "Validation Failed", [{
          resource: "Status",
          code: "custom",
          field: "state",
        }]);
      }
      if (typeof input.description === "string" && input.description.length > 140) {
        throw new RouteError(422, "Validation Failed", [{
          resource: "Status",
          code: "custom",
          field: "description",
          message: "description is too long (maximum is 140 characters)",
        }]);
      }
      const recorded: FakeStatus = {
        id: nextId++,
        repo,
        sha: match[1]!,
        state: status,
        description: typeof input.description === "string" ? input.description : undefined,
        targetUrl: typeof input.target_url === "string" ? input.target_url : undefined,
        context: typeof input.context === "string" ? input.context : "default",
        creator: caller,
      };
      state.statuses.push(recorded);
      return json(201, {
        url: `${origin}${basePath}/repos/${repo}/statuses/${recorded.sha}`,
        "avatar_url": "https://avatars.githubusercontent.com/u/1?v=4",
        id: recorded.id,
        "node_id": `SC_${fakeSha(String(recorded.id)).slice(0, 12)}`,
        state: recorded.state,
        description: recorded.description ?? null,
        "target_url": recorded.targetUrl ?? null,
        context: recorded.context,
        "created_at": new Date().toISOString(),
        "updated_at": new Date().toISOString(),
        creator: user(caller.login, caller.type),
      });
    }
    throw new RouteError(404, "Not Found");
  };

  const handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const text = request.method === "GET" || request.method === "HEAD" ? "" : await request.text();
    let body: unknown = undefined;
    let badJson = false;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        badJson = true;
        body = text;
      }
    }
    requests.push({
      method: request.method,
      path: url.pathname,
      search: url.searchParams,
      headers: request.headers,
      body,
    });
    try {
      // GitHub Enterprise Server serves GraphQL at `/api/graphql` beside the REST `/api/v3`.
      const graphql = basePath.endsWith("/api/v3") && url.pathname === basePath.replace(/\/v3$/, "/graphql");
      if (!graphql && !url.pathname.startsWith(`${basePath}/`)) throw new RouteError(404, "Not Found");
      const path = graphql ? "/graphql" : url.pathname.slice(basePath.length);
      const matches = (pattern: string | RegExp) =>
        typeof pattern === "string" ? path.includes(pattern) : pattern.test(path);
      const holdIndex = holds.findIndex((hold) => matches(hold.pattern));
      if (holdIndex >= 0) {
        const [hold] = holds.splice(holdIndex, 1);
        heldNow.add(hold!.release);
        await hold!.held;
        heldNow.delete(hold!.release);
      }
      const failureIndex = failures.findIndex((failure) =>
        typeof failure.pattern === "string" ? path.includes(failure.pattern) : failure.pattern.test(path)
      );
      if (failureIndex >= 0) {
        const [failure] = failures.splice(failureIndex, 1);
        const message = failure!.status === 429 || failure!.status === 403
          ? "API rate limit exceeded"
          : failure!.status >= 500
          ? "Server Error"
          : "Scripted failure";
        throw new RouteError(failure!.status, message, undefined, failure!.headers);
      }
      if (badJson) throw new RouteError(400, "Problems parsing JSON");
      return await route(request, url, path, body);
    } catch (error) {
      if (!(error instanceof RouteError)) {
        return json(500, { message: `Fake GitHub failed: ${String(error)}` });
      }
      const payload: Record<string, unknown> = { message: error.message };
      if (error.errors !== undefined) payload.errors = error.errors;
      payload.documentation_url = DOCS;
      payload.status = String(error.status);
      return json(error.status, payload, error.headers);
    }
  };

  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, handle);
  origin = `http://127.0.0.1:${server.addr.port}`;
  const close = () => {
    for (const release of heldNow) release();
    return server.shutdown();
  };
  return {
    url: `${origin}${basePath}`,
    state,
    requests,
    close,
    [Symbol.asyncDispose]: close,
  };
}
