import { type Db, sql } from "../db/mod.ts";
import type { JobType, TaskPayloads } from "./job.ts";
import { JOBS_CHANNEL } from "./wakeup.ts";

/** Attempts a job gets unless its enqueuer says otherwise. */
export const DEFAULT_MAX_ATTEMPTS = 5;

export interface EnqueueOptions {
  /** While a pending or in-progress job has this key, no second job is created. */
  dedupeKey?: string;
  /** Jobs sharing a group (one pull request) can be superseded together by `cancelGroup`. */
  groupKey?: string;
  priority?: number;
  runAt?: number;
  maxAttempts?: number;
  now?: () => number;
}

export interface EnqueueResult {
  id: number;
  /** False when a live job with the same dedupe key already existed; `id` is that job's. */
  created: boolean;
}

/**
 * Adds a job. The dedupe check is the partial unique index on live jobs' `dedupe_key`, so two concurrent
 * deliveries of the same webhook cannot both insert.
 * @example
 * ```ts
 * await enqueue(db, "review_pull_request", payload, { dedupeKey: "github:octo/app#1@abc123" });
 * ```
 */
export async function enqueue<T extends JobType>(
  db: Db,
  type: T,
  payload: TaskPayloads[T],
  options: EnqueueOptions = {},
): Promise<EnqueueResult> {
  const now = (options.now ?? Date.now)();
  const inserted = await db.query<{ id: number }>(sql`
    insert into jobs (type, payload, priority, run_at, max_attempts, dedupe_key, group_key, created_at, updated_at)
    values (${type}, ${JSON.stringify(payload)}, ${options.priority ?? 0}, ${options.runAt ?? now},
            ${options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS}, ${options.dedupeKey ?? null}, ${
    options.groupKey ?? null
  }, ${now}, ${now})
    on conflict (dedupe_key) where status in ('pending', 'in_progress') do nothing
    returning id`);
  if (inserted[0]) {
    await db.notify(JOBS_CHANNEL, type);
    return { id: Number(inserted[0].id), created: true };
  }
  const existing = await db.query<{ id: number }>(
    sql`select id from jobs where dedupe_key = ${
      options.dedupeKey ?? null
    } and status in ('pending', 'in_progress')`,
  );
  if (!existing[0]) {
    // The live duplicate finished between the insert and this read; the delivery is still a duplicate of it.
    const latest = await db.query<{ id: number }>(
      sql`select id from jobs where dedupe_key = ${options.dedupeKey ?? null} order by id desc limit 1`,
    );
    return { id: Number(latest[0]?.id ?? 0), created: false };
  }
  return { id: Number(existing[0].id), created: false };
}
