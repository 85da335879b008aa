/**
 * The one retry layer for every provider (their SDKs run with `maxRetries: 0`), and the named fallback used
 * once a model keeps failing.
 */
import { type Logger, silentLogger } from "../log.ts";
import { describeModel } from "./_call.ts";
import { type ChatMessage, type ChatOptions, type LlmClient, LlmError, type TokenUsage } from "./types.ts";

/** Options for `withRetry`. */
export interface RetryOptions {
  /** Retries after the first attempt; default 2. */
  maxRetries?: number;
  /** First backoff step; doubles per attempt; default 1000. */
  baseDelayMs?: number;
  /**
   * Longest wait; default 30000. A `retry-after` longer than this ends the retries at once, since waiting less
   * than the provider asked only earns another 429 — the fallback model, if any, takes over instead.
   */
  maxDelayMs?: number;
  /** Injected in tests to record waits instead of sleeping. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source in [0, 1); default `Math.random`. */
  random?: () => number;
  log?: Logger;
}

/**
 * Wraps a client so retryable `LlmError`s (408/409/429/5xx, timeouts, connection failures) are retried with
 * exponential backoff and jitter, waiting exactly as long as `retry-after` says when the provider said.
 * A stream is retried only before its first delta, so no text is ever repeated.
 * @returns a client with the same provider and model
 */
export function withRetry(client: LlmClient, options: RetryOptions = {}): LlmClient {
  const maxRetries = options.maxRetries ?? 2;
  const baseDelayMs = options.baseDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const log = options.log ?? silentLogger;

  function waitBefore(error: unknown, attempt: number): number | null {
    if (!(error instanceof LlmError) || !error.retryable || attempt >= maxRetries) return null;
    if (error.retryAfterMs !== undefined) return error.retryAfterMs <= maxDelayMs ? error.retryAfterMs : null;
    const exponential = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
    // "Equal jitter": at least half the step, so a burst of failures does not retry in lockstep.
    return Math.round(exponential / 2 + (exponential / 2) * random());
  }

  async function pause(error: unknown, attempt: number, ms: number, signal: AbortSignal | undefined) {
    log.warn("Retrying LLM request", {
      provider: client.provider,
      model: client.model,
      attempt: attempt + 1,
      waitMs: ms,
      error,
    });
    try {
      await sleep(ms, signal);
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
      for (let attempt = 0;; attempt++) {
        try {
          return await client.chat(messages, callOptions);
        } catch (error) {
          const wait = waitBefore(error, attempt);
          if (wait === null) throw error;
          await pause(error, attempt, wait, callOptions?.signal);
        }
      }
    },
    async *stream(messages, callOptions) {
      for (let attempt = 0;; attempt++) {
        const iterator = client.stream(messages, callOptions);
        let first: IteratorResult<string, TokenUsage>;
        try {
          first = await iterator.next();
        } catch (error) {
          const wait = waitBefore(error, attempt);
          if (wait === null) throw error;
          await pause(error, attempt, wait, callOptions?.signal);
          continue;
        }
        if (first.done) return first.value;
        yield first.value;
        return yield* iterator;
      }
    },
  };
}

/** Options for `withFallback`. */
export interface FallbackOptions {
  log?: Logger;
}

/**
 * Answers with `fallback` when `primary` fails with a retryable error (after its own retries, when `primary`
 * is wrapped in `withRetry`). Non-retryable errors — bad requests, invalid structured output, cancellation —
 * are the primary's answer and propagate. Results carry the model that actually answered.
 * @returns a client reporting the primary's provider and model
 */
export function withFallback(
  primary: LlmClient,
  fallback: LlmClient,
  options: FallbackOptions = {},
): LlmClient {
  const log = options.log ?? silentLogger;
  const shouldFallBack = (error: unknown) => error instanceof LlmError && error.retryable;
  const announce = (error: unknown) =>
    log.warn("Falling back to another model", {
      from: describeModel(primary.provider, primary.model),
      to: describeModel(fallback.provider, fallback.model),
      error,
    });
  return {
    provider: primary.provider,
    model: primary.model,
    async chat<T>(messages: ChatMessage[], callOptions?: ChatOptions<T>) {
      try {
        return await primary.chat(messages, callOptions);
      } catch (error) {
        if (!shouldFallBack(error)) throw error;
        announce(error);
        return await fallback.chat(messages, callOptions);
      }
    },
    async *stream(messages, callOptions) {
      const iterator = primary.stream(messages, callOptions);
      let first: IteratorResult<string, TokenUsage>;
      try {
        first = await iterator.next();
      } catch (error) {
        if (!shouldFallBack(error)) throw error;
        announce(error);
        return yield* fallback.stream(messages, callOptions);
      }
      if (first.done) return first.value;
      yield first.value;
      return yield* iterator;
    },
  };
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
