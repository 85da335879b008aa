/**
 * Concurrency limits for LLM calls, with the limiter of `lib/concurrency.ts`. Limiters compose: a
 * deployment-wide limiter and a per-provider limiter can both wrap one client, and a call runs only when it
 * holds a slot in each.
 */
import { describeModel } from "./_call.ts";
import { type ChatMessage, type ChatOptions, type LlmClient, LlmError } from "./types.ts";
import type { Limiter } from "../concurrency.ts";

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
