/**
 * Ending a claimed job. Every update is guarded by `locked_by`, so a worker whose lease expired (and whose job
 * another worker took over) cannot overwrite the new owner's result.
 */
import { type Db, sql } from "../db/mod.ts";
import { jobOfRepo } from "./payload_sql.ts";
import { retryDelayMs } from "./backoff.ts";
import { type Job, PermanentJobError } from "./job.ts";
import { CANCEL_CHANNEL } from "./wakeup.ts";

export interface SettleOptions {
  now?: () => number;
  random?: () => number;
  /** Base of the exponential retry delay. */
  retryBaseMs?: number;
}

/** Extends the lease; false when the job is no longer this worker's (lease lost or job cancelled). */
export async function heartbeat(
  db: Db,
  job: Pick<Job, "id">,
  workerId: string,
  options: { leaseMs: number; now?: () => number },
): Promise<boolean> {
  const now = (options.now ?? Date.now)();
  const changed = await db.exec(sql`
    update jobs set locked_until = ${now + options.leaseMs}, updated_at = ${now}
    where id = ${job.id} and locked_by = ${workerId} and status = 'in_progress'`);
  return changed === 1;
}

/** Marks the job completed; false when this worker no longer owns it. */
export async function complete(
  db: Db,
  job: Pick<Job, "id">,
  workerId: string,
  options: SettleOptions = {},
): Promise<boolean> {
  const now = (options.now ?? Date.now)();
  const changed = await db.exec(sql`
    update jobs set status = 'completed', locked_by = null, locked_until = null, error = null,
      updated_at = ${now}, finished_at = ${now}
    where id = ${job.id} and locked_by = ${workerId} and status = 'in_progress'`);
  return changed === 1;
}

export type FailOutcome = "retry" | "failed" | "lost";

/**
 * Records a failure. Retryable errors go back to `pending` with exponential backoff and jitter until
 * `max_attempts`, and never before the `retryAfterMs` the error carries (a provider's `Retry-After`);
 * `PermanentJobError` and errors with `retryable: false` fail at once.
 */
export async function fail(
  db: Db,
  job: Pick<Job, "id" | "attempts" | "maxAttempts">,
  workerId: string,
  error: unknown,
  options: SettleOptions = {},
): Promise<FailOutcome> {
  const now = (options.now ?? Date.now)();
  const message = describeError(error);
  const permanent = error instanceof PermanentJobError ||
    (typeof error === "object" && error !== null && (error as { retryable?: unknown }).retryable === false);
  if (!permanent && job.attempts < job.maxAttempts) {
    // A provider that said when to come back (`Retry-After`) is not called again before then.
    const runAt = Math.max(
      now + retryDelayMs(job.attempts, { baseMs: options.retryBaseMs, random: options.random }),
      now + (retryAfterMs(error) ?? 0),
    );
    const changed = await db.exec(sql`
      update jobs set status = 'pending', run_at = ${runAt}, locked_by = null, locked_until = null,
        error = ${message}, updated_at = ${now}
      where id = ${job.id} and locked_by = ${workerId} and status = 'in_progress'`);
    return changed === 1 ? "retry" : "lost";
  }
  const changed = await db.exec(sql`
    update jobs set status = 'failed', locked_by = null, locked_until = null, error = ${message},
      updated_at = ${now}, finished_at = ${now}
    where id = ${job.id} and locked_by = ${workerId} and status = 'in_progress'`);
  return changed === 1 ? "failed" : "lost";
}

/**
 * Cancels a pending or in-progress job. A running job keeps its lease until its worker has stopped it
 * (`endCancelled`), so no other job of its pull request is claimed meanwhile; its worker hears of it at once on
 * `CANCEL_CHANNEL` (NOTIFY at commit on PostgreSQL, in-process on SQLite) and, failing that, at its next check.
 */
export async function cancel(
  db: Db,
  jobId: number,
  reason: string,
  now: () => number = Date.now,
): Promise<boolean> {
  const at = now();
  const changed = await db.exec(sql`
    update jobs set status = 'cancelled', error = ${reason}, updated_at = ${at}, finished_at = ${at}
    where id = ${jobId} and status in ('pending', 'in_progress')`);
  if (changed === 1) await db.notify(CANCEL_CHANNEL, String(jobId));
  return changed === 1;
}

/**
 * Cancels every live job of `groupKey` except `keepJobId`: a new push to a pull request supersedes the review of
 * its older head. Returns the ids cancelled; running ones keep their lease as in `cancel`.
 */
