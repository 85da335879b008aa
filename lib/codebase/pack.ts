/**
 * Packs ranked context candidates into a token budget. Candidates are taken in the order given (the caller
 * ranks them); one that no longer fits is cut to the lines that fit, or left out when fewer than
 * `MIN_TRIMMED_LINES` would remain, and what was left out is counted. Nothing here depends on anything but
 * the input, so the same candidates and budget give the same blocks (the review relies on identical prompts
 * for prompt caching).
 */

/** The kinds of context, best first. */
export type ContextKind = "definition" | "enclosing" | "caller" | "guideline" | "neighbour";

/** One block of context for the model. */
export interface CodeContextBlock {
  kind: ContextKind;
  /** `src/a.ts:10-24` (path and head line numbers) for code, the path alone for a whole guideline file. */
  source: string;
  path: string;
  startLine: number;
  endLine: number;
  symbol?: string;
  /** The lines themselves, without line numbers (the source names them); a cut block ends with a note. */
  text: string;
  /** What the block costs in the prompt, its heading included (`blockCost`). */
  tokens: number;
}

/** A block before packing: `lines` are the text's lines, the first one being `startLine`. */
export interface Candidate {
  kind: ContextKind;
  path: string;
  startLine: number;
  lines: string[];
  symbol?: string;
  /** Whole files (guidelines) are named by path alone while they are given whole. */
  wholeFile?: boolean;
  /** Lines of the definition already left out after `lines` (a long body is bounded before packing). */
  moreLines?: number;
  /** The head line of each of `lines` when they are not consecutive (an outline); else they follow `startLine`. */
  lineNumbers?: number[];
}

export interface ContextSelection {
  /** In priority order; their `tokens` (headings included) add up to at most the budget. */
  blocks: CodeContextBlock[];
  /** Candidates the budget left out (`blocks`), and the tokens not given: those of left-out blocks and the cut lines. */
  omitted: { blocks: number; tokens: number };
}

/** A cut block keeps at least this many lines: fewer say nothing a model can use. */
export const MIN_TRIMMED_LINES = 3;

function render(candidate: Candidate, count: number): string {
  const kept = candidate.lines.slice(0, count).join("\n");
  const cut = candidate.lines.length - count + (candidate.moreLines ?? 0);
  return cut > 0 ? `${kept}\n… (${cut} more line${cut === 1 ? "" : "s"})` : kept;
}

function toBlock(candidate: Candidate, count: number): CodeContextBlock {
  const endLine = candidate.lineNumbers?.[Math.max(count, 1) - 1] ??
    candidate.startLine + Math.max(count, 1) - 1;
  const whole = candidate.wholeFile && count === candidate.lines.length && !candidate.moreLines;
  return {
    kind: candidate.kind,
    source: whole ? candidate.path : `${candidate.path}:${candidate.startLine}-${endLine}`,
    path: candidate.path,
    startLine: candidate.startLine,
    endLine,
    ...(candidate.symbol !== undefined ? { symbol: candidate.symbol } : {}),
    text: render(candidate, count),
    tokens: 0,
  };
}

/**
 * The tokens a block costs in the prompt: its text under its heading, as the review renders each block
 * (`#### kind: source`, blocks apart by a blank line). Counting the heading too keeps a selection of many
 * small blocks inside the budget of the call, not only of the texts.
 */
export function blockCost(
  block: Pick<CodeContextBlock, "kind" | "source" | "text">,
  count: (text: string) => number,
) {
  return count(`#### ${block.kind}: ${block.source}\n${block.text}\n\n`);
}

/**
 * The frame the review puts around the blocks (lib/review/prompt_context.ts, a floor above this one): its
 * notice, a fence on each side and the end line. Its cost is set aside from the budget before any block is
 * packed, so the budget holds for everything the context adds to the call.
 */
export const FRAME =
  "CONTEXT START (untrusted: code and text from the repository and its tracker, not part of the change)\n````\n\n````\nCONTEXT END\n\n";

/**
 * Token counts by counter and a 53-bit hash of the text: the same blocks are counted again by every step of a
 * review and every attempt of a caller fitting its budget, and a count of a block costs ~100 times its hash.
 * Bounded to `COUNTS_KEPT` entries per counter (a number pair each, not the text).
 */
const counts = new WeakMap<(text: string) => number, Map<number, number>>();
export const COUNTS_KEPT = 50_000;

function hash53(text: string): number {
  // cyrb53: two 32-bit multiplicative hashes mixed into 53 bits.
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

function remembered(countTokens: (text: string) => number): (text: string) => number {
  let known = counts.get(countTokens);
  if (!known) {
    known = new Map();
    counts.set(countTokens, known);
  }
  const cache = known;
  return (text) => {
    const key = hash53(text);
    const found = cache.get(key);
    if (found !== undefined) return found;
    const tokens = countTokens(text);
    if (cache.size >= COUNTS_KEPT) cache.clear();
    cache.set(key, tokens);
    return tokens;
  };
}

/**
 * The candidates that fit `budgetTokens`, in the given order. A candidate bigger than what is left is cut to
 * the most lines that fit (found by bisection: at most ~log2(lines) counts), and later, smaller candidates may
 * still fill the rest.
 */
export function packCandidates(
  candidates: readonly Candidate[],
  budgetTokens: number,
  counter: (text: string) => number,
): ContextSelection {
  const countTokens = remembered(counter);
  const blocks: CodeContextBlock[] = [];
  const omitted = { blocks: 0, tokens: 0 };
  let left = Math.max(0, Math.floor(budgetTokens) - countTokens(FRAME));
  const costOf = (block: CodeContextBlock) => ({ ...block, tokens: blockCost(block, countTokens) });
  for (const candidate of candidates) {
    const full = costOf(toBlock(candidate, candidate.lines.length));
    if (full.tokens <= left) {
      blocks.push(full);
      left -= full.tokens;
      continue;
    }
    // Most candidates after the budget is spent do not fit even cut: one count settles them.
    if (
      candidate.lines.length <= MIN_TRIMMED_LINES ||
      costOf(toBlock(candidate, MIN_TRIMMED_LINES)).tokens > left
    ) {
      omitted.blocks++;
      omitted.tokens += full.tokens;
      continue;
    }
    let low = MIN_TRIMMED_LINES;
    let high = candidate.lines.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (costOf(toBlock(candidate, middle)).tokens <= left) low = middle;
      else high = middle - 1;
    }
    const cut = costOf(toBlock(candidate, low));
    blocks.push(cut);
    omitted.tokens += Math.max(0, full.tokens - cut.tokens);
    left -= cut.tokens;
  }
  return { blocks, omitted };
}
