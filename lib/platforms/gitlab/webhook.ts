/**
 * GitLab webhooks: the plain `X-Gitlab-Token` shared secret, or the opt-in signing token (`whsec_…`, Standard
 * Webhooks `webhook-signature`), delivery ids, and the merge-request and note events Loom acts on.
 * Reference: platforms.md §3.1; GitLab `app/services/web_hook_service.rb`, `lib/gitlab/data_builder/note.rb`.
 */
import { timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { CommentEvent, PullRequestAction, PullRequestEvent, WebhookParser } from "../types.ts";
import { parseWebhookPayload, requireWebhookObject } from "../webhook_payload.ts";
import { equalBytes, hmacSha256 } from "../webhook_hmac.ts";

/** Prefix of a GitLab signing token; a secret in this form switches verification to signatures. */
export const SIGNING_TOKEN_PREFIX = "whsec_";

const Project = z.object({
  "id": z.number().optional(),
  "path_with_namespace": z.string(),
  /** 0 private, 10 internal (every signed-in user of the instance), 20 public. */
  "visibility_level": z.number().optional(),
});

/** GitLab's `visibility_level` of a public project. */
const GITLAB_PUBLIC = 20;

function isPublic(project: { visibility_level?: number }): boolean | undefined {
  return project.visibility_level === undefined ? undefined : project.visibility_level === GITLAB_PUBLIC;
}

const User = z.object({ "username": z.string(), "id": z.number().int().optional() });

const Label = z.object({ "title": z.string() });

const MergeRequestHook = z.object({
  "object_kind": z.literal("merge_request"),
  "user": User,
  "project": Project,
  /** The merge request's labels after the change (also in `object_attributes.labels`). */
  "labels": z.array(Label).nullish(),
  "object_attributes": z.object({
    "iid": z.number().int().positive(),
    "title": z.string(),
    "action": z.string().optional(),
    "source_branch": z.string(),
    "target_branch": z.string(),
    "target_project_id": z.number().optional(),
    "draft": z.boolean().optional(),
    "work_in_progress": z.boolean().optional(),
    "oldrev": z.string().nullish(),
    "last_commit": z.object({ "id": z.string() }),
    "labels": z.array(Label).nullish(),
  }),
  "changes": z.object({
    "draft": z.object({ "previous": z.boolean().nullish(), "current": z.boolean().nullish() }).optional(),
    "title": z.unknown().optional(),
    "labels": z.unknown().optional(),
  }).optional(),
});

const NoteHook = z.object({
  "object_kind": z.literal("note"),
  "user": User,
  "project_id": z.number().optional(),
  "project": Project,
  "object_attributes": z.object({
    "id": z.number(),
    "note": z.string(),
    "noteable_type": z.string(),
    // Payloads from GitLab before 16.x carry no `action`; those notes were always creations.
    "action": z.string().optional(),
    "system": z.boolean().nullish(),
    /** `DiffNote` for a note on a line of the diff, `DiscussionNote` in a thread, null for a plain note. */
    "type": z.string().nullish(),
    "discussion_id": z.string().nullish(),
  }),
  "merge_request": z.object({ "iid": z.number().int().positive() }).optional(),
});

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** Compares two secrets in constant time; hashing first makes the comparison independent of their lengths. */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(given), sha256(expected)]);
  return timingSafeEqual(a, b);
}

/** Signatures older or newer than this are refused, as Standard Webhooks specifies (a replay window). */
const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

/**
 * A Standard Webhooks signature (GitLab's signing tokens): HMAC-SHA256 under the base64 key after `whsec_`, over
 * `<webhook-id>.<webhook-timestamp>.` followed by the exact body bytes; `webhook-signature` lists `v1,<base64>`
 * entries, any of which may match. The `standardwebhooks` package verifies the body as a string, so it would
 * re-encode decoded text instead of the bytes GitLab signed; this checks the bytes.
 */
