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

/** A review job waiting for a worker, as the dashboard lists it. */
export interface WaitingReview {
  jobId: number;
  repoId: number;
  repo: string;
  prNumber: number;
  title: string;
  /** When it may start (a retry waits for its backoff). */
  runAt: number;
  /** Attempts made so far; above 0 means it waits for a retry. */
  attempts: number;
}

/** Pending review jobs of the given repositories, the ones due first, at most `limit`. */
export async function listWaitingReviews(
  db: Db,
  repoIds: Set<number>,
  limit = 20,
): Promise<WaitingReview[]> {
  if (repoIds.size === 0) return [];
  const rows = await db.query<{ id: number; payload: string; runAt: number; attempts: number }>(sql`
    select id, payload, run_at, attempts from jobs
    where status = 'pending' and type = 'review_pull_request' order by run_at, id limit 500`);
  const waiting: WaitingReview[] = [];
  for (const row of rows) {
    let payload: { repoId?: unknown; repo?: unknown; number?: unknown; title?: unknown };
    try {
      payload = JSON.parse(String(row.payload));
    } catch {
      continue;
    }
    if (!repoIds.has(Number(payload.repoId))) continue;
    waiting.push({
      jobId: Number(row.id),
      repoId: Number(payload.repoId),
      repo: String(payload.repo ?? ""),
      prNumber: Number(payload.number),
      title: String(payload.title ?? ""),
      runAt: Number(row.runAt),
      attempts: Number(row.attempts),
    });
    if (waiting.length >= limit) break;
  }
  return waiting;
}
