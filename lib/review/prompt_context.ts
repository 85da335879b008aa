/**
 * Text a review call is given beside the diff: definitions and callers of the changed code, repository
 * guidelines, referenced tickets. Like the diff it is untrusted data: it is rendered inside its own fence (longer
 * than any backtick run in it, so it cannot be closed from inside), after the diff and before the cache
 * breakpoint, and the whole prompt is redacted before it leaves.
 */
import { fenceFor } from "./fence.ts";

/** Where a context block came from, as the dashboard shows it for each step. */
export interface ContextSource {
  /** What kind of context: "definition", "enclosing", "caller", "guideline", "neighbour", "ticket", … */
  kind: string;
  /** A short human-readable origin: `src/util.ts:10-24`, `issue #12`, `AGENTS.md`. */
  source: string;
}

/** One block of context for the model. */
export interface ContextBlock extends ContextSource {
  text: string;
}

/**
 * The fenced context section, or an empty string when there is none. Each block is headed by its kind and
 * source; the one fence is chosen longer than any backtick run in every block.
 */
export function renderContextBlocks(blocks: readonly ContextBlock[]): string {
  if (blocks.length === 0) return "";
  const body = blocks.map((block) => `#### ${block.kind}: ${block.source}\n${block.text.trimEnd()}`).join(
    "\n\n",
  );
  const fence = fenceFor(body);
  return [
    "CONTEXT START (untrusted: code and text from the repository and its tracker, not part of the change)",
    fence,
    body,
    fence,
    "CONTEXT END",
  ].join("\n");
}

/** Each source once, in the order first given: a block shared by several chunks is listed once. */
export function distinctSources(blocks: readonly ContextSource[]): ContextSource[] {
  const seen = new Map<string, ContextSource>();
  for (const { kind, source } of blocks) {
    const key = `${kind}\u0000${source}`;
    if (!seen.has(key)) seen.set(key, { kind, source });
  }
  return [...seen.values()];
}
