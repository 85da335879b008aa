/** Verifies and parses GitHub webhook deliveries (platforms.md §2.1). */
import type { z } from "zod";
import type {
  CommentEvent,
  PullRequestAction,
  PullRequestEvent,
  WebhookEvent,
  WebhookParser,
} from "../types.ts";
import {
  GitHubActionPayload,
  GitHubIssueCommentPayload,
  GitHubPullRequestPayload,
  GitHubReviewCommentPayload,
} from "./schema.ts";
import { equalBytes, hexBytes, hmacSha256 } from "../webhook_hmac.ts";
import { REVIEW_EVENTS } from "../../pull_request.ts";

const SIGNATURE_PATTERN = /^sha256=[0-9a-f]{64}$/;
const ACTED_ON: ReadonlySet<string> = new Set<PullRequestAction>([
  ...REVIEW_EVENTS.filter((event) => event !== "edited"),
  "closed",
]);
/**
 * `author_association` values that rule write access out: no membership, no collaboration. `MEMBER` and
 * `COLLABORATOR` say nothing about the level (an organization member or a collaborator may hold read or triage only),
 * so they leave the question to the collaborator permission API.
 */
const NO_ACCESS_ASSOCIATIONS: ReadonlySet<string> = new Set([
  "CONTRIBUTOR",
  "FIRST_TIME_CONTRIBUTOR",
  "FIRST_TIMER",
  "MANNEQUIN",
  "NONE",
]);

function readPayload<T>(schema: z.ZodType<T>, event: string, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join(".") : "body";
    return `${path}: ${issue.message}`;
  });
  throw new TypeError(`Cannot parse GitHub "${event}" webhook: ${problems.join("; ")}`);
}

function isBot(user: { type?: string } | undefined): boolean {
  return user?.type === "Bot";
}

/** True for the repository's owner, false for authors with no relationship to it, else unknown. */
function canWrite(association: string | undefined): boolean | undefined {
  if (association === "OWNER") return true;
  return association !== undefined && NO_ACCESS_ASSOCIATIONS.has(association) ? false : undefined;
}

/** Public when GitHub says `visibility: "public"`, or, without `visibility`, `private: false`; else unknown. */
function isPublic(repository: { private?: boolean; visibility?: string }): boolean | undefined {
  if (repository.visibility !== undefined) return repository.visibility === "public";
  return repository.private === undefined ? undefined : !repository.private;
}

function parsePullRequest(
  deliveryId: string,
  body: unknown,
  action: PullRequestAction,
): PullRequestEvent {
  const payload = readPayload(GitHubPullRequestPayload, "pull_request", body);
  const pullRequest = payload.pull_request;
  const event: PullRequestEvent = {
    kind: "pull_request",
    action,
    deliveryId,
    pr: { platform: "github", repo: payload.repository.full_name, number: pullRequest.number },
    title: pullRequest.title,
    author: pullRequest.user.login,
    // Whoever labels or retitles (often a labeler bot) is not the author: only a push's sender stands in for one.
    authorIsBot: (action !== "edited" && isBot(payload.sender)) || isBot(pullRequest.user),
    draft: pullRequest.draft ?? false,
    headSha: pullRequest.head.sha,
    headRef: pullRequest.head.ref,
    baseSha: pullRequest.base.sha,
    baseRef: pullRequest.base.ref,
  };
  if (payload.repository.id !== undefined) event.repoId = String(payload.repository.id);
  if (pullRequest.labels !== undefined) event.labels = pullRequest.labels.map((label) => label.name);
  const repoPublic = isPublic(payload.repository);
  if (repoPublic !== undefined) event.repoPublic = repoPublic;
  const authorCanWrite = canWrite(pullRequest.author_association);
  if (authorCanWrite !== undefined) event.authorCanWrite = authorCanWrite;
  if (action === "synchronize" && payload.before !== undefined) event.beforeSha = payload.before;
  return event;
}

