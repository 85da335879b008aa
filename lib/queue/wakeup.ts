/**
 * Wake-ups for idle workers: PostgreSQL LISTEN/NOTIFY across processes, an in-process signal when the web
 * server and worker share a process, and the worker's adaptive polling as the floor for everything else.
 */
import type { Db } from "../db/mod.ts";

export const JOBS_CHANNEL = "loom_jobs";
/**
 * Carries the ids of cancelled jobs (comma-separated) to the workers running them. The PostgreSQL delivery
 * function (`apply_webhook_delivery.sql`) names it too.
 */
export const CANCEL_CHANNEL = "loom_cancel";

export interface Wakeup {
  /** Resolves on the next wake-up or after `timeoutMs`, whichever comes first. */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** Wakes every waiter (in-process). */
  wake(): void;
  close(): Promise<void>;
}

/** A wake-up fed by `wake()` calls and, on PostgreSQL, by NOTIFY on the jobs channel. */
export async function createWakeup(db?: Db): Promise<Wakeup> {
  let waiters: (() => void)[] = [];
  const wake = () => {
    const current = waiters;
    waiters = [];
    for (const resolve of current) resolve();
  };
  const unlisten = db ? await db.listen(JOBS_CHANNEL, wake) : null;
  return {
    wake,
    wait(timeoutMs, signal) {
      return new Promise((resolve) => {
        if (signal?.aborted) return resolve();
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", done);
          waiters = waiters.filter((waiter) => waiter !== done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        signal?.addEventListener("abort", done, { once: true });
        waiters.push(done);
      });
    },
    async close() {
      wake();
      if (unlisten) await unlisten();
    },
  };
}
