/**
 * Tells a worker within a second that a job it is running was cancelled, so the job stops — and its model calls
 * are aborted — long before the next heartbeat (every lease/3, 20 s by default). Three sources, best first:
 * PostgreSQL NOTIFY on `CANCEL_CHANNEL` (sent at the cancelling commit, reaches every process), the in-process
 * notification of a SQLite handle shared with the web server (embedded mode), and polling each running job's row
 * every `pollMs` as the fallback for everything else (separate SQLite processes, a dropped LISTEN connection).
 * A notification is only a hint: the job's row is re-read before the job is stopped.
 */
import type { Db } from "../db/mod.ts";
import type { Logger } from "../log.ts";
import type { Job } from "./job.ts";
import { isOwned } from "./settle.ts";
import { CANCEL_CHANNEL } from "./wakeup.ts";

export interface CancelWatch {
  /**
   * Watches `job` for this worker: `onCancelled` runs once when the job is no longer in progress under it.
   * @returns the function that stops watching
   */
  watch(job: Pick<Job, "id">, onCancelled: () => void): () => void;
  close(): Promise<void>;
}

export interface CancelWatchOptions {
  workerId: string;
  /** Re-read every running job this often; 1 s by default. */
  pollMs?: number;
  log: Logger;
}

export async function createCancelWatch(db: Db, options: CancelWatchOptions): Promise<CancelWatch> {
  const watched = new Map<number, () => void>();
  const check = async (ids: number[]) => {
    for (const id of ids) {
      const onCancelled = watched.get(id);
      if (!onCancelled) continue;
      // During a database outage the job keeps running: a read that fails says nothing about cancellation.
      const owned = await isOwned(db, { id }, options.workerId).catch(() => true);
      if (!owned && watched.get(id) === onCancelled) {
        watched.delete(id);
        onCancelled();
      }
    }
  };
  const unlisten = await db.listen(CANCEL_CHANNEL, (payload) => {
    const ids = payload.split(",").map(Number).filter((id) => watched.has(id));
    if (ids.length > 0) {
      check(ids).catch((error) => options.log.warn("Cannot check a cancelled job", { error }));
    }
  }).catch((error) => {
    options.log.warn("Cannot listen for cancelled jobs; polling only", { error });
    return null;
  });
  let polling: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (watched.size === 0 || polling) return;
    polling = check([...watched.keys()]).finally(() => (polling = undefined));
  }, options.pollMs ?? 1000);
  return {
    watch(job, onCancelled) {
      watched.set(job.id, onCancelled);
      return () => {
        if (watched.get(job.id) === onCancelled) watched.delete(job.id);
      };
    },
    async close() {
      clearInterval(timer);
      await polling;
      if (unlisten) await unlisten().catch(() => {});
    },
  };
}
