/**
 * The worker loop. Invariant: once a job is claimed it is always completed, failed, released or (cancelled)
 * let go by this loop — a task that throws, hangs past its timeout, or loses its lease cannot leave it claimed
 * (and if this process dies, the lease runs out and another worker takes the job).
 *
 * 1. Claim a job; when there is none, wait for a wake-up (NOTIFY, in-process signal) or the poll interval.
 * 2. Run its task with an AbortSignal, heartbeating the lease meanwhile. The signal aborts when the job is
 *    cancelled (heard within a second through `createCancelWatch`), taken over, timed out or shut down; the
 *    heartbeat stops at that moment, and a task that ignores its signal is left behind after `abandonAfterMs`.
 * 3. Complete, fail with retry/backoff, or let a cancelled job's lease go. A result the database cannot take
 *    (an outage) is recorded again every `recordRetryMs` until it lands, so the job is retried as soon as the
 *    database is back instead of after its lease. On shutdown, stop claiming, let running jobs finish within the
 *    grace period, then abort and release them.
 */
import type { Db } from "../lib/db/mod.ts";
import type { Logger } from "../lib/log.ts";
import {
  cancelOwn,
  claim,
  complete,
  endCancelled,
  fail,
  heartbeat,
  isOwned,
  type Job,
  type JobType,
  reapExpired,
  release,
  type Wakeup,
} from "../lib/queue/mod.ts";
import { createCancelWatch } from "../lib/queue/mod.ts";
import type { LoomMetrics } from "../lib/metrics.ts";

export interface TaskContext {
  db: Db;
  log: Logger;
  /** Aborted when the job is cancelled, superseded, timed out or the worker shuts down for good. */
  signal: AbortSignal;
  /**
   * Re-reads the job right before something is posted: when it is no longer in progress under this worker
   * (cancelled, taken over) or `signal` aborted, aborts `signal` and throws its reason.
   */
  assertLive(): Promise<void>;
  /** Ends the job as cancelled because the task saw its pull request move on (closed, a newer head). Throws. */
  cancel(reason: string): never;
}

export type Task<T extends JobType = JobType> = (job: Job<T>, context: TaskContext) => Promise<void>;
export type TaskRegistry = { [T in JobType]: Task<T> };

export interface WorkerOptions {
  db: Db;
  log: Logger;
  tasks: TaskRegistry;
  workerId?: string;
  concurrency?: number;
  leaseMs?: number;
  jobTimeoutMs?: number;
  pollIntervalMs?: number;
  /** How long running jobs may take to finish after shutdown starts. */
  shutdownGraceMs?: number;
  wakeup?: Wakeup;
  /** Stops the worker (SIGTERM). */
  signal: AbortSignal;
  now?: () => number;
  /** Counts finished jobs and times reviews. */
  metrics?: LoomMetrics;
  /** How often running jobs' rows are re-read for cancellation when no notification came; default 1000. */
  cancelPollMs?: number;
  /** How long an aborted task may take to stop before the loop settles its job without it; default 5000. */
  abandonAfterMs?: number;
  /** Pause between attempts to record a job's result while the database does not answer; default 500. */
  recordRetryMs?: number;
}

/** Why a job's signal aborted; `own` marks a cancellation the task itself decided. */
export class JobAbort extends Error {
  constructor(
    message: string,
    readonly reason: "cancelled" | "timeout" | "shutdown",
    readonly own = false,
  ) {
    super(message);
    this.name = "JobAbort";
  }
}

