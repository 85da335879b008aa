/**
 * Gitea and Forgejo webhooks: HMAC-SHA256 over the JSON payload (bare hex in `X-Gitea-Signature` /
 * `X-Forgejo-Signature`), delivery ids, and the pull-request and PR-conversation comment events Loom acts on.
 * Reference: platforms.md §5.1; Gitea `services/webhook/deliver.go`, `modules/structs/hook.go`.
 */
import { z } from "zod";
import type {
  CommentEvent,
  PullRequestAction,
  PullRequestEvent,
  WebhookEvent,
  WebhookParser,
} from "../types.ts";
import { parseWebhookPayload, requireWebhookObject } from "../webhook_payload.ts";
import { equalBytes, formFieldBytes, hmacSha256 } from "../webhook_hmac.ts";

const User = z.object({ "login": z.string(), "id": z.number().int().optional() });
const Repository = z.object({
  "id": z.number().optional(),
  "full_name": z.string(),
  "private": z.boolean().optional(),
  /** Visible to every signed-in user of the instance, not to strangers (Gitea 1.13+). */
  "internal": z.boolean().optional(),
});

function isPublic(repository: { private?: boolean; internal?: boolean }): boolean | undefined {
  return repository.private === undefined ? undefined : !repository.private && repository.internal !== true;
}

const PullRequestHook = z.object({
  "action": z.string(),
  "number": z.number().int().positive().optional(),
  "pull_request": z.object({
    "number": z.number().int().positive(),
    "title": z.string(),
    "user": User,
    "draft": z.boolean().optional(),
    "labels": z.array(z.object({ "name": z.string() })).nullish(),
    "head": z.object({ "ref": z.string(), "sha": z.string() }),
    "base": z.object({ "ref": z.string(), "sha": z.string() }),
    "merge_base": z.string().nullish(),
  }),
  "changes": z.object({ "title": z.object({ "from": z.string() }).optional() }).nullish(),
  "repository": Repository,
});

const IssueCommentHook = z.object({
  "action": z.string(),
  "issue": z.object({ "number": z.number().int().positive(), "pull_request": z.unknown().optional() }),
  "comment": z.object({ "id": z.number(), "body": z.string(), "user": User }),
  "repository": Repository,
  "is_pull": z.boolean().optional(),
});

/** Gitea's default `[repository.pull-request] WORK_IN_PROGRESS_PREFIXES`. */
const WIP_PREFIX = /^\s*(WIP:|\[WIP\])/i;

/**
 * The payload text Gitea signed: the raw body for JSON hooks, or the `payload` field of a form-encoded hook,
 * whose signature covers only that JSON (platforms.md §10.1).
 * @param headers the request headers (for `Content-Type`)
 * @param rawBody the exact request body bytes
 * @returns the JSON text, or null when a form body has no `payload` field
 */
export function giteaPayloadText(headers: Headers, rawBody: Uint8Array): string | null {
  const text = new TextDecoder().decode(rawBody);
  if (!(headers.get("content-type") ?? "").includes("application/x-www-form-urlencoded")) return text;
  return new URLSearchParams(text).get("payload");
}

/**
 * Decodes a Gitea webhook body of either content type into the JSON payload `parse` expects.
 * @throws {SyntaxError} when the payload is not JSON
 */
export function decodeGiteaBody(headers: Headers, rawBody: Uint8Array): unknown {
  const text = giteaPayloadText(headers, rawBody);
  if (text === null) throw new SyntaxError(`Cannot decode Gitea webhook: form body has no "payload" field`);
  return JSON.parse(text);
}

/**
 * The bytes Gitea signed: the JSON payload itself — the whole body, or for a form-encoded delivery the
 * `payload` field percent-decoded to bytes (never through text, see `webhook_hmac.ts`).
 */
function signedPayloadBytes(headers: Headers, rawBody: Uint8Array): Uint8Array | null {
  if (!(headers.get("content-type") ?? "").includes("application/x-www-form-urlencoded")) return rawBody;
  return formFieldBytes(rawBody, "payload");
}

function signatureHeader(headers: Headers): string {
  const hub = headers.get("x-hub-signature-256");
  return headers.get("x-forgejo-signature") || headers.get("x-gitea-signature") ||
    headers.get("x-gogs-signature") || (hub?.startsWith("sha256=") ? hub.slice(7) : "");
}

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[0-9a-f]{64}$/i.test(hex)) return null;
  return Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16));
}

export function isBotLogin(login: string): boolean {
  return /(\[bot\]|-bot)$/i.test(login);
}

