/**
 * Provider back-pressure shared by every worker: once a provider answers 429 with `Retry-After` (or its
 * rate-limit reset headers), no call with that key starts before the time it named — not from this call's
 * retries, not from another review, not from another worker process. The wait is kept in a `BackoffStore` (the
 * database in a deployment) under the provider and a fingerprint of the key, never the key itself. A call that
 * finds its provider waiting fails at once, without a request, with a retryable `LlmError` whose `retryAfterMs`
 * is the time left; the retry layer waits that long when it may, and otherwise the job queue schedules the job's
 * next attempt no earlier (`fail` in `lib/queue/settle.ts`).
 */
import { describeModel } from "./_call.ts";
import { type ChatMessage, type ChatOptions, type LlmClient, LlmError } from "./types.ts";
import type { BackoffStore } from "../llm_stores.ts";

/** Where the waits live (`lib/llm_stores.ts`); `lib/db/provider_backoffs.ts` keeps them in the database. */
export type { BackoffStore };

export interface SharedBackoffOptions {
  store: BackoffStore;
  /** `fingerprintKey(...)` of the model's key and base URL. */
  keyFingerprint: string | Promise<string>;
  now?: () => number;
}

/**
 * The first 16 hex digits of SHA-256 over the base URL and key: OpenAI-compatible servers share the provider id
 * `openai`, so the URL tells their keys apart. The key cannot be read back from it.
 */
export async function fingerprintKey(
  apiKey: string | undefined,
  baseUrl: string | undefined,
): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(`${baseUrl ?? ""}\n${apiKey ?? ""}`),
  );
  return Array.from(new Uint8Array(digest).slice(0, 8), (byte) => byte.toString(16).padStart(2, "0")).join(
    "",
  );
}

/** Wraps `client` so its calls honour, and record, the provider's shared wait. */
export function withSharedBackoff(client: LlmClient, options: SharedBackoffOptions): LlmClient {
  const now = options.now ?? Date.now;
  const target = describeModel(client.provider, client.model);
  const before = async () => {
    const until = await options.store.notBefore(client.provider, await options.keyFingerprint);
    const waitMs = until === null ? 0 : until - now();
    if (waitMs > 0) {
      throw new LlmError(
        `Cannot call ${target}: the provider asked to wait until ${new Date(until!).toISOString()}`,
        { provider: client.provider, status: 429, retryAfterMs: waitMs },
      );
    }
  };
  const after = async (error: unknown) => {
    if (error instanceof LlmError && error.status === 429 && error.retryAfterMs !== undefined) {
      // A store that cannot take the wait (a database outage) must not hide the 429: its `retryAfterMs` still
      // keeps this job's next attempt back (`fail` in `lib/queue/settle.ts`).
      await options.store.defer(client.provider, await options.keyFingerprint, now() + error.retryAfterMs)
        .catch(() => {});
    }
  };
  return {
    provider: client.provider,
    model: client.model,
    async chat<T>(messages: ChatMessage[], callOptions?: ChatOptions<T>) {
      await before();
      try {
        return await client.chat(messages, callOptions);
      } catch (error) {
        await after(error);
        throw error;
      }
    },
    async *stream(messages, callOptions) {
      await before();
      try {
        return yield* client.stream(messages, callOptions);
      } catch (error) {
        await after(error);
        throw error;
      }
    },
  };
}
