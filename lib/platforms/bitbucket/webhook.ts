/**
 * Bitbucket Cloud webhooks: `X-Hub-Signature` check on the raw body, `X-Request-UUID` as the delivery id, and
 * the `pullrequest:*` events Loom acts on. Data Center/Server deliveries (`pr:*` event keys) are ignored here:
 * they belong at `/api/webhooks/bitbucket_server` (`../bitbucket_server/`).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { CommentEvent, PullRequestAction, PullRequestEvent, WebhookParser } from "../types.ts";
import { type BitbucketUser, CommentPayload, PullRequestPayload } from "./schema.ts";
import { parseWebhookPayload } from "../webhook_payload.ts";

/**
 * `pullrequest:updated` fires for title, description and reviewer edits as well as for new commits, and carries
 * no push flag. It maps to "synchronize"; the queue's dedupe key (platform + repo + PR + head sha) drops the
 * updates whose source hash did not change.
 */
const PULL_REQUEST_ACTIONS: Record<string, PullRequestAction> = {
  "pullrequest:created": "opened",
  "pullrequest:updated": "synchronize",
  "pullrequest:fulfilled": "closed",
  "pullrequest:rejected": "closed",
};

function digest(value: string | Uint8Array): Uint8Array {
  return createHash("sha256").update(value).digest();
}

/** Hashing both sides first makes the comparison constant-time regardless of the received length. */
function constantTimeEqual(received: string, expected: string): boolean {
  return timingSafeEqual(digest(received), digest(expected));
}

function userName(user: BitbucketUser | null | undefined): string {
  return user?.nickname ?? user?.["display_name"] ?? user?.["account_id"] ?? user?.uuid ?? "";
}

function isBot(user: BitbucketUser | null | undefined): boolean {
  return user?.type === "app_user";
}

function isPublic(repository: { "is_private"?: boolean | null }): boolean | undefined {
  return typeof repository.is_private === "boolean" ? !repository.is_private : undefined;
}

function repositoryFullName(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return null;
  const repository = (body as { repository?: unknown }).repository;
  if (typeof repository !== "object" || repository === null) return null;
  const fullName = (repository as { "full_name"?: unknown })["full_name"];
  return typeof fullName === "string" && fullName.length > 0 ? fullName : null;
}

/** Webhook verification and parsing for Bitbucket Cloud repository and workspace webhooks. */
export const bitbucketWebhook: WebhookParser = {
  platform: "bitbucket",

  verify(headers, rawBody, secret) {
    try {
      const received = headers.get("x-hub-signature");
      if (!received || !secret) return Promise.resolve(false);
      const expected = "sha256=" + createHmac("sha256", secret).update(rawBody).digest("hex");
      return Promise.resolve(constantTimeEqual(received.trim().toLowerCase(), expected));
    } catch {
      // A verifier that throws would turn a forged request into a 500; any failure is simply "not verified".
      return Promise.resolve(false);
    }
  },

  deliveryId(headers) {
    return headers.get("x-request-uuid") || null;
  },

  repoName(_headers, body) {
    return repositoryFullName(body);
  },

  parse(headers, body) {
    const eventKey = headers.get("x-event-key") ?? "";
    const deliveryId = headers.get("x-request-uuid") ?? "";
    const action = PULL_REQUEST_ACTIONS[eventKey];
    if (action) {
      const payload = parseWebhookPayload("Bitbucket", PullRequestPayload, body, eventKey);
      const pullRequest = payload.pullrequest;
      const event: PullRequestEvent = {
        kind: "pull_request",
        action,
        deliveryId,
        pr: { platform: "bitbucket", repo: payload.repository["full_name"], number: pullRequest.id },
        repoId: payload.repository.uuid ?? undefined,
        title: pullRequest.title,
        author: userName(pullRequest.author),
        authorIsBot: isBot(pullRequest.author),
        draft: pullRequest.draft ?? false,
        // Abbreviated (12 characters in practice); the client resolves full hashes where they matter.
        headSha: pullRequest.source.commit.hash,
        headRef: pullRequest.source.branch.name,
        baseSha: pullRequest.destination.commit.hash,
        baseRef: pullRequest.destination.branch.name,
        repoPublic: isPublic(payload.repository),
      };
      return event;
    }
    if (eventKey === "pullrequest:comment_created") {
      const payload = parseWebhookPayload("Bitbucket", CommentPayload, body, eventKey);
      const author = payload.comment.user ?? payload.actor;
      const event: CommentEvent = {
        kind: "comment",
        deliveryId,
        pr: { platform: "bitbucket", repo: payload.repository["full_name"], number: payload.pullrequest.id },
        repoId: payload.repository.uuid ?? undefined,
        commentId: String(payload.comment.id),
        body: payload.comment.content.raw ?? "",
        author: userName(author),
        // Display names and nicknames are not unique; the permission API takes the account uuid.
        authorId: author?.uuid ?? undefined,
        authorIsBot: isBot(author),
        repoPublic: isPublic(payload.repository),
      };
      // A reply on a line (Bitbucket gives a reply its parent's `inline`): Loom's findings start such threads.
      const parent = payload.comment.parent?.id;
      if (parent !== undefined && payload.comment.inline) {
        event.thread = { id: String(parent), inReplyTo: String(parent) };
      }
      return event;
    }
    return null;
  },
};
