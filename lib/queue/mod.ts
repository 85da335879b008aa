/**
 * The SQL job queue: the only code that touches `jobs`. States: pending → in_progress → completed | failed |
 * cancelled. See DESIGN.md "Queue semantics".
 */
export { type Job, type JobStatus, type JobType, PermanentJobError, type TaskPayloads } from "./job.ts";
export { enqueue, type EnqueueOptions, type EnqueueResult } from "./enqueue.ts";
export { claim, type ClaimOptions, yieldContendedGroups } from "./claim.ts";
export {
  cancel,
  cancelGroup,
  cancelOwn,
  cancelRepoJobs,
  cancelRepoReviews,
  complete,
  describeError,
  endCancelled,
  fail,
  type FailOutcome,
  heartbeat,
  isOwned,
  release,
} from "./settle.ts";
export { getJob, prune, type QueueStats, queueStats, reapExpired } from "./maintenance.ts";
export { retryDelayMs } from "./backoff.ts";
export {
  listWaitingReviews,
  orgQueueHealth,
  type QueueHealth,
  type WaitingReview,
  type WorkerActivity,
  workerActivity,
} from "./health.ts";
export { CANCEL_CHANNEL, createWakeup, JOBS_CHANNEL, type Wakeup } from "./wakeup.ts";
export { ensureDeliveryFunction } from "./delivery_function.ts";
export { createCancelWatch } from "./cancel_watch.ts";
export { applyWebhookDelivery, type DeliveryAction, type HeadCheck } from "./webhook_delivery.ts";
