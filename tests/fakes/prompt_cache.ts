/**
 * The prompt-prefix cache the LLM fakes report, modelled on what each provider documents:
 * - OpenAI (automatic): the longest prefix shared with an earlier prompt is cached once it is at least 1,024
 *   tokens, counted in 128-token increments; `prompt_tokens` includes the cached tokens.
 * - Gemini (implicit caching): the same idea from 2,048 tokens (Gemini 2.5) with the exact shared length;
 *   `promptTokenCount` includes them.
 * - Anthropic (explicit): only a prefix ending at a `cache_control` breakpoint is written (at least 1,024 tokens)
 *   and read later; `input_tokens` then excludes the tokens read from and written to the cache.
 *
 * A prompt is stored when its answer is sent, not when it arrives: like the real services, two requests in
 * flight at the same time do not share a prefix, so a caller has to let the first one finish to get the discount.
 */

/** A prompt as one text in the provider's order; `breakpoints` are offsets where a cache breakpoint ends. */
export interface CachePrompt {
  text: string;
  breakpoints?: number[];
}

export interface PromptCacheRules {
  /** Shortest prefix the provider caches, in tokens. */
  minimumTokens: number;
  /** Cached lengths are rounded down to a multiple of this (OpenAI: 128); 1 means exact. */
  increment: number;
  /** Only prefixes ending at a breakpoint count (Anthropic). */
  explicit: boolean;
}

export const OPENAI_CACHE_RULES: PromptCacheRules = { minimumTokens: 1024, increment: 128, explicit: false };
export const ANTHROPIC_CACHE_RULES: PromptCacheRules = { minimumTokens: 1024, increment: 1, explicit: true };
export const GEMINI_CACHE_RULES: PromptCacheRules = { minimumTokens: 2048, increment: 1, explicit: false };

/** What one prompt costs in tokens: all of it, the part read from the cache and the part written to it. */
export interface CacheUsage {
  promptTokens: number;
  cachedTokens: number;
  writtenTokens: number;
}

export interface PromptCache {
  /** Usage of `prompt` against what is stored now. */
  measure(prompt: CachePrompt): CacheUsage;
  /** Remembers `prompt` for later requests (call when its answer is sent). */
  store(prompt: CachePrompt): void;
}

export function createPromptCache(
  rules: PromptCacheRules,
  countTokens: (text: string) => number,
): PromptCache {
  const prompts: string[] = [];
  const written = new Set<string>();
  const breakpointPrefixes = (prompt: CachePrompt) =>
    [...new Set(prompt.breakpoints ?? [])].sort((a, b) => a - b).map((end) => prompt.text.slice(0, end));

  return {
    measure(prompt) {
      const promptTokens = countTokens(prompt.text);
      if (rules.explicit) {
        const prefixes = breakpointPrefixes(prompt).filter((prefix) =>
          countTokens(prefix) >= rules.minimumTokens
        );
        const read = prefixes.filter((prefix) => written.has(prefix)).at(-1);
        const cachedTokens = read === undefined ? 0 : countTokens(read);
        const last = prefixes.at(-1);
        const writtenTokens = last === undefined || written.has(last) ? 0 : countTokens(last) - cachedTokens;
        return { promptTokens, cachedTokens, writtenTokens };
      }
      let shared = 0;
      for (const earlier of prompts) shared = Math.max(shared, commonPrefixLength(earlier, prompt.text));
      const sharedTokens = shared === 0 ? 0 : countTokens(prompt.text.slice(0, shared));
      const cachedTokens = sharedTokens < rules.minimumTokens
        ? 0
        : Math.min(promptTokens, Math.floor(sharedTokens / rules.increment) * rules.increment);
      return { promptTokens, cachedTokens, writtenTokens: 0 };
    },
    store(prompt) {
      if (!rules.explicit) {
        prompts.push(prompt.text);
        return;
      }
      for (const prefix of breakpointPrefixes(prompt)) {
        if (countTokens(prefix) >= rules.minimumTokens) written.add(prefix);
      }
    },
  };
}

function commonPrefixLength(a: string, b: string): number {
  const limit = Math.min(a.length, b.length);
  let index = 0;
  while (index < limit && a.charCodeAt(index) === b.charCodeAt(index)) index++;
  return index;
}