function pullRequestAction(hook: z.infer<typeof PullRequestHook>): PullRequestAction | null {
  switch (hook.action) {
    case "opened":
      return "opened";
    case "reopened":
      return "reopened";
    // Gitea spells the push action with a trailing "d", unlike GitHub.
    case "synchronized":
      return "synchronize";
    case "closed":
      return "closed";
    case "edited": {
      // Gitea drafts are title prefixes; removing the prefix is how a PR becomes ready for review.
      const previous = hook.changes?.title?.from;
      if (previous === undefined) return null; // The description changed: nothing the triggers read.
      // Any other new title can let `triggers.title` in what it skipped.
      return WIP_PREFIX.test(previous) && !WIP_PREFIX.test(hook.pull_request.title)
        ? "ready_for_review"
        : "edited";
    }
    // A label added, taken off (`label_updated`) or every label cleared can change what `triggers.labels` lets in.
    case "label_updated":
    case "label_cleared":
      return "edited";
    default:
      return null;
  }
}

function parsePullRequest(deliveryId: string, body: unknown): PullRequestEvent | null {
  const hook = parseWebhookPayload("Gitea", PullRequestHook, body, "pull_request");
  const action = pullRequestAction(hook);
  if (action === null) return null;
  const pr = hook.pull_request;
  return {
    kind: "pull_request",
    action,
    deliveryId,
    pr: { platform: "gitea", repo: hook.repository.full_name, number: pr.number },
    repoId: hook.repository.id === undefined ? undefined : String(hook.repository.id),
    title: pr.title,
    // Gitea sends `null` for a pull request without labels.
    labels: (pr.labels ?? []).map((label) => label.name),
    author: pr.user.login,
    authorIsBot: isBotLogin(pr.user.login),
    draft: pr.draft ?? WIP_PREFIX.test(pr.title),
    headSha: pr.head.sha,
    headRef: pr.head.ref,
    // Diffs and review lines are relative to the merge base, not to the target branch tip.
    baseSha: pr.merge_base || pr.base.sha,
    baseRef: pr.base.ref,
    repoPublic: isPublic(hook.repository),
  };
}

function parseComment(deliveryId: string, body: unknown): CommentEvent | null {
  const hook = parseWebhookPayload("Gitea", IssueCommentHook, body, "issue_comment");
  const onPullRequest = hook.is_pull === true || (hook.issue.pull_request ?? null) !== null;
  // Edits and deletions are ignored so that Loom editing its own comments never triggers it again.
  if (!onPullRequest || hook.action !== "created") return null;
  return {
    kind: "comment",
    deliveryId,
    pr: { platform: "gitea", repo: hook.repository.full_name, number: hook.issue.number },
    repoId: hook.repository.id === undefined ? undefined : String(hook.repository.id),
    commentId: String(hook.comment.id),
    body: hook.comment.body,
    author: hook.comment.user.login,
    authorId: hook.comment.user.id === undefined ? undefined : String(hook.comment.user.id),
    authorIsBot: isBotLogin(hook.comment.user.login),
    repoPublic: isPublic(hook.repository),
  };
}

function deliveryIdOf(headers: Headers): string | null {
  return headers.get("x-forgejo-delivery") || headers.get("x-gitea-delivery") ||
    headers.get("x-gogs-delivery") ||
    null;
}

function eventName(headers: Headers, body: Record<string, unknown>): string | null {
  const header = headers.get("x-forgejo-event") || headers.get("x-gitea-event") ||
    headers.get("x-gogs-event");
  if (header) return header;
  // Without event headers (a relay that dropped them), the body's shape still tells the two events apart.
  if ("pull_request" in body && "number" in body) return "pull_request";
  if ("comment" in body && "issue" in body) return "issue_comment";
  return null;
}

/** Verifies and parses Gitea/Forgejo webhooks (pull request and PR comment events; everything else is ignored). */
export const giteaWebhook: WebhookParser = {
  platform: "gitea",

  async verify(headers, rawBody, secret) {
    if (!secret) return false;
    // With no secret configured Gitea still sends the headers, empty; that never verifies.
    const expected = hexToBytes(signatureHeader(headers));
    const payload = signedPayloadBytes(headers, rawBody);
    if (!expected || payload === null) return false;
    return equalBytes(await hmacSha256(secret, payload), expected);
  },

  deliveryId(headers) {
    return deliveryIdOf(headers);
  },

  repoName(_headers, body) {
    const repository = Repository.safeParse((body as { repository?: unknown } | null)?.repository);
    return repository.success ? repository.data.full_name : null;
  },

  parse(headers, body): WebhookEvent | null {
    const object = requireWebhookObject("Gitea", body);
    const deliveryId = deliveryIdOf(headers) ?? "";
    switch (eventName(headers, object)) {
      case "pull_request":
        return parsePullRequest(deliveryId, body);
      case "issue_comment":
        return parseComment(deliveryId, body);
      default:
        return null;
    }
  },
};
