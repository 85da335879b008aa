/**
 * The worker loop. Invariant: once a job is claimed it is always completed, failed or released by this loop —
 * a task that throws, hangs past its timeout, or loses its lease cannot leave it claimed (and if this process
 * dies, the lease runs out and another worker takes the job).
 *
 * 1. Claim a job; when there is none, wait for a wake-up (NOTIFY, in-process signal) or the poll interval.
 * 2. Run its task with an AbortSignal, heartbeating the lease meanwhile. A failed heartbeat (the job was
 *    cancelled or taken over) aborts the task.
 * 3. Complete, or fail with retry/backoff. On shutdown, stop claiming, let running jobs finish within the grace
 *    period, then abort and release them.
 */
import type { Db } from "../lib/db/mod.ts";
import type { Logger } from "../lib/log.ts";
import {
  claim,
  complete,
  fail,
  heartbeat,
  type Job,
  type JobType,
  reapExpired,
  release,
  type Wakeup,
} from "../lib/queue/mod.ts";
import type { LoomMetrics } from "../lib/metrics.ts";

export interface TaskContext {
  db: Db;
  log: Logger;
  /** Aborted when the job is cancelled, superseded, timed out or the worker shuts down for good. */
  signal: AbortSignal;
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
}

class JobAbort extends Error {
  constructor(message: string, readonly reason: "cancelled" | "timeout" | "shutdown") {
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
    const timeout = setTimeout(
      () => abort(new JobAbort(`Job timed out after ${options.jobTimeoutMs ?? 300_000} ms`, "timeout")),
      options.jobTimeoutMs ?? 300_000,
    );
    const beat = setInterval(async () => {
      const mine = await heartbeat(options.db, job, workerId, { leaseMs, now }).catch((error) => {
        jobLog.warn("Heartbeat failed", { error });
        return true;
      });
      if (!mine) abort(new JobAbort("Job was cancelled or taken over by another worker", "cancelled"));
    }, Math.max(50, Math.floor(leaseMs / 3)));
    const started = performance.now();
    const record = (outcome: string) => {
      options.metrics?.jobsProcessed.inc({ type: job.type, outcome });
      if (job.type === "review_pull_request") {
        options.metrics?.reviewDuration.observe({ outcome }, (performance.now() - started) / 1000);
      }
    };
    jobLog.info("Job started");
    try {
      const task = options.tasks[job.type] as Task;
      await task(job, { db: options.db, log: jobLog, signal: controller.signal });
      if (controller.signal.aborted) throw controller.signal.reason;
      const completed = await complete(options.db, job, workerId, { now });
      record(completed ? "completed" : "lost_lease");
      jobLog.info(completed ? "Job completed" : "Job finished after losing its lease", {
        durationMs: Math.round(performance.now() - started),
      });
    } catch (caught) {
      const error = controller.signal.aborted ? controller.signal.reason : caught;
      if (error instanceof JobAbort && error.reason === "cancelled") {
        jobLog.info("Job stopped: cancelled or taken over");
        record("cancelled");
      } else if (error instanceof JobAbort && error.reason === "shutdown") {
        await release(options.db, job, workerId, now).catch((releaseError) =>
          jobLog.error("Cannot release job; its lease will expire", { error: releaseError })
        );
        jobLog.warn("Job released for another worker at shutdown");
        record("released");
      } else {
        const outcome = await fail(options.db, job, workerId, error, { now }).catch((failError) => {
          jobLog.error("Cannot record job failure; its lease will expire", { error: failError });
          return "lost" as const;
        });
        jobLog.warn(outcome === "retry" ? "Job failed; will retry" : "Job failed", { error, outcome });
        record(outcome);
      }
    } finally {
      clearTimeout(timeout);
      clearInterval(beat);
      hardStop.signal.removeEventListener("abort", onHardStop);
    }
  };

  log.info("Worker started", { concurrency, leaseMs });
  await Promise.all(Array.from({ length: concurrency }, runSlot));
  clearTimeout(graceTimer);
  log.info("Worker stopped");
}