async function verifySignature(
  headers: Headers,
  rawBody: Uint8Array,
  secret: string,
  now: number,
): Promise<boolean> {
  const id = headers.get("webhook-id");
  const timestamp = headers.get("webhook-timestamp");
  const signatures = headers.get("webhook-signature");
  if (!id || !timestamp || !signatures || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(now / 1000 - Number(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS) return false;
  let key: Uint8Array;
  try {
    key = Uint8Array.from(atob(secret.slice(SIGNING_TOKEN_PREFIX.length)), (char) => char.charCodeAt(0));
  } catch {
    return false; // A signing token that is not base64 verifies nothing.
  }
  if (key.byteLength === 0) return false;
  const expected = await hmacSha256(key, new TextEncoder().encode(`${id}.${timestamp}.`), rawBody);
  return signatures.split(" ").some((entry) => {
    const [version, signature] = entry.split(",");
    if (version !== "v1" || !signature) return false;
    try {
      return equalBytes(Uint8Array.from(atob(signature), (char) => char.charCodeAt(0)), expected);
    } catch {
      return false;
    }
  });
}

/** GitLab project and group access tokens act through users named `project_<id>_bot_<hash>`/`group_<id>_bot_…`. */
export function isBotUsername(username: string): boolean {
  return /^(project|group)_\d+_bot(_|$)/.test(username) || /\[bot\]$|-bot$/.test(username);
}

function mergeRequestAction(hook: z.infer<typeof MergeRequestHook>): PullRequestAction | null {
  const attributes = hook.object_attributes;
  switch (attributes.action) {
    case "open":
      return "opened";
    case "reopen":
      return "reopened";
    case "close":
    case "merge":
      return "closed";
    case "update":
      // Only pushes set `oldrev`; title, label and draft edits arrive as `update` without it.
      if (attributes.oldrev) return "synchronize";
      if (hook.changes?.draft?.previous === true && hook.changes.draft.current === false) {
        return "ready_for_review";
      }
      // A new title or label set can let `triggers.title`/`triggers.labels` in what they skipped.
      if (hook.changes?.title !== undefined || hook.changes?.labels !== undefined) return "edited";
      return null;
    default:
      return null;
  }
}

function labelsOf(hook: z.infer<typeof MergeRequestHook>): string[] | undefined {
  const labels = hook.labels ?? hook.object_attributes.labels;
  return labels ? labels.map((label) => label.title) : undefined;
}

function parseMergeRequest(deliveryId: string, body: unknown): PullRequestEvent | null {
  const hook = parseWebhookPayload("GitLab", MergeRequestHook, body, "merge_request");
  const action = mergeRequestAction(hook);
  if (action === null) return null;
  const attributes = hook.object_attributes;
  const projectId = hook.project.id ?? attributes.target_project_id;
  return {
    kind: "pull_request",
    action,
    deliveryId,
    pr: { platform: "gitlab", repo: hook.project.path_with_namespace, number: attributes.iid },
    repoId: projectId === undefined ? undefined : String(projectId),
    title: attributes.title,
    labels: labelsOf(hook),
    // Merge request hooks carry only `author_id`; `user` is whoever triggered the hook (the author for `open`).
    author: hook.user.username,
    authorIsBot: isBotUsername(hook.user.username),
    draft: attributes.draft ?? attributes.work_in_progress ?? false,
    headSha: attributes.last_commit.id,
    headRef: attributes.source_branch,
    // The payload has no base SHA; consumers read `baseSha` from `getPullRequest` (`diff_refs.base_sha`).
    baseSha: "",
    baseRef: attributes.target_branch,
    beforeSha: attributes.oldrev ?? undefined,
    repoPublic: isPublic(hook.project),
  };
}

function parseNote(deliveryId: string, body: unknown): CommentEvent | null {
  const hook = parseWebhookPayload("GitLab", NoteHook, body, "note");
  const attributes = hook.object_attributes;
  if (attributes.noteable_type !== "MergeRequest") return null;
  // Edits are ignored so that Loom updating its own notes never triggers it again.
  if ((attributes.action ?? "create") !== "create" || attributes.system === true) return null;
  if (!hook.merge_request) {
    throw new TypeError(
      `Cannot parse GitLab "note" webhook: "merge_request" is missing on a merge request note`,
    );
  }
  const projectId = hook.project.id ?? hook.project_id;
  return {
    kind: "comment",
    deliveryId,
    pr: { platform: "gitlab", repo: hook.project.path_with_namespace, number: hook.merge_request.iid },
    repoId: projectId === undefined ? undefined : String(projectId),
    commentId: String(attributes.id),
    body: attributes.note,
    author: hook.user.username,
    authorId: hook.user.id === undefined ? undefined : String(hook.user.id),
    authorIsBot: isBotUsername(hook.user.username),
    repoPublic: isPublic(hook.project),
    // A plain note is a discussion of its own too (`individual_note`); only notes of a diff thread are in one.
    ...(attributes.type === "DiffNote" && attributes.discussion_id
      ? { thread: { id: attributes.discussion_id } }
      : {}),
  };
}

/**
 * `Idempotency-Key` (GitLab 17.4+), or the Standard Webhooks `webhook-id` a signing token adds (the same value):
 * both survive a resend. Nothing else is an id to dedupe on: `X-Gitlab-Webhook-UUID` (16.x) is new on every
 * request and `X-Gitlab-Event-UUID` (15.x) is shared by every hook one action fires. Without either, the
 * receiver deduplicates on the body (`lib/webhooks/body_delivery_id.ts`).
 */
function deliveryIdOf(headers: Headers): string | null {
  return headers.get("idempotency-key") || headers.get("webhook-id") || null;
}

/** Verifies and parses GitLab project webhooks (merge request and note events; everything else is ignored). */
export const gitlabWebhook: WebhookParser = {
  platform: "gitlab",

  async verify(headers, rawBody, secret) {
    if (!secret) return false;
    if (secret.startsWith(SIGNING_TOKEN_PREFIX)) {
      return await verifySignature(headers, rawBody, secret, Date.now());
    }
    const token = headers.get("x-gitlab-token");
    if (!token) return false;
    return await sameSecret(token, secret);
  },

  deliveryId(headers) {
    return deliveryIdOf(headers);
  },

  repoName(_headers, body) {
    const project = Project.safeParse((body as { project?: unknown } | null)?.project);
    return project.success ? project.data.path_with_namespace : null;
  },

  parse(headers, body) {
    const object = requireWebhookObject("GitLab", body);
    const deliveryId = deliveryIdOf(headers) ?? "";
    switch (object.object_kind) {
      case "merge_request":
        return parseMergeRequest(deliveryId, body);
      case "note":
        return parseNote(deliveryId, body);
      default:
        return null;
    }
  },
};
