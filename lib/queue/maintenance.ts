import { type Db, sql } from "../db/mod.ts";
import { type Job, toJob } from "./job.ts";

/**
 * Fails in-progress jobs whose lease ran out after their last allowed attempt (a job that keeps killing its
 * worker must not stay in progress forever). Jobs with attempts left are simply claimed again by `claim`.
 */
export async function reapExpired(db: Db, now: () => number = Date.now): Promise<number> {
  const at = now();
  // A cancelled job whose worker vanished before stopping it keeps a dead lease; nothing waits on it any more.
  await db.exec(sql`
    update jobs set locked_by = null, locked_until = null
    where status = 'cancelled' and locked_until is not null and locked_until < ${at}`);
  return await db.exec(sql`
    update jobs set status = 'failed', error = ${"Lease expired on the last attempt: the worker stopped responding"},
      locked_by = null, locked_until = null, updated_at = ${at}, finished_at = ${at}
    where status = 'in_progress' and locked_until < ${at} and attempts >= max_attempts`);
}

/** Deletes finished jobs and webhook deliveries (accepted, and the delivery log's refusals) older than `olderThanMs`. */
export async function prune(
  db: Db,
  options: { olderThanMs: number; now?: () => number },
): Promise<{ jobs: number; deliveries: number }> {
  const cutoff = (options.now ?? Date.now)() - options.olderThanMs;
  const jobs = await db.exec(
    sql`delete from jobs where status in ('completed', 'failed', 'cancelled') and finished_at < ${cutoff}`,
  );
  const deliveries = await db.exec(sql`delete from webhook_deliveries where received_at < ${cutoff}`) +
    await db.exec(sql`delete from delivery_log where received_at < ${cutoff}`);
  return { jobs, deliveries };
}

export interface QueueStats {
  byStatus: Record<string, number>;
  /** Pending jobs whose `run_at` has passed. */
  duePending: number;
  /** Age in ms of the oldest due pending job, 0 when none. */
  oldestPendingAgeMs: number;
}

export async function queueStats(db: Db, now: () => number = Date.now): Promise<QueueStats> {
  const at = now();
  const rows = await db.query<{ status: string; count: number }>(
    sql`select status, count(*) as count from jobs group by status`,
  );
  const due = await db.query<{ count: number; runAt: number | null }>(
    sql`select count(*) as count, min(run_at) as run_at from jobs where status = 'pending' and run_at <= ${at}`,
  );
  const oldestRunAt = due[0]?.runAt;
  return {
    byStatus: Object.fromEntries(rows.map((row) => [row.status, Number(row.count)])),
    duePending: Number(due[0]?.count ?? 0),
    oldestPendingAgeMs: oldestRunAt === null || oldestRunAt === undefined ? 0 : at - Number(oldestRunAt),
  };
}

export async function getJob(db: Db, id: number): Promise<Job | null> {
  const rows = await db.query(sql`select * from jobs where id = ${id}`);
  return rows[0] ? toJob(rows[0]) : null;
}
