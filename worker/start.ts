/** Starts the worker loop with the deployment's settings; shared by `main.ts` (embedded) and `worker/main.ts`. */
import type { ServerConfig } from "../lib/config/env.ts";
import type { Logger } from "../lib/log.ts";
import type { Wakeup } from "../lib/queue/mod.ts";
import { createReviewDeps, type Runtime } from "../lib/runtime.ts";
import { runWorker } from "./run_worker.ts";
import { createTasks } from "./tasks/mod.ts";

export function startWorker(
  config: ServerConfig,
  runtime: Runtime,
  options: { log: Logger; wakeup: Wakeup; signal: AbortSignal },
): Promise<void> {
  return runWorker({
    db: runtime.db,
    log: options.log,
    tasks: createTasks(createReviewDeps(config, runtime.db, options.log, {
      secretBox: runtime.secretBox,
      metrics: runtime.metrics,
    })),
    concurrency: config.workerConcurrency,
    leaseMs: config.jobLeaseMs,
    jobTimeoutMs: config.jobTimeoutMs,
    pollIntervalMs: config.pollIntervalMs,
    wakeup: options.wakeup,
    signal: options.signal,
    metrics: runtime.metrics,
  });
}
