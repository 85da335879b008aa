/**
 * What a call cost, in USD, from a table of list prices per million tokens. Prices change; a deployment
 * overrides or adds models with `createPriceTable(overrides)` (see `parsePriceOverrides`).
 */
import { z } from "zod";
import type { LlmProviderId, TokenUsage } from "./types.ts";

/**
 * USD per million tokens. `cachedInput` is the rate for prompt tokens served from the provider's prefix cache
 * and `cacheWrite` for tokens written to it; unset, they follow the provider's published ratio to `input`
 * (`CACHE_RATIOS`).
 */
export const ModelPrice = z.object({
  input: z.number().min(0),
  output: z.number().min(0),
  cachedInput: z.number().min(0).optional(),
  cacheWrite: z.number().min(0).optional(),
});
export type ModelPrice = z.infer<typeof ModelPrice>;

/** The cost of one usage; `known: false` means the model is not priced and `usd` is 0. */
export interface Cost {
  usd: number;
  known: boolean;
}

/** Looks up prices by provider and model. */
export interface PriceTable {
  /** The price for a model: exact id first, then the longest listed prefix ending at a `-` boundary. */
  priceOf(provider: LlmProviderId, model: string): ModelPrice | null;
  costOf(provider: LlmProviderId, model: string, usage: TokenUsage): Cost;
}

/**
 * What cached prompt tokens cost relative to `input` when a price does not say: Anthropic bills a cache read at
 * 0.1× and a (5-minute) cache write at 1.25×; Gemini 2.x bills cached tokens at 0.25×; OpenAI's discount differs
 * by family (0.5× for gpt-4o and o1, 0.25× for gpt-4.1, 0.1× for gpt-5), so its defaults list `cachedInput`
 * per model and an unlisted model gets no discount.
 */
const CACHE_RATIOS: Readonly<Record<LlmProviderId, { read: number; write: number }>> = {
  openai: { read: 1, write: 1 },
  anthropic: { read: 0.1, write: 1.25 },
  google: { read: 0.25, write: 1 },
};

/**
 * List prices when written (USD per million input/output tokens; text, standard tier). Keys are model ids or id
 * prefixes, so dated snapshots (`gpt-4o-2024-08-06`) resolve to their family.
 */
export const DEFAULT_PRICES: Readonly<Record<LlmProviderId, Readonly<Record<string, ModelPrice>>>> = {
  openai: {
    "gpt-4o": { input: 2.5, output: 10, cachedInput: 1.25 },
    "gpt-4o-mini": { input: 0.15, output: 0.6, cachedInput: 0.075 },
    "gpt-4.1": { input: 2, output: 8, cachedInput: 0.5 },
    "gpt-4.1-mini": { input: 0.4, output: 1.6, cachedInput: 0.1 },
    "gpt-4.1-nano": { input: 0.1, output: 0.4, cachedInput: 0.025 },
    "gpt-5": { input: 1.25, output: 10, cachedInput: 0.125 },
    "gpt-5-mini": { input: 0.25, output: 2, cachedInput: 0.025 },
    "gpt-5-nano": { input: 0.05, output: 0.4, cachedInput: 0.005 },
    "o1": { input: 15, output: 60, cachedInput: 7.5 },
    "o1-mini": { input: 1.1, output: 4.4, cachedInput: 0.55 },
    "o1-pro": { input: 150, output: 600 },
    "o3": { input: 2, output: 8, cachedInput: 0.5 },
    "o3-mini": { input: 1.1, output: 4.4, cachedInput: 0.55 },
    "o3-pro": { input: 20, output: 80 },
    "o4-mini": { input: 1.1, output: 4.4, cachedInput: 0.275 },
    // Open-weight families served by the deployment itself (Ollama, vLLM). A hosted API that bills for them
    // (Together, Groq, OpenRouter) needs an override.
    "llama": { input: 0, output: 0 },
    "codellama": { input: 0, output: 0 },
    "qwen": { input: 0, output: 0 },
    "qwen2.5-coder": { input: 0, output: 0 },
    "mistral": { input: 0, output: 0 },
    "mixtral": { input: 0, output: 0 },
    "codestral": { input: 0, output: 0 },
    "deepseek-coder": { input: 0, output: 0 },
    "deepseek-r1": { input: 0, output: 0 },
    "gemma": { input: 0, output: 0 },
    "phi": { input: 0, output: 0 },
  },
  anthropic: {
    "claude-3-haiku": { input: 0.25, output: 1.25 },
    "claude-3-5-haiku": { input: 0.8, output: 4 },
    "claude-haiku-4-5": { input: 1, output: 5 },
    "claude-3-5-sonnet": { input: 3, output: 15 },
    "claude-3-7-sonnet": { input: 3, output: 15 },
    "claude-sonnet-4": { input: 3, output: 15 },
    "claude-3-opus": { input: 15, output: 75 },
    "claude-opus-4-0": { input: 15, output: 75 },
    "claude-opus-4-20250514": { input: 15, output: 75 },
    "claude-opus-4-1": { input: 15, output: 75 },
    "claude-opus-4-5": { input: 5, output: 25 },
  },
  google: {
    "gemini-2.0-flash": { input: 0.1, output: 0.4 },
    "gemini-2.0-flash-lite": { input: 0.075, output: 0.3 },
    "gemini-2.5-flash": { input: 0.3, output: 2.5 },
    "gemini-2.5-flash-lite": { input: 0.1, output: 0.4 },
    // Prompts up to 200k tokens; longer prompts cost double, which a per-call table cannot see.
    "gemini-2.5-pro": { input: 1.25, output: 10 },
  },
};

