/**
 * OpenAI's o200k token counts, loaded on first use: a worker that reviews only with Anthropic or Google models,
 * or has not reviewed yet, never holds the vocabulary.
 */
import { O200K_TOKEN_SPLIT_REGEX } from "gpt-tokenizer/encodingParams/constants";
import { type BpeCounter, createBpeCounter, parseTiktokenRanks } from "./bpe_counter.ts";

/** `gpt-tokenizer` ships the vocabulary as a tiktoken rank file next to its code. */
const O200K_RANKS = "gpt-tokenizer/data/o200k_base.tiktoken";

let loading: Promise<BpeCounter> | undefined;

/** The o200k counter, read once per process; concurrent callers share the one read. */
export function loadO200kCounter(): Promise<BpeCounter> {
  loading ??= (async () => {
    const file = await Deno.readFile(new URL(import.meta.resolve(O200K_RANKS)));
    return createBpeCounter(parseTiktokenRanks(file), O200K_TOKEN_SPLIT_REGEX);
  })().catch((error) => {
    // A failed read is not cached, so the next review tries again.
    loading = undefined;
    throw new Error(`Cannot load the o200k tokenizer vocabulary (${O200K_RANKS}): ${error.message}`, {
      cause: error,
    });
  });
  return loading;
}
