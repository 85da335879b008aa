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

/** What became of a delivery that left no `webhook_deliveries` row. */
export type RefusedOutcome =
  | "bad_signature"
  | "disconnected"
  | "malformed"
  | "wrong_repository"
  | "too_large"
  | "duplicate";

/**
 * Refusals and repeats kept per repository. A bad signature needs no secret, so anyone who knows a repository's
 * id can add rows: the cap bounds them (older ones go first), at a cost of one insert and one indexed delete each.
 */
export const DELIVERY_LOG_CAP = 200;

/** Longest delivery id or event name kept: they come from request headers nobody has verified yet. */
const MAX_LABEL = 120;

/**
 * Records a delivery of a known repository that was refused (or repeated) in the repository's delivery log, and
 * drops that repository's entries beyond the newest `DELIVERY_LOG_CAP`.
 */
export async function recordRefusal(
  db: Db,
  input: {
    repoId: number;
    deliveryId: string | null;
    event: string;
    outcome: RefusedOutcome;
    reason: string;
  },
  now: () => number = Date.now,
): Promise<void> {
  await db.exec(sql`
    insert into delivery_log (repo_id, delivery_id, event, outcome, reason, received_at)
    values (${input.repoId}, ${input.deliveryId?.slice(0, MAX_LABEL) ?? null}, ${
    input.event.slice(0, MAX_LABEL)
  },
      ${input.outcome}, ${input.reason.slice(0, 500)}, ${now()})`);
  await db.exec(sql`
    delete from delivery_log where repo_id = ${input.repoId} and id <= (
      select id from delivery_log where repo_id = ${input.repoId} order by id desc limit 1 offset ${DELIVERY_LOG_CAP}
    )`);
}

export interface DeliveryLogEntry {
  receivedAt: number;
  deliveryId: string | null;
  event: string;
  outcome: DeliveryOutcome | RefusedOutcome;
  /** Stored for refusals; for accepted deliveries the outcome and event say why (`deliveryReason`). */
  reason: string | null;
  jobId: number | null;
}

/** A repository's newest deliveries, accepted and refused, newest first. */
export async function listDeliveryLog(db: Db, repoId: number, limit = 50): Promise<DeliveryLogEntry[]> {
  const rows = await db.query(sql`
    select * from (
      select * from (
        select received_at, delivery_id, event, outcome, cast(null as text) as reason, job_id
        from webhook_deliveries where repo_id = ${repoId} order by received_at desc limit ${limit}
      ) accepted
      union all
      select * from (
        select received_at, delivery_id, event, outcome, reason, cast(null as bigint) as job_id
        from delivery_log where repo_id = ${repoId} order by id desc limit ${limit}
      ) refused
    ) entries
    order by received_at desc
    limit ${limit}`);
  return rows.map((row) => ({
    receivedAt: Number(row.receivedAt),
    deliveryId: (row.deliveryId as string | null) ?? null,
    event: String(row.event),
    outcome: row.outcome as DeliveryLogEntry["outcome"],
    reason: (row.reason as string | null) ?? null,
    jobId: row.jobId === null || row.jobId === undefined ? null : Number(row.jobId),
  }));
}
