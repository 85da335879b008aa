/**
 * The delivery id of a webhook whose platform version sends none Loom can dedupe on: a hash of the raw body.
 * GitLab before 17.4 sends no `Idempotency-Key` (its `X-Gitlab-Webhook-UUID` is new on every resend and its
 * `X-Gitlab-Event-UUID` is shared along a chain of hooks), and a platform's retry resends the same bytes; so a
 * resent delivery hashes to the same id and is recorded once, while two different events differ in their bodies
 * (ids, timestamps, head commits) and never share one. The `body:` prefix keeps these apart from real ids.
 */
import { createHash } from "node:crypto";

/** `body:` and the SHA-256 of the raw bytes in hex (64 characters; the delivery id column is text). */
export function bodyDeliveryId(rawBody: Uint8Array): string {
  return `body:${createHash("sha256").update(rawBody).digest("hex")}`;
}
