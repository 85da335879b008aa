/**
 * LLM providers behind one `LlmClient` contract: OpenAI-compatible servers, Anthropic and Gemini on their
 * official SDKs, plus the layers every deployment composes around them (retry, fallback, concurrency limits,
 * response cache, pricing). Providers never read the environment; keys and URLs come in through `ModelSpec`.
 * Must not import `lib/db`, `lib/queue`, `lib/platforms` or `lib/review`.
 */
import { z } from "zod";
import type { Logger } from "../log.ts";
import type { LlmProviderOptions } from "./_call.ts";
import { createAnthropicClient } from "./anthropic.ts";
import { type LlmCacheStore, withCache } from "./cache.ts";
import { createGoogleClient } from "./google.ts";
import { withConcurrencyLimit } from "./limit.ts";
import type { Limiter } from "../concurrency.ts";
import { createOpenAICompatibleClient } from "./openai_compatible.ts";
import { type RetryOptions, withFallback, withRetry } from "./retry.ts";
import { type SharedBackoffOptions, withSharedBackoff } from "./backoff.ts";
import type { LlmClient, LlmProviderId } from "./types.ts";

export type { ChatMessage, ChatOptions, ChatResult, LlmClient, LlmProviderId, TokenUsage } from "./types.ts";
export { LlmError } from "./types.ts";
export type { LlmProviderOptions, StructuredOutputMode } from "./_call.ts";
export { DEFAULT_MAX_TOKENS, DEFAULT_TIMEOUT_MS, sumUsage } from "./_call.ts";
export { createOpenAICompatibleClient } from "./openai_compatible.ts";
export { createAnthropicClient } from "./anthropic.ts";
export { createGoogleClient } from "./google.ts";
export type { ExtractedJson, ResolveStructuredOptions, ValidatedJson } from "./structured.ts";
export { extractJson, resolveStructured, validateStructured } from "./structured.ts";
export type { FallbackOptions, RetryOptions } from "./retry.ts";
export { withFallback, withRetry } from "./retry.ts";
export type {
  CacheAccount,
  CachedEntry,
  CacheOptions,
  LlmCacheStore,
  MemoryCacheStoreOptions,
} from "./cache.ts";
export { cacheKey, createMemoryCacheStore, withCache } from "./cache.ts";
export type { BackoffStore, SharedBackoffOptions } from "./backoff.ts";
export { fingerprintKey, withSharedBackoff } from "./backoff.ts";
export type { Limiter } from "../concurrency.ts";
export { createLimiter } from "../concurrency.ts";
export { withConcurrencyLimit } from "./limit.ts";
export type { Cost, PriceTable } from "./pricing.ts";
export { costOf, createPriceTable, DEFAULT_PRICES, ModelPrice, parsePriceOverrides } from "./pricing.ts";

/** One model as the worker resolved it from `.loom/config.yaml` and `ServerConfig` (the key already looked up). */
export const ModelSpec = z.object({
  provider: z.enum(["openai", "anthropic", "google"]),
  model: z.string().min(1),
  baseUrl: z.string().url().optional(),
  apiKey: z.string().min(1).optional(),
  temperature: z.number().min(0).max(2).optional(),
  maxOutputTokens: z.number().int().positive().optional(),
  timeoutMs: z.number().int().positive().optional(),
  structuredOutput: z.enum(["json_schema", "json_object", "prompt"]).optional(),
});
export type ModelSpec = z.infer<typeof ModelSpec>;

/** Provider factories by id; adding a provider is one file and one line here. */
const PROVIDERS = {
  openai: createOpenAICompatibleClient,
  anthropic: createAnthropicClient,
  google: createGoogleClient,
} as const satisfies Record<LlmProviderId, (options: LlmProviderOptions) => LlmClient>;

/** Options for `createLlmClient`. */
export interface CreateLlmClientOptions {
  /** Injected for tests and proxies; defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** Retries after the first attempt; default 2. Shorthand for `retry.maxRetries`. */
  maxRetries?: number;
  retry?: Omit<RetryOptions, "log">;
  /** Limiters the call must hold a slot in, acquired in array order (deployment-wide first, then per provider). */
  limiter?: Limiter | Limiter[];
  /** Response cache; `ttlMs` defaults to one week. */
  cache?: LlmCacheStore | { store: LlmCacheStore; ttlMs?: number };
  /** Client used when this model keeps failing with retryable errors after its retries. */
  fallback?: LlmClient;
  /** A provider's `Retry-After` shared with every worker; checked before each attempt, inside the retries. */
  backoff?: SharedBackoffOptions;
  log?: Logger;
}

/**
 * Builds a ready client: provider, then the shared provider wait, concurrency limits, retry, fallback and cache,
 * in that order (a retry waits without holding a slot; a cache hit skips everything).
 * @param spec the model; validated with `ModelSpec`
 * @throws {TypeError} when `spec` is invalid or the provider needs an `apiKey` it did not get
 */
export function createLlmClient(spec: ModelSpec, options: CreateLlmClientOptions = {}): LlmClient {
  const result = ModelSpec.safeParse(spec);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `"${issue.path.join(".")}" ${issue.message}`);
    throw new TypeError(`Cannot create model "${spec.model}": ${problems.join("; ")}`, {
      cause: result.error,
    });
  }
  const { provider, ...rest } = result.data;
  let client: LlmClient = PROVIDERS[provider]({ ...rest, fetch: options.fetch, log: options.log });
  if (options.backoff) client = withSharedBackoff(client, options.backoff);
  const limiters = options.limiter === undefined ? [] : [options.limiter].flat();
  for (const limiter of limiters.toReversed()) client = withConcurrencyLimit(client, limiter);
  client = withRetry(client, {
    ...options.retry,
    maxRetries: options.maxRetries ?? options.retry?.maxRetries,
    log: options.log,
  });
  if (options.fallback) client = withFallback(client, options.fallback, { log: options.log });
  if (options.cache) {
    const { store, ttlMs } = "store" in options.cache
      ? options.cache
      : { store: options.cache, ttlMs: undefined };
    client = withCache(client, store, { ttlMs, account: { baseUrl: rest.baseUrl, apiKey: rest.apiKey } });
  }
  return client;
}
