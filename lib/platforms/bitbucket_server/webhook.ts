/**
 * Bitbucket Data Center / Server webhooks: `X-Hub-Signature: sha256=<hex>` over the raw body, `X-Request-Id` as
 * the delivery id, and the `pr:*` events Loom acts on (platforms.md §4.5). Repositories are named
 * `PROJECT/repo-slug` (a personal project's key starts with `~`), the name the REST API addresses them by.
 */
import type { CommentEvent, PullRequestAction, PullRequestEvent, WebhookParser } from "../types.ts";
import { parseWebhookPayload } from "../webhook_payload.ts";
import { equalBytes, hexBytes, hmacSha256 } from "../webhook_hmac.ts";
import { CommentPayload, PullRequestPayload, type ServerRepository, type ServerUser } from "./schema.ts";

/**
 * `pr:from_ref_updated` is the push (Bitbucket 7.0+); `pr:modified` is a title, description or target change
 * and starts a review when it takes a draft out of draft (8.18+), or as `edited` when the title changed (so
 * `triggers.title` can let in what it skipped). Merged, declined and deleted cancel.
 */
const PULL_REQUEST_ACTIONS: Record<string, PullRequestAction> = {
  "pr:opened": "opened",
  "pr:from_ref_updated": "synchronize",
  "pr:merged": "closed",
  "pr:declined": "closed",
  "pr:deleted": "closed",
};

/** The repository's name as Loom stores it: `PROJECT/repo-slug`. */
export function serverRepoName(repository: ServerRepository): string {
  return `${repository.project.key}/${repository.slug}`;
}

/** HTTP access tokens act as a service user (`type: SERVICE`); people are `NORMAL`. */
function isBot(user: ServerUser | null | undefined): boolean {
  return user?.type === "SERVICE";
}

function repoNameOf(body: unknown): string | null {
  const result = PullRequestPayload.shape.pullRequest.safeParse(
    (body as { pullRequest?: unknown } | null)?.pullRequest,
  );
  return result.success ? serverRepoName(result.data.toRef.repository) : null;
}

/** Webhook verification and parsing for Bitbucket Data Center / Server repository and project webhooks. */
export const bitbucketServerWebhook: WebhookParser = {
  platform: "bitbucket_server",

  async verify(headers, rawBody, secret) {
    try {
      const received = headers.get("x-hub-signature")?.trim() ?? "";
      if (!secret || !received.toLowerCase().startsWith("sha256=")) return false;
      const expected = hexBytes(received.slice("sha256=".length));
      if (expected === null) return false;
      return equalBytes(await hmacSha256(secret, rawBody), expected);
    } catch {
      // A verifier that throws would turn a forged request into a 500; any failure is simply "not verified".
      return false;
    }
  },

  deliveryId(headers) {
    return headers.get("x-request-id") || null;
  },

  repoName(_headers, body) {
    return repoNameOf(body);
  },

  parse(headers, body) {
    const eventKey = headers.get("x-event-key") ?? "";
    const deliveryId = headers.get("x-request-id") ?? "";
    let action: PullRequestAction | undefined = PULL_REQUEST_ACTIONS[eventKey];
    if (action === undefined && eventKey === "pr:modified") {
      const payload = parseWebhookPayload("Bitbucket Data Center", PullRequestPayload, body, eventKey);
      if (payload.previousDraft === true && payload.pullRequest.draft === false) action = "ready_for_review";
      else if (
        typeof payload.previousTitle === "string" && payload.previousTitle !== payload.pullRequest.title
      ) {
        action = "edited";
      } else return null;
    }
    if (action !== undefined) {
      const payload = parseWebhookPayload("Bitbucket Data Center", PullRequestPayload, body, eventKey);
      const pullRequest = payload.pullRequest;
      const repository = pullRequest.toRef.repository;
      const event: PullRequestEvent = {
        kind: "pull_request",
        action,
        deliveryId,
        pr: { platform: "bitbucket_server", repo: serverRepoName(repository), number: pullRequest.id },
        repoId: repository.id == null ? undefined : String(repository.id),
        title: pullRequest.title,
        author: pullRequest.author.user.name,
        authorIsBot: isBot(pullRequest.author.user),
        draft: pullRequest.draft ?? false,
        headSha: pullRequest.fromRef.latestCommit,
        headRef: pullRequest.fromRef.displayId,
        baseSha: pullRequest.toRef.latestCommit,
        baseRef: pullRequest.toRef.displayId,
        beforeSha: payload.previousFromHash ?? undefined,
        repoPublic: repository.public ?? undefined,
      };
      return event;
    }
    if (eventKey === "pr:comment:added") {
      const payload = parseWebhookPayload("Bitbucket Data Center", CommentPayload, body, eventKey);
      const repository = payload.pullRequest.toRef.repository;
      const author = payload.comment.author ?? payload.actor;
      const event: CommentEvent = {
        kind: "comment",
        deliveryId,
        pr: {
          platform: "bitbucket_server",
          repo: serverRepoName(repository),
          number: payload.pullRequest.id,
        },
        repoId: repository.id == null ? undefined : String(repository.id),
        commentId: String(payload.comment.id),
        body: payload.comment.text,
        author: author?.name ?? "",
        authorId: author?.id == null ? undefined : String(author.id),
        authorIsBot: isBot(author),
        repoPublic: repository.public ?? undefined,
      };
      return event;
    }
    return null;
  },
};
