/**
 * Token counting per provider, for the review's budgets and chunking: OpenAI's o200k tokenizer for
 * OpenAI-compatible models (`openai_tokens.ts`, its vocabulary read on the first call), and an estimate for
 * Anthropic and Google, whose tokenizers are not published.
 */
import { loadO200kCounter } from "./openai_tokens.ts";
import type { LlmProviderId } from "./types.ts";

/** Counts the tokens a model would see for `text`. */
export type TokenCounter = (text: string) => number;

/**
 * A token counter for a provider: the o200k tokenizer for OpenAI, and one token per 3.5 characters for
 * Anthropic and Google. The estimate errs high for code, so budgets hold.
 */
export async function createTokenCounter(provider: LlmProviderId): Promise<TokenCounter> {
  if (provider === "openai") return await loadO200kCounter();
  return estimateTokens;
}

/** One token per 3.5 characters, rounded up. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3.5);
}
