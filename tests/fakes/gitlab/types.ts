/** The public types of the fake GitLab, and the shapes it stores merge requests in. */
import type { MergeRequestDiffSchema } from "@gitbeaker/core";
import type { Strict } from "../strict.ts";

/** Content of one file of a seeded pull request; `tooLarge`/`collapsed` make GitLab withhold its patch. */
export interface FakeFileSeed {
  base?: string;
  head?: string;
  tooLarge?: boolean;
  collapsed?: boolean;
}

/** Seed for one merge request; the same shape the other platform fakes take. */
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
  /** The unified diff (`diff --git` format) of the merge request. */
  diff: string;
  files?: Record<string, FakeFileSeed>;
  draft?: boolean;
  /** Label names; the fake serves the seed's array as it is at each request. */
  labels?: string[];
  /** "open" is accepted as the other fakes spell it. */
  state?: "open" | "opened" | "closed" | "merged";
  /** `diff_refs.start_sha`; defaults to `baseSha`. */
  startSha?: string;
  /** How many reads of the merge request answer `diff_refs: null` before the diff is "ready". */
  diffRefsPendingReads?: number;
}

/** A note as the fake stores it (general note, or the note of a discussion). */
export interface FakeNote {
  id: number;
  repo: string;
  number: number;
  discussionId: string;
  body: string;
  author: string;
  system: boolean;
  type: "DiffNote" | "DiscussionNote" | null;
  position: Record<string, unknown> | null;
  /** Set by `PUT …/discussions/:id?resolved=…` on diff notes. */
  resolved?: boolean;
}

/** A commit status as posted to `POST /projects/:id/statuses/:sha`. */
export interface FakeStatus {
  repo: string;
  sha: string;
  state: string;
  name?: string;
  description?: string;
  target_url?: string;
}

/** One request the fake received, with the body as parsed from JSON or multipart form data. */
export interface RecordedRequest {
  method: string;
  /** Decoded path after `/api/v4`, e.g. `/projects/group/app/merge_requests/1/notes`. */
  path: string;
  query: Record<string, string>;
  body: unknown;
}

/** An error the fake answers instead of handling a matching request. */
export interface FailureRule {
  method?: string;
  /** Substring of the decoded path the request must contain. */
  path?: string;
  status: number;
  times?: number;
  retryAfter?: string;
}

/** An issue the fake serves (`tests/fakes/gitlab/issues.ts`). */
export interface FakeGitLabIssue {
  /** The project's full path, `group/app`. */
  repo: string;
  iid: number;
  title: string;
  description?: string;
  state?: "opened" | "closed";
}

export interface FakeGitLabState {
  addPullRequest(seed: FakePullRequestSeed): void;
  /** The stored merge request, live: what Loom wrote (`body` after a description edit) and what tests change. */
  pullRequest(repo: string, number: number): StoredPullRequest;
  /** Serves an issue at `GET /projects/:id/issues/:iid` (`tests/fakes/gitlab/issues.ts`). */
  addIssue(issue: FakeGitLabIssue): void;
  /** Adds a note written by someone (for tests that need existing comments). */
  addNote(note: { repo: string; number: number; body: string; author?: string }): FakeNote;
  failNext(rule: FailureRule): void;
  /** Serves `GET …/repository/compare?from=&to=` with the files of `diff`; unknown pairs answer 404. */
  addComparison(repo: string, from: string, to: string, diff: string): void;
  /** Makes `username` a member of `repo` with a GitLab access level (30 Developer, 40 Maintainer…). */
  addMember(repo: string, username: string, accessLevel: number): void;
  readonly notes: FakeNote[];
  readonly statuses: FakeStatus[];
  readonly requests: RecordedRequest[];
  /** Notes posted through `POST …/discussions` with a position. */
  readonly discussions: FakeNote[];
}

export interface FakeGitLab {
  /** Instance root to pass as `baseUrl` (the API lives under `/api/v4`). */
  url: string;
  token: string;
  botUsername: string;
  state: FakeGitLabState;
  /** Same array as `state.requests`. */
  requests: RecordedRequest[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export type FullSeed =
  & FakePullRequestSeed
  & Required<Pick<FakePullRequestSeed, "title" | "author" | "baseRef" | "headRef" | "files">>;

export interface StoredPullRequest extends FullSeed {
  pendingReads: number;
  projectId: number;
  fileEntries: DiffEntry[];
}

/**
 * One file of `GET …/merge_requests/:iid/diffs`: gitbeaker's `MergeRequestDiffSchema` plus the three fields GitLab
 * 16+ also sends (`generated_file`, and `too_large`/`collapsed` for a withheld diff).
 */
export type DiffEntry = Strict<MergeRequestDiffSchema> & {
  generated_file: boolean;
  too_large: boolean;
  collapsed: boolean;
};

export type { Strict } from "../strict.ts";
