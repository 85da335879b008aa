/**
 * What a webhook request says about itself before anything is verified, for the repository's delivery log only:
 * the event from the platform's header (or Azure DevOps' `eventType`), cut short, never acted on.
 */
import { getRepo } from "../db/repos.ts";
import { recordRefusal } from "../db/deliveries.ts";
import type { Db } from "../db/mod.ts";

export function claimedEvent(headers: Headers, body?: unknown): string {
  const header = headers.get("x-github-event") ?? headers.get("x-gitea-event") ??
    headers.get("x-forgejo-event") ?? headers.get("x-gitlab-event") ?? headers.get("x-event-key");
  const eventType = typeof body === "object" && body !== null
    ? (body as { eventType?: unknown }).eventType
    : undefined;
  const name = header ?? (typeof eventType === "string" ? eventType : "unknown");
  return name.slice(0, 80);
}

/**
 * Notes a webhook refused with 413 before it was read in the delivery log of the repository its URL names
 * (`?repo=<id>` of that platform), so the repository page shows why the platform's delivery failed. Nothing is
 * verified (the body was never read): like a bad signature it only adds a capped entry, and an id of no
 * repository writes nothing. The delivery id comes from the header of the platforms that send one there.
 */
export async function logOversizedWebhook(
  db: Db,
  input: { platform: string; repoId: string | undefined; headers: Headers; limitBytes: number },
  now?: () => number,
): Promise<void> {
  if (!input.repoId || !/^[1-9][0-9]{0,15}$/.test(input.repoId)) return;
  const repo = await getRepo(db, Number(input.repoId));
  if (!repo || repo.platform !== input.platform) return;
  const deliveryId = input.headers.get("x-github-delivery") ?? input.headers.get("x-gitea-delivery") ??
    input.headers.get("x-request-uuid");
  await recordRefusal(db, {
    repoId: repo.id,
    deliveryId,
    event: claimedEvent(input.headers),
    outcome: "too_large",
    reason: `Webhook body is larger than LOOM_MAX_WEBHOOK_BYTES (${input.limitBytes} bytes)`,
  }, now);
}
