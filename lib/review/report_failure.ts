/**
 * How a review run that threw is recorded: cancelled, an attempt the queue retries (a transient error, a
 * timeout), a job handed to another worker at shutdown, or a failure for good that leaves a `failed` review
 * record with the reason and next step (`failure.ts`) and tells the pull request.
 * Reporting never throws: the job's own error is what the queue must record.
 */
import { ConfigError } from "../config/errors.ts";
import type { Db } from "../db/mod.ts";
import type { Repo } from "../db/repos.ts";
import { finishReview, noteReviewError, recordFailedReview } from "../db/reviews.ts";
import type { Logger } from "../log.ts";
import type { PlatformClient, PullRequestRef } from "../platforms/types.ts";
import type { TaskPayloads } from "../queue/mod.ts";
import { explainFailure } from "./failure.ts";
import { createReviewProgress, type ReviewProgress, reviewUrl } from "./progress.ts";

/** What a run has reached, for reporting its failure. */
export interface RunState {
  repo?: Repo;
  client?: PlatformClient;
  ref?: PullRequestRef;
  headSha?: string;
  reviewId?: number;
  progress?: ReviewProgress;
}

/** What reporting needs of the review's dependencies. */
export interface FailureDeps {
  db: Db;
  log: Logger;
  server: { publicUrl: string };
  now?: () => number;
}

/** The job as reporting needs it; without `attempts` and `maxAttempts` every attempt counts as the last. */
export interface FailedJob {
  id: number;
  payload: TaskPayloads["review_pull_request"];
  attempts?: number;
  maxAttempts?: number;
}

/**
 * Records how the run ended when it threw. A cancelled run is `cancelled`. An attempt the queue will retry only
 * notes its error on the review record: the pull request keeps its pending status and progress comment, which
 * the next attempt re-uses. The last attempt records a `failed` review (added when none had started) with the
 * reason and next step, and tells the pull request.
 */
export async function reportFailure(
  deps: FailureDeps,
  job: FailedJob,
  signal: AbortSignal,
  run: RunState,
  error: unknown,
): Promise<void> {
  const now = deps.now ?? Date.now;
  const failure = signal.aborted ? signal.reason ?? error : error;
  const message = failure instanceof Error ? failure.message : String(failure);
  try {
    // The worker says why it aborted the job (`JobAbort.reason`): a timeout is a failed attempt the queue
    // retries, a shutdown hands the job to another worker, anything else cancelled it.
    const abortKind = signal.aborted
      ? (signal.reason as { reason?: unknown } | undefined)?.reason
      : undefined;
    if (abortKind === "shutdown") return;
    // The posting guard ends a superseded or closed run with an `AbortError` even without a worker's signal.
    const cancelled = signal.aborted || (error instanceof Error && error.name === "AbortError");
    if (cancelled && abortKind !== "timeout") {
      if (run.reviewId !== undefined) {
        await finishReview(deps.db, run.reviewId, { status: "cancelled", error: message }, now);
      }
      await run.progress?.abandon({ reason: "Review cancelled or superseded", cancelled: true });
      return;
    }
    const attempts = job.attempts ?? 1;
    // The queue's rule: `retryable: false` fails at once, anything else is retried until `maxAttempts`.
    const willRetry = (failure as { retryable?: unknown }).retryable !== false &&
      attempts < (job.maxAttempts ?? attempts);
    if (willRetry) {
      deps.log.info("Review attempt failed; the queue retries it", {
        jobId: job.id,
        attempts,
        error: message,
      });
      if (run.reviewId !== undefined) {
        await noteReviewError(deps.db, run.reviewId, `Attempt ${attempts} failed and is retried: ${message}`);
      }
      return;
    }
    if (run.repo === undefined) return;
    const { reason, nextStep } = explainFailure(failure, attempts);
    const payload = job.payload;
    const reviewId = await recordFailedReview(deps.db, {
      repoId: run.repo.id,
      prNumber: payload.number,
      headSha: run.headSha ?? payload.headSha,
      baseSha: payload.baseSha || undefined,
      title: payload.title,
      author: payload.author,
      jobId: job.id,
      action: payload.action,
      error: reason,
      nextStep,
    }, now);
    if (run.client === undefined || run.ref === undefined) return;
    const progress = run.progress ?? createReviewProgress({
      client: run.client,
      ref: run.ref,
      headSha: run.headSha ?? payload.headSha,
      url: reviewUrl(deps.server.publicUrl, reviewId),
      log: deps.log,
    });
    // A configuration error has its own comment; the status says so too, so a required check shows why.
    await progress.abandon({
      reason: failure instanceof ConfigError
        ? `Invalid ${failure.file} on the base branch: ${message}`
        : reason,
      cancelled: false,
    });
  } catch (reportError) {
    // The job's own error is what the queue must record; a failure to report it is only logged.
    deps.log.warn("Cannot record the review's failure", { jobId: job.id, error: reportError });
  }
}