function parseComment(
  deliveryId: string,
  number: number,
  payload: GitHubIssueCommentPayload | GitHubReviewCommentPayload,
): CommentEvent {
  const event: CommentEvent = {
    kind: "comment",
    deliveryId,
    pr: { platform: "github", repo: payload.repository.full_name, number },
    commentId: String(payload.comment.id),
    body: payload.comment.body,
    author: payload.comment.user.login,
    authorIsBot: isBot(payload.comment.user) || isBot(payload.sender),
  };
  if (payload.comment.user.id !== undefined) event.authorId = String(payload.comment.user.id);
  if (payload.repository.id !== undefined) event.repoId = String(payload.repository.id);
  const repoPublic = isPublic(payload.repository);
  if (repoPublic !== undefined) event.repoPublic = repoPublic;
  return event;
}

function parseEvent(headers: Headers, body: unknown): WebhookEvent | null {
  const name = headers.get("x-github-event");
  if (name !== "pull_request" && name !== "issue_comment" && name !== "pull_request_review_comment") {
    return null;
  }
  const first = readPayload(GitHubActionPayload, name, body);
  const deliveryId = headers.get("x-github-delivery") ?? "";
  if (name === "pull_request") {
    if (ACTED_ON.has(first.action)) {
      return parsePullRequest(deliveryId, body, first.action as PullRequestAction);
    }
    // A changed base branch changes the diff, so it is reviewed like a push.
    if (first.action === "edited" && first.changes?.base !== undefined) {
      return parsePullRequest(deliveryId, body, "synchronize");
    }
    // A new title or label set can make `triggers.title`/`triggers.labels` let in what they skipped; a body edit
    // changes nothing the triggers read.
    if (
      (first.action === "edited" && first.changes?.title !== undefined) || first.action === "labeled" ||
      first.action === "unlabeled"
    ) {
      return parsePullRequest(deliveryId, body, "edited");
    }
    return null;
  }
  if (first.action !== "created") return null;
  if (name === "issue_comment") {
    // Plain issues share this event; only comments on pull requests carry `issue.pull_request`.
    if (first.issue?.pull_request === undefined || first.issue.pull_request === null) return null;
    const payload = readPayload(GitHubIssueCommentPayload, name, body);
    return parseComment(deliveryId, payload.issue.number, payload);
  }
  const payload = readPayload(GitHubReviewCommentPayload, name, body);
  const event = parseComment(deliveryId, payload.pull_request.number, payload);
  // GitHub refuses replies to replies: `in_reply_to_id` always names the thread's first comment.
  const inReplyTo = payload.comment.in_reply_to_id;
  event.thread = inReplyTo === undefined
    ? { id: event.commentId }
    : { id: String(inReplyTo), inReplyTo: String(inReplyTo) };
  return event;
}

function readRepoName(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return null;
  const repository = (body as { repository?: unknown }).repository;
  if (typeof repository !== "object" || repository === null) return null;
  const fullName = (repository as { full_name?: unknown }).full_name;
  return typeof fullName === "string" && fullName.length > 0 ? fullName : null;
}

/** `X-Hub-Signature-256`: HMAC-SHA256 of the exact body bytes under the webhook secret, hex. */
async function verifySignature(headers: Headers, rawBody: Uint8Array, secret: string): Promise<boolean> {
  const signature = headers.get("x-hub-signature-256");
  if (signature === null || !SIGNATURE_PATTERN.test(signature) || secret.length === 0) return false;
  if (rawBody.length === 0) return false;
  return equalBytes(await hmacSha256(secret, rawBody), hexBytes(signature.slice("sha256=".length))!);
}

/** Webhook verification and parsing for GitHub and GitHub Enterprise. */
export const githubWebhook: WebhookParser = {
  platform: "github",
  verify: verifySignature,
  deliveryId(headers) {
    const id = headers.get("x-github-delivery");
    return id === null || id.length === 0 ? null : id;
  },
  repoName(_headers, body) {
    return readRepoName(body);
  },
  parse: parseEvent,
};
