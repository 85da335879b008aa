/**
 * Whether workers are taking jobs: due pending jobs, the oldest one's wait, and jobs in progress. A due job that
 * has waited minutes while nothing runs means no worker is polling this database.
 */
import { type Db, sql } from "../db/mod.ts";

export interface WorkerActivity {
  /** Pending jobs whose `run_at` has passed. */
  duePending: number;
  /** How long the oldest due job has waited past its `run_at`; 0 without one. */
  oldestDueWaitMs: number;
  inProgress: number;
}

export async function workerActivity(db: Db, now: () => number = Date.now): Promise<WorkerActivity> {
  const at = now();
  const [due] = await db.query<{ count: number; oldest: number | null }>(sql`
    select count(*) as count, min(run_at) as oldest from jobs where status = 'pending' and run_at <= ${at}`);
  const [running] = await db.query<{ count: number }>(
    sql`select count(*) as count from jobs where status = 'in_progress'`,
  );
  const oldest = due?.oldest === null || due?.oldest === undefined ? null : Number(due.oldest);
  return {
    duePending: Number(due?.count ?? 0),
    oldestDueWaitMs: oldest === null ? 0 : Math.max(0, at - oldest),
    inProgress: Number(running?.count ?? 0),
  };
}
