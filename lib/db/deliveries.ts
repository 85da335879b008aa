import type { PlatformId } from "../platform_id.ts";
import { type Db, sql } from "./mod.ts";

/**
 * `stale`: the platform said the pull request had moved on (an old or replayed event), nothing changed.
 * `unverified`: a close the platform could not confirm, so nothing was cancelled.
 * `installation`: a GitHub App installation event, applied to its installation (`lib/webhooks/github_app.ts`).
 */
export type DeliveryOutcome =
  | "enqueued"
  | "duplicate_job"
  | "ignored"
  | "paused"
  | "cancelled"
  | "stale"
  | "unverified"
  | "installation";

/**
 * Records a webhook delivery id. Returns false when the id was seen before: a replayed or redelivered request,
 * which must change nothing.
 */
export async function recordDelivery(
  db: Db,
  input: {
    platform: PlatformId;
    deliveryId: string;
    /** `null` for a delivery that reached no repository (an App delivery no organization's repository matched). */
    repoId: number | null;
    event: string;
    outcome: DeliveryOutcome;
  },
  now: () => number = Date.now,
): Promise<boolean> {
  const rows = await db.query(sql`
    insert into webhook_deliveries (platform, delivery_id, repo_id, event, outcome, received_at)
    values (${input.platform}, ${input.deliveryId}, ${input.repoId}, ${input.event}, ${input.outcome}, ${now()})
    on conflict (platform, delivery_id) do nothing
    returning delivery_id`);
  return rows.length === 1;
}

export async function setDeliveryOutcome(
  db: Db,
  input: { platform: PlatformId; deliveryId: string; outcome: DeliveryOutcome; jobId?: number },
): Promise<void> {
  await db.exec(sql`
    update webhook_deliveries set outcome = ${input.outcome}, job_id = ${input.jobId ?? null}
    where platform = ${input.platform} and delivery_id = ${input.deliveryId}`);
}

export async function countDeliveries(db: Db): Promise<Record<string, number>> {
  const rows = await db.query<{ outcome: string; count: number }>(
    sql`select outcome, count(*) as count from webhook_deliveries group by outcome`,
  );
  return Object.fromEntries(rows.map((row) => [row.outcome, Number(row.count)]));
}