export async function cancelGroup(
  db: Db,
  groupKey: string,
  options: { keepJobId?: number; reason: string; now?: () => number },
): Promise<number[]> {
  const at = (options.now ?? Date.now)();
  const rows = await db.query<{ id: number }>(sql`
    update jobs set status = 'cancelled', error = ${options.reason}, updated_at = ${at}, finished_at = ${at}
    where group_key = ${groupKey} and status in ('pending', 'in_progress') and id <> ${
    options.keepJobId ?? -1
  }
    returning id`);
  const ids = rows.map((row) => Number(row.id));
  if (ids.length > 0) await db.notify(CANCEL_CHANNEL, ids.join(","));
  return ids;
}

/**
 * Cancels the live reviews of one repository (paused in the dashboard): pending ones never start, running ones
 * stop within a second and post nothing. The repository is matched by `payload.repoId` in SQL. Returns the ids
 * cancelled.
 */
export function cancelRepoReviews(
  db: Db,
  repoId: number,
  reason: string,
  now: () => number = Date.now,
): Promise<number[]> {
  return cancelLiveJobsOfRepo(db, repoId, { reason, now, reviewsOnly: true });
}

/**
 * Cancels every live job of one repository, reviews and commands alike (disconnected in the dashboard): pending
 * ones never start, running ones stop within a second and post nothing (the posting guard re-reads the job).
 * Matched by `payload.repoId` in SQL as in `cancelRepoReviews`. Returns the ids cancelled.
 */
export function cancelRepoJobs(
  db: Db,
  repoId: number,
  reason: string,
  now: () => number = Date.now,
): Promise<number[]> {
  return cancelLiveJobsOfRepo(db, repoId, { reason, now, reviewsOnly: false });
}

async function cancelLiveJobsOfRepo(
  db: Db,
  repoId: number,
  options: { reason: string; now: () => number; reviewsOnly: boolean },
): Promise<number[]> {
  const live = await db.query<{ id: number }>(sql`
    select j.id from jobs j
    where j.status in ('pending', 'in_progress') and ${jobOfRepo(db.dialect, repoId)}
      and (${!options.reviewsOnly} or j.type = 'review_pull_request')`);
  const cancelled: number[] = [];
  for (const id of live.map((row) => Number(row.id))) {
    if (await cancel(db, id, options.reason, options.now)) cancelled.push(id);
  }
  return cancelled;
}

/**
 * Ends this worker's own run as cancelled: the task found, at the moment of posting, that its pull request moved
 * on (a newer head, closed) before any webhook said so. False when the job is no longer this worker's.
 */
export async function cancelOwn(
  db: Db,
  job: Pick<Job, "id">,
  workerId: string,
  reason: string,
  now: () => number = Date.now,
): Promise<boolean> {
  const at = now();
  const changed = await db.exec(sql`
    update jobs set status = 'cancelled', error = ${reason}, locked_by = null, locked_until = null,
      updated_at = ${at}, finished_at = ${at}
    where id = ${job.id} and locked_by = ${workerId} and status = 'in_progress'`);
  return changed === 1;
}

/**
 * Gives up the lease a cancelled job kept while its worker stopped it: the pull request's next job may run now.
 */
export async function endCancelled(
  db: Db,
  job: Pick<Job, "id">,
  workerId: string,
  now: () => number = Date.now,
): Promise<boolean> {
  const changed = await db.exec(sql`
    update jobs set locked_by = null, locked_until = null, updated_at = ${now()}
    where id = ${job.id} and locked_by = ${workerId} and status = 'cancelled'`);
  return changed === 1;
}

/** Whether the job is still running under this worker: in progress and leased to it. */
export async function isOwned(db: Db, job: Pick<Job, "id">, workerId: string): Promise<boolean> {
  const rows = await db.query<{ id: number }>(
    sql`select id from jobs where id = ${job.id} and locked_by = ${workerId} and status = 'in_progress'`,
  );
  return rows.length === 1;
}

/** The wait an error, or one of its causes, carries from its provider (`LlmError.retryAfterMs`). */
export function retryAfterMs(error: unknown): number | undefined {
  let current: unknown = error;
  for (let depth = 0; typeof current === "object" && current !== null && depth < 5; depth++) {
    const wait = (current as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof wait === "number" && Number.isFinite(wait) && wait > 0) return wait;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Turns an error into the text kept in `jobs.error`: the message chain, never a stack. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(": caused by: ").slice(0, 4000);
}

/**
 * Gives a claimed job back without counting the attempt: a worker shutting down hands its unfinished job to
 * the next worker straight away instead of waiting for the lease to run out.
 */
export async function release(
  db: Db,
  job: Pick<Job, "id">,
  workerId: string,
  now: () => number = Date.now,
): Promise<boolean> {
  const at = now();
  const changed = await db.exec(sql`
    update jobs set status = 'pending', locked_by = null, locked_until = null, run_at = ${at},
      attempts = case when attempts > 0 then attempts - 1 else 0 end, updated_at = ${at}
    where id = ${job.id} and locked_by = ${workerId} and status = 'in_progress'`);
  return changed === 1;
}
