/**
 * Bounded concurrency, one helper for the whole code base: a counting semaphore with a FIFO queue
 * (`createLimiter`, which also caps LLM calls in `lib/llm/limit.ts`) and `mapBounded`, which runs a task over a
 * list with at most `limit` in flight on top of it. Hand-written worker pools do not belong anywhere else.
 */

/** A counting semaphore with a FIFO queue. */
export interface Limiter {
  readonly limit: number;
  /** Calls holding a slot. */
  readonly active: number;
  /** Calls waiting for a slot. */
  readonly pending: number;
  /**
   * Waits for a slot.
   * @returns the function that gives the slot back (calling it twice is harmless)
   * @throws the signal's reason when `signal` aborts while waiting
   */
  acquire(signal?: AbortSignal): Promise<() => void>;
}

/**
 * Creates a limiter allowing `limit` calls at once.
 * @throws {RangeError} when `limit` is not a positive integer
 */
export function createLimiter(limit: number): Limiter {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`Cannot create limiter: "limit" must be a positive integer: ${limit}`);
  }
  let active = 0;
  const waiting: { grant: () => void }[] = [];

  function release() {
    const next = waiting.shift();
    if (next) next.grant();
    else active--;
  }

  function slot(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  }

  return {
    limit,
    get active() {
      return active;
    },
    get pending() {
      return waiting.length;
    },
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (active < limit) {
        active++;
        return Promise.resolve(slot());
      }
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          const index = waiting.indexOf(waiter);
          if (index !== -1) waiting.splice(index, 1);
          reject(signal?.reason);
        };
        // A released slot passes straight to the next waiter, so `active` stays the same.
        const waiter = {
          grant: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve(slot());
          },
        };
        waiting.push(waiter);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
  };
}

/**
 * Runs `task` over `items` with at most `limit` in flight, started in order, keeping results in order; stops
 * starting new items at the first failure and rejects with it.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const limiter = createLimiter(Math.max(1, Math.min(Math.floor(limit), items.length)));
  let failed = false;
  return await Promise.all(items.map(async (item, index) => {
    const release = await limiter.acquire();
    try {
      // After a failure the result is lost anyway, so the items still waiting are not started.
      if (failed) return undefined as R;
      return await task(item, index);
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      release();
    }
  }));
}
