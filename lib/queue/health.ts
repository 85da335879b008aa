/**
 * How the queue is doing, read in SQL: whether workers are taking jobs (due pending jobs, the oldest one's wait,
 * jobs in progress: a due job that has waited minutes while nothing runs means no worker is polling this
 * database), and one organization's share of it for its dashboard (matched by `payload.repoId` in SQL).
 */
import { type Db, sql } from "../db/mod.ts";
import { jobOfOrganization, payloadField } from "./payload_sql.ts";

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

/** Pending review jobs of the organization's repositories, the ones due first, at most `limit`. */
export async function listWaitingReviews(
  db: Db,
  organizationId: number,
  limit = 20,
): Promise<WaitingReview[]> {
  const field = (name: string) => payloadField(db.dialect, name);
  const rows = await db.query(sql`
    select j.id, j.run_at, j.attempts, ${field("repoId")} as repo_id, ${field("repo")} as repo,
      ${field("number")} as pr_number, ${field("title")} as title
    from jobs j
    where j.status = 'pending' and j.type = 'review_pull_request' and ${
    jobOfOrganization(db.dialect, organizationId)
  }
    order by j.run_at, j.id limit ${limit}`);
  return rows.map((row) => ({
    jobId: Number(row.id),
    repoId: Number(row.repoId),
    repo: String(row.repo ?? ""),
    prNumber: Number(row.prNumber),
    title: String(row.title ?? ""),
    runAt: Number(row.runAt),
    attempts: Number(row.attempts),
  }));
}

/** The live jobs and the last day's failures of one organization's repositories, as its dashboard shows them. */
export interface QueueHealth {
  pending: number;
  inProgress: number;
  /** Jobs that failed in the last 24 hours. */
  failed: number;
  /** How long the oldest pending job has waited since its `run_at`; 0 without one (or when none is due yet). */
  oldestPendingAgeMs: number;
}

const DAY_MS = 86_400_000;

/** Counts the organization's live jobs and the last day's failures in one query, matched by `payload.repoId`. */
export async function orgQueueHealth(
  db: Db,
  organizationId: number,
  now: () => number = Date.now,
): Promise<QueueHealth> {
  const at = now();
  const [row] = await db.query(sql`
    select
      coalesce(sum(case when j.status = 'pending' then 1 else 0 end), 0) as pending,
      coalesce(sum(case when j.status = 'in_progress' then 1 else 0 end), 0) as in_progress,
      coalesce(sum(case when j.status = 'failed' then 1 else 0 end), 0) as failed,
      min(case when j.status = 'pending' then j.run_at end) as oldest_run_at
    from jobs j
    where (j.status in ('pending', 'in_progress') or (j.status = 'failed' and j.finished_at >= ${
    at - DAY_MS
  }))
      and ${jobOfOrganization(db.dialect, organizationId)}`);
  const oldest = row?.oldestRunAt === null || row?.oldestRunAt === undefined ? null : Number(row.oldestRunAt);
  return {
    pending: Number(row?.pending ?? 0),
    inProgress: Number(row?.inProgress ?? 0),
    failed: Number(row?.failed ?? 0),
    oldestPendingAgeMs: oldest === null ? 0 : Math.max(0, at - oldest),
  };
}