export async function runWorker(options: WorkerOptions): Promise<void> {
  const workerId = options.workerId ?? `worker-${crypto.randomUUID().slice(0, 8)}`;
  const log = options.log.child({ workerId });
  const concurrency = options.concurrency ?? 1;
  const leaseMs = options.leaseMs ?? 60_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const now = options.now ?? Date.now;
  const abandonAfterMs = options.abandonAfterMs ?? 5000;
  const recordRetryMs = options.recordRetryMs ?? 500;
  const hardStop = new AbortController();
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  const onStop = () => {
    graceTimer = setTimeout(() => hardStop.abort(), options.shutdownGraceMs ?? 30_000);
  };
  if (options.signal.aborted) onStop();
  else options.signal.addEventListener("abort", onStop, { once: true });
  let lastReap = 0;

  const runSlot = async () => {
    while (!options.signal.aborted) {
      if (now() - lastReap > leaseMs) {
        lastReap = now();
        const reaped = await reapExpired(options.db, now).catch((error) => {
          log.warn("Cannot reap expired jobs", { error });
          return 0;
        });
        if (reaped > 0) log.warn("Failed jobs whose last attempt's worker vanished", { count: reaped });
      }
      let jobs: Job[];
      try {
        jobs = await claim(options.db, workerId, { leaseMs, limit: 1, now });
      } catch (error) {
        log.error("Cannot claim jobs; retrying after the poll interval", { error });
        jobs = [];
      }
      const job = jobs[0];
      if (!job) {
        await (options.wakeup?.wait(pollIntervalMs, options.signal) ??
          new Promise((resolve) => setTimeout(resolve, pollIntervalMs)));
        continue;
      }
      await runJob(job);
    }
  };

  const runJob = async (job: Job) => {
    const jobLog = log.child({ jobId: job.id, jobType: job.type, attempt: job.attempts });
    const controller = new AbortController();
    const abort = (reason: JobAbort) => !controller.signal.aborted && controller.abort(reason);
    const onHardStop = () => abort(new JobAbort("Worker shut down before the job finished", "shutdown"));
    hardStop.signal.addEventListener("abort", onHardStop, { once: true });
    const jobTimeoutMs = options.jobTimeoutMs ?? 300_000;
    const timeout = setTimeout(
      () => abort(new JobAbort(`Job timed out after ${jobTimeoutMs} ms`, "timeout")),
      jobTimeoutMs,
    );
    const beat = setInterval(async () => {
      const mine = await heartbeat(options.db, job, workerId, { leaseMs, now }).catch((error) => {
        jobLog.warn("Heartbeat failed", { error });
        return true;
      });
      if (!mine) abort(new JobAbort("Job was cancelled or taken over by another worker", "cancelled"));
    }, Math.max(50, Math.floor(leaseMs / 3)));
    // An aborted job no longer holds its lease: a hung request must not keep it from the next worker.
    controller.signal.addEventListener("abort", () => clearInterval(beat), { once: true });
    const unwatch = cancelWatch.watch(
      job,
      () => abort(new JobAbort("Job was cancelled or taken over by another worker", "cancelled")),
    );
    const context: TaskContext = {
      db: options.db,
      log: jobLog,
      signal: controller.signal,
      async assertLive() {
        if (!controller.signal.aborted && !(await isOwned(options.db, job, workerId))) {
          abort(new JobAbort("Job was cancelled or taken over by another worker", "cancelled"));
        }
        controller.signal.throwIfAborted();
      },
      cancel(reason) {
        abort(new JobAbort(reason, "cancelled", true));
        throw controller.signal.reason;
      },
    };
    const started = performance.now();
    const record = (outcome: string) => {
      options.metrics?.jobsProcessed.inc({ type: job.type, outcome });
      if (job.type === "review_pull_request") {
        options.metrics?.reviewDuration.observe({ outcome }, (performance.now() - started) / 1000);
      }
    };
    // A job cancelled after its task's last look keeps this worker's lease (`cancel` leaves it until the worker
    // stops), so a settle that finds the job no longer in progress lets that lease go too.
    const letGoIfCancelled = () =>
      recordUntilDone(jobLog, () => endCancelled(options.db, job, workerId, now)).catch(() => false);
    jobLog.info("Job started");
    try {
      const task = options.tasks[job.type] as Task;
      await settledOrAbandoned(task(job, context), controller.signal, abandonAfterMs);
      if (controller.signal.aborted) throw controller.signal.reason;
      clearInterval(beat);
      const completed = await recordUntilDone(jobLog, () => complete(options.db, job, workerId, { now }));
      if (!completed) await letGoIfCancelled();
      record(completed ? "completed" : "lost_lease");
      jobLog.info(completed ? "Job completed" : "Job finished after losing its lease", {
        durationMs: Math.round(performance.now() - started),
      });
    } catch (caught) {
      clearInterval(beat);
      const error = controller.signal.aborted ? controller.signal.reason : caught;
      if (error instanceof JobAbort && error.reason === "cancelled") {
        await recordUntilDone(jobLog, async () => {
          if (error.own) await cancelOwn(options.db, job, workerId, error.message, now);
          // The job kept its lease while it stopped, holding back its pull request's next job; let it go.
          await endCancelled(options.db, job, workerId, now);
        }).catch(() => {});
        jobLog.info("Job stopped: cancelled or taken over", { reason: error.message });
        record("cancelled");
      } else if (error instanceof JobAbort && error.reason === "shutdown") {
        await release(options.db, job, workerId, now).catch((releaseError) =>
          jobLog.error("Cannot release job; its lease will expire", { error: releaseError })
        );
        jobLog.warn("Job released for another worker at shutdown");
        record("released");
      } else {
        const outcome = await recordUntilDone(jobLog, () => fail(options.db, job, workerId, error, { now }))
          .catch(() => "lost" as const);
        if (outcome === "lost") await letGoIfCancelled();
        jobLog.warn(outcome === "retry" ? "Job failed; will retry" : "Job failed", { error, outcome });
        record(outcome);
      }
    } finally {
      clearTimeout(timeout);
      clearInterval(beat);
      unwatch();
      hardStop.signal.removeEventListener("abort", onHardStop);
    }
  };

  /**
   * Records a job's result, retrying every `recordRetryMs` while the database does not answer (its lease is still
   * this worker's, so nobody else would touch the job before the lease ran out). Gives up only at hard stop.
   */
  const recordUntilDone = async <T>(jobLog: Logger, write: () => Promise<T>): Promise<T> => {
    for (let attempt = 0;; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (hardStop.signal.aborted) {
          jobLog.error("Cannot record the job's result; its lease will expire", { error });
          throw error;
        }
        if (attempt === 0) jobLog.error("Cannot record the job's result; retrying until it lands", { error });
        await new Promise((resolve) => setTimeout(resolve, recordRetryMs));
      }
    }
  };

  const cancelWatch = await createCancelWatch(options.db, {
    workerId,
    log,
    pollMs: options.cancelPollMs ?? 1000,
  });
  log.info("Worker started", { concurrency, leaseMs });
  await Promise.all(Array.from({ length: concurrency }, runSlot));
  await cancelWatch.close();
  clearTimeout(graceTimer);
  log.info("Worker stopped");
}

/**
 * Waits for `task`; once `signal` aborts, waits at most `graceMs` more, then rejects with the signal's reason and
 * leaves the task behind (whatever it would still post is refused: its job is no longer its own).
 */
function settledOrAbandoned(task: Promise<void>, signal: AbortSignal, graceMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      timer = setTimeout(() => reject(signal.reason), graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    task.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    });
  });
}
