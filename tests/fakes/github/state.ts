/**
 * The fake GitHub's data: pull requests, comments, reviews, statuses and files a test seeds or the API writes,
 * plus the scripted failures and held requests a test queues. The routes read and write the same store.
 */
import { fakeSha, parseFakeDiff } from "./diff.ts";
import type {
  FakeComment,
  FakeGitHubRole,
  FakeGitHubState,
  FakeIssue,
  FakePullRequest,
  FakeReviewComment,
  FakeUser,
} from "./types.ts";

export interface ScriptedFailure {
  pattern: string | RegExp;
  status: number;
  headers: Record<string, string>;
}

export interface HeldRequest {
  pattern: string | RegExp;
  held: Promise<void>;
  release: () => void;
}

/** What the routes share besides the public state; one per running fake. */
export interface GitHubStore {
  readonly state: FakeGitHubState;
  /** `repo@ref` → path → content, served by the contents API. */
  readonly blobs: Map<string, Map<string, string>>;
  /** `repo@base...head` → what the compare API answers. */
  readonly comparisons: Map<string, { diff: string; status: string }>;
  /** `repo:login` (login lower-cased) → the collaborator's permission. */
  readonly permissions: Map<string, FakeGitHubRole>;
  readonly failures: ScriptedFailure[];
  readonly holds: HeldRequest[];
  /** Release functions of requests held right now; closing the fake calls them. */
  readonly heldNow: Set<() => void>;
  /** Installation tokens minted by the app endpoint → the bot they act as. */
  readonly installationUsers: Map<string, FakeUser>;
  /** The next id of a comment, review or status (GitHub's ids are global and increasing). */
  nextId(): number;
}

export function pullKey(repo: string, number: number): string {
  return `${repo}#${number}`;
}

/** Creates an empty store. */
export function createGitHubStore(): GitHubStore {
  const blobs = new Map<string, Map<string, string>>();
  const comparisons = new Map<string, { diff: string; status: string }>();
  const permissions = new Map<string, FakeGitHubRole>();
  const failures: ScriptedFailure[] = [];
  const holds: HeldRequest[] = [];
  let nextId = 1000;

  const state: FakeGitHubState = {
    pullRequests: new Map(),
    issueComments: [],
    reviewComments: [],
    reviews: [],
    edits: [],
    statuses: [],
    checkRuns: [],
    installationTokens: [],
    issues: new Map(),
    addIssue(seed) {
      const issue: FakeIssue = {
        ...seed,
        body: seed.body ?? "",
        state: seed.state ?? "open",
        user: { login: "octocat", type: "User" },
      };
      state.issues.set(pullKey(seed.repo, seed.number), issue);
      return issue;
    },
    addPullRequest(seed) {
      const pullRequest: FakePullRequest = {
        repo: seed.repo,
        number: seed.number,
        title: seed.title ?? `Pull request #${seed.number}`,
        body: seed.body ?? "",
        author: { login: seed.author ?? "octocat", type: seed.authorType ?? "User" },
        draft: seed.draft ?? false,
        labels: [...(seed.labels ?? [])],
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

  return {
    state,
    blobs,
    comparisons,
    permissions,
    failures,
    holds,
    heldNow: new Set(),
    installationUsers: new Map(),
    nextId: () => nextId++,
  };
}
