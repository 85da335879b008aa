/**
 * Zod schemas for the GitHub webhook fields Loom reads, and nothing more: GitHub adds fields often, and a
 * payload recorded years ago (the go-playground fixtures have no `draft` or `author_association`) must still
 * parse. Keys keep GitHub's snake_case, quoted, to mark them as foreign data.
 */
import { z } from "zod";

const GitHubUser = z.object({
  login: z.string(),
  /** The account's numeric id: a login can be renamed and taken by someone else, the id cannot. */
  id: z.number().int().optional(),
  /** `"Bot"` for GitHub Apps and other bot accounts. */
  type: z.string().optional(),
});

const GitHubRepository = z.object({
  id: z.number().int().optional(),
  "full_name": z.string().min(1),
  private: z.boolean().optional(),
  /** `public`, `private` or `internal` (Enterprise: visible to every member of the enterprise, not to strangers). */
  visibility: z.string().optional(),
});

const GitHubBranch = z.object({ sha: z.string().min(1), ref: z.string().min(1) });

/** The first look at any payload: which action it is, before deciding whether to read more. */
export const GitHubActionPayload = z.object({
  action: z.string(),
  changes: z.object({ base: z.unknown().optional(), title: z.unknown().optional() }).optional(),
  issue: z.object({ "pull_request": z.unknown().optional() }).optional(),
});
export type GitHubActionPayload = z.infer<typeof GitHubActionPayload>;

/** `pull_request` events (platforms.md §2.1). */
export const GitHubPullRequestPayload = z.object({
  action: z.string(),
  /** Head sha before the push; only `synchronize` carries it. */
  before: z.string().optional(),
  "pull_request": z.object({
    number: z.number().int().positive(),
    title: z.string(),
    draft: z.boolean().nullish(),
    labels: z.array(z.object({ name: z.string() })).optional(),
    user: GitHubUser,
    /** The author's relation to the repository (`OWNER`, `MEMBER`, `COLLABORATOR`, `CONTRIBUTOR`, `NONE`…). */
    "author_association": z.string().optional(),
    head: GitHubBranch,
    base: GitHubBranch,
  }),
  repository: GitHubRepository,
  sender: GitHubUser.optional(),
});
export type GitHubPullRequestPayload = z.infer<typeof GitHubPullRequestPayload>;

const GitHubComment = z.object({
  id: z.number().int(),
  body: z.string(),
  user: GitHubUser,
  /** OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, … — missing from older payloads. */
  "author_association": z.string().optional(),
});

/** `issue_comment` events on a pull request (`issue.pull_request` present). */
export const GitHubIssueCommentPayload = z.object({
  action: z.string(),
  issue: z.object({ number: z.number().int().positive(), "pull_request": z.object({}) }),
  comment: GitHubComment,
  repository: GitHubRepository,
  sender: GitHubUser.optional(),
});
export type GitHubIssueCommentPayload = z.infer<typeof GitHubIssueCommentPayload>;

/** `pull_request_review_comment` events (inline comments and replies). */
export const GitHubReviewCommentPayload = z.object({
  action: z.string(),
  comment: GitHubComment.extend({
    /** The first comment of the thread this one replies to; absent on a thread's first comment. */
    "in_reply_to_id": z.number().int().optional(),
  }),
  "pull_request": z.object({ number: z.number().int().positive() }),
  repository: GitHubRepository,
  sender: GitHubUser.optional(),
});
export type GitHubReviewCommentPayload = z.infer<typeof GitHubReviewCommentPayload>;
