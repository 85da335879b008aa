/**
 * A deployment's model wiring, shared by the worker and the command line: one concurrency limit for every call
 * of the process plus one per provider (so a burst of reviews cannot exceed a provider's rate limit while other
 * providers stay usable), a client per resolved model with its fallback, an optional response cache, and prices
 * with the deployment's overrides.
 */
import type { Logger } from "../log.ts";
import type { LlmCacheStore } from "./cache.ts";
import { type BackoffStore, fingerprintKey } from "./backoff.ts";
import { createLimiter, type Limiter } from "../concurrency.ts";
import { createLlmClient, type ModelSpec } from "./mod.ts";
import { createPriceTable, parsePriceOverrides } from "./pricing.ts";
import type { LlmClient, LlmProviderId, TokenUsage } from "./types.ts";

/** A model as the repository config resolves it: a spec and, optionally, the model to fall back to. */
export type ModelWithFallback = ModelSpec & { fallback?: ModelWithFallback };

export interface ModelWiringOptions {
  /** LLM calls in flight at once across the process. */
  concurrency: number;
  /** LLM calls in flight at once per provider. */
  providerConcurrency: number;
  /** `LOOM_LLM_PRICES`: JSON price overrides. */
  priceOverrides?: string;
  cache?: { store: LlmCacheStore; ttlMs: number };
  /** Provider waits shared with every worker (`lib/llm/backoff.ts`); none when absent. */
  backoff?: BackoffStore;
  /** Clock of the shared waits; injected in tests. */
  now?: () => number;
  log?: Logger;
}

export interface ModelWiring {
  /** `cache: false` leaves the response cache out (a run someone asked for asks the model again). */
  createLlm(model: ModelWithFallback, options?: { cache?: boolean }): LlmClient;
  costOf(provider: LlmProviderId, model: string, usage: TokenUsage): number;
}

export function createModelWiring(options: ModelWiringOptions): ModelWiring {
  const deployment = createLimiter(options.concurrency);
  const perProvider = new Map<LlmProviderId, Limiter>();
  const limitersFor = (provider: LlmProviderId): Limiter[] => {
    let limiter = perProvider.get(provider);
    if (!limiter) perProvider.set(provider, limiter = createLimiter(options.providerConcurrency));
    return [deployment, limiter];
  };
  const prices = createPriceTable(options.priceOverrides ? parsePriceOverrides(options.priceOverrides) : {});
  const build = (model: ModelWithFallback, cache: boolean): LlmClient =>
    createLlmClient(model, {
      limiter: limitersFor(model.provider),
      cache: cache ? options.cache : undefined,
      fallback: model.fallback ? build(model.fallback, cache) : undefined,
      backoff: options.backoff && {
        store: options.backoff,
        keyFingerprint: fingerprintKey(model.apiKey, model.baseUrl),
        now: options.now,
      },
      log: options.log,
    });
  return {
    createLlm: (model, createOptions) => build(model, createOptions?.cache !== false),
    costOf: (provider, model, usage) => prices.costOf(provider, model, usage).usd,
  };
}
