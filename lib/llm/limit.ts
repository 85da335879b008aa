/**
 * Concurrency limits for LLM calls. Limiters compose: a deployment-wide limiter and a per-provider limiter can
 * both wrap one client, and a call runs only when it holds a slot in each.
 */
import { describeModel } from "./_call.ts";
import { type ChatMessage, type ChatOptions, type LlmClient, LlmError } from "./types.ts";

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
 * Runs every call of `client` inside `limiter`; a stream holds its slot until it finishes or is abandoned.
 * An abort while waiting for a slot is a cancelled `LlmError`.
 */
export function withConcurrencyLimit(client: LlmClient, limiter: Limiter): LlmClient {
  async function acquire(signal: AbortSignal | undefined) {
    try {
      return await limiter.acquire(signal);
    } catch (cause) {
      throw new LlmError(
        `Cannot complete request to ${describeModel(client.provider, client.model)}: cancelled by the caller`,
        { provider: client.provider, cancelled: true, cause },
      );
    }
  }
  return {
    provider: client.provider,
    model: client.model,
    async chat<T>(messages: ChatMessage[], callOptions?: ChatOptions<T>) {
      const release = await acquire(callOptions?.signal);
      try {
        return await client.chat(messages, callOptions);
      } finally {
        release();
      }
    },
    async *stream(messages, callOptions) {
      const release = await acquire(callOptions?.signal);
      try {
        return yield* client.stream(messages, callOptions);
      } finally {
        release();
      }
    },
  };
}
