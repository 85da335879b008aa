/** The public types of the fake Gitea, and the shape it stores pull requests in. */
import type { FakeRepoPermission } from "../permissions.ts";
import type { FakeGiteaIssue } from "./issues.ts";

/** Content of one file of a seeded pull request. */
export interface FakeFileSeed {
  base?: string;
  head?: string;
}

/** Seed for one pull request; the same shape the other platform fakes take. */
export interface FakePullRequestSeed {
  repo: string;
  number: number;
  /** Defaults to "Pull request". */
  title?: string;
  /** The description (Markdown); served as the platform does when empty. Tests may change it later. */
  body?: string;
  /** Defaults to "author". */
  author?: string;
  headSha: string;
  baseSha: string;
  /** Defaults to "main". */
  baseRef?: string;
  /** Defaults to "feature". */
  headRef?: string;
  /** The unified diff (`diff --git` format) served at `pulls/{index}.diff`. */
  diff: string;
  files?: Record<string, FakeFileSeed>;
  draft?: boolean;
  /** Label names; the fake serves the seed's array as it is at each request. */
  labels?: string[];
  state?: "open" | "closed" | "merged";
  /** `merge_base`; defaults to `baseSha`. */
  mergeBase?: string;
}

/** A plain comment on the pull request conversation. */
export interface FakeIssueComment {
  id: number;
  repo: string;
  number: number;
  body: string;
  author: string;
}

/** One code comment of a review, as Gitea stores it (file line numbers). */
export interface FakeReviewComment {
  id: number;
  path: string;
  body: string;
  new_position: number;
  old_position: number;
  /** Who resolved the conversation; only Gitea's web UI can, so tests set it directly. */
  resolver?: string;
}

/** A review created through `POST …/pulls/{index}/reviews`. */
export interface FakeReview {
  id: number;
  repo: string;
  number: number;
  author: string;
  event: string;
  body: string;
  commitId: string;
  comments: FakeReviewComment[];
}

/** A commit status as posted to `POST /repos/{owner}/{repo}/statuses/{sha}`. */
export interface FakeStatus {
  repo: string;
  sha: string;
  state: string;
  context?: string;
  description?: string;
  target_url?: string;
}

/** One request the fake received, with the JSON body parsed. */
export interface RecordedRequest {
  method: string;
  /** Decoded path after `/api/v1`, e.g. `/repos/owner/app/pulls/3/reviews`. */
  path: string;
  query: Record<string, string>;
  body: unknown;
}

/** An error the fake answers instead of handling a matching request. */
export interface FailureRule {
  method?: string;
  path?: string;
  status: number;
  times?: number;
  retryAfter?: string;
}

export type FullSeed =
  & FakePullRequestSeed
  & Required<Pick<FakePullRequestSeed, "title" | "author" | "baseRef" | "headRef" | "files">>;

export interface FakeGiteaState {
  addPullRequest(seed: FakePullRequestSeed): void;
  /** Serves an issue at `GET /repos/{owner}/{repo}/issues/{index}` (`issues.ts`). */
  addIssue(issue: FakeGiteaIssue): void;
  addComment(comment: { repo: string; number: number; body: string; author?: string }): FakeIssueComment;
  addReview(review: { repo: string; number: number; body?: string; author?: string }): FakeReview;
  failNext(rule: FailureRule): void;
  /**
   * Serves `GET /repos/{owner}/{repo}/compare/{base}...{head}.diff` (go-gitea/gitea#37632) with `diff`; any other pair
   * answers 404, as Gitea does for an unknown commit and as older Gitea does for the whole endpoint.
   */
  addComparison(repo: string, base: string, head: string, diff: string): void;
  /** Sets a user's level on a repository (`permissions.ts`); the repository's owner is always `owner`. */
  setPermission(repo: string, login: string, permission: FakeRepoPermission): void;
  readonly comments: FakeIssueComment[];
  readonly reviews: FakeReview[];
  readonly statuses: FakeStatus[];
  readonly requests: RecordedRequest[];
}

export interface FakeGiteaOptions {
  token?: string;
  /** More accepted tokens, each reading only the listed repositories (others answer 404). */
  access?: Record<string, string[]>;
  botLogin?: string;
  /** `[api] MAX_RESPONSE_ITEMS`; larger `limit`s are cut to this silently. */
  maxResponseItems?: number;
  /** Answer comment edits with 204 and change nothing, as Gitea before 1.22 did for code comments. */
  legacyCommentEdit?: boolean;
}

export interface FakeGitea {
  /** Instance root to pass as `baseUrl` (the API lives under `/api/v1`). */
  url: string;
  token: string;
  botLogin: string;
  state: FakeGiteaState;
  /** Same array as `state.requests`. */
  requests: RecordedRequest[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A gitea-js response type whose `K` fields may be `null`: gitea-js is generated from Gitea's swagger, which
 * cannot say "nullable", while Gitea sends an unset pointer field (`resolver`, `merged_by` …) as `null`.
 */
export type Nullable<T, K extends keyof T> = Omit<T, K> & { [P in K]?: T[P] | null };