/**
 * Builds a price table from the defaults plus overrides.
 * @param overrides keyed `provider/model` (`openai/gpt-4o`, `openai/llama3.1` for a paid host); a key is an id
 *   or an id prefix like the defaults
 * @throws {TypeError} when a key does not start with a known provider
 */
export function createPriceTable(overrides: Record<string, ModelPrice> = {}): PriceTable {
  const table: Record<LlmProviderId, Record<string, ModelPrice>> = {
    openai: { ...DEFAULT_PRICES.openai },
    anthropic: { ...DEFAULT_PRICES.anthropic },
    google: { ...DEFAULT_PRICES.google },
  };
  for (const [key, price] of Object.entries(overrides)) {
    const slash = key.indexOf("/");
    const provider = key.slice(0, slash);
    if (slash <= 0 || !(provider in table)) {
      throw new TypeError(
        `Cannot use price override "${key}": expected "openai/…", "anthropic/…" or "google/…"`,
      );
    }
    table[provider as LlmProviderId][normalizeModel(key.slice(slash + 1))] = ModelPrice.parse(price);
  }

  function priceOf(provider: LlmProviderId, model: string): ModelPrice | null {
    const prices = table[provider];
    const id = normalizeModel(model);
    if (prices[id]) return prices[id];
    let best: string | null = null;
    for (const key of Object.keys(prices)) {
      const boundary = id.charAt(key.length);
      const matches = id.startsWith(key) && /[-:.@0-9]/.test(boundary);
      if (matches && (best === null || key.length > best.length)) best = key;
    }
    return best === null ? null : prices[best];
  }

  return {
    priceOf,
    costOf(provider, model, usage) {
      const price = priceOf(provider, model);
      if (price === null) return { usd: 0, known: false };
      const ratios = CACHE_RATIOS[provider];
      const cached = usage.cachedInputTokens ?? 0;
      const written = usage.cacheWriteTokens ?? 0;
      const uncached = Math.max(0, usage.inputTokens - cached - written);
      const usd = (uncached * price.input +
        cached * (price.cachedInput ?? price.input * ratios.read) +
        written * (price.cacheWrite ?? price.input * ratios.write) +
        usage.outputTokens * price.output) / 1_000_000;
      return { usd, known: true };
    },
  };
}

/** Gateways prefix ids (`models/gemini-2.5-pro`, `openai/gpt-4o` on OpenRouter); prices key on the bare id. */
function normalizeModel(model: string): string {
  return model.trim().toLowerCase().replace(/^models\//, "").replace(/^[a-z-]+\//, "");
}

const DEFAULT_TABLE = createPriceTable();

/** Cost of `usage` at default list prices; unknown models cost 0 with `known: false`. */
export function costOf(provider: LlmProviderId, model: string, usage: TokenUsage): Cost {
  return DEFAULT_TABLE.costOf(provider, model, usage);
}

/**
 * Parses price overrides from JSON, e.g. the `LOOM_LLM_PRICES` environment variable:
 * `{"openai/gpt-4o": {"input": 2.5, "output": 10, "cachedInput": 1.25}}`.
 * @throws {TypeError} naming the invalid entry
 */
export function parsePriceOverrides(text: string): Record<string, ModelPrice> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TypeError(`Cannot parse price overrides: ${(error as Error).message}`, { cause: error });
  }
  const result = z.record(z.string(), ModelPrice).safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new TypeError(
      `Cannot parse price overrides: "${issue.path.join(".")}" ${issue.message}`,
      { cause: result.error },
    );
  }
  return result.data;
}
