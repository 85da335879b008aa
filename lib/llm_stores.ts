/**
 * The words the model layer (`lib/llm/`) shares with the database below it: the provider names, token usage,
 * and the two store interfaces the database implements — the response cache (`lib/db/llm_cache.ts`) and the
 * providers' shared back-off (`lib/db/provider_backoffs.ts`). They live on the ground floor so a table can
 * implement its interface without importing the model layer; `lib/llm/` re-exports them where it uses them.
 */

export type LlmProviderId = "openai" | "anthropic" | "google";

export interface TokenUsage {
  /** Every prompt token, those served from or written to the provider's prompt cache included. */
  inputTokens: number;
  outputTokens: number;
  /** Prompt tokens served from the provider's prefix cache, billed at its cached rate; absent means 0. */
  cachedInputTokens?: number;
  /** Prompt tokens written to the cache, which Anthropic bills above its input rate; absent means 0. */
  cacheWriteTokens?: number;
}

/** What a response-cache store keeps per key. `text` is the raw answer (the JSON text for structured calls). */
export interface CachedEntry {
  text: string;
  model: string;
  /** Usage of the original call, kept for reporting what the cache saved. */
  usage: TokenUsage;
  createdAt: number;
}

/** Storage for cached answers (`withCache` in `lib/llm/cache.ts`); entries older than their `ttlMs` read as missing. */
export interface LlmCacheStore {
  get(key: string): Promise<CachedEntry | null>;
  set(key: string, entry: CachedEntry, ttlMs: number): Promise<void>;
}

/** Where a provider's shared waits live (`withSharedBackoff` in `lib/llm/backoff.ts`). */
export interface BackoffStore {
  /** Epoch ms before which no call may start, or null. */
  notBefore(provider: LlmProviderId, keyFingerprint: string): Promise<number | null>;
  /** Records a wait; an earlier or equal `until` than the one stored changes nothing. */
  defer(provider: LlmProviderId, keyFingerprint: string, until: number): Promise<void>;
}
