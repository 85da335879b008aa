/**
 * Code context for a review's model calls (`PipelineInput.contextFor`): for each chunk of the diff, the blocks
 * `selectContext` picks from the head commit's code index (`code_index_source.ts`) — definitions the changed
 * lines use, enclosing scopes, callers, guidelines, neighbours — packed into `context.max_share` of the call's
 * diff budget (`chunkTokens`: 0.4 × 24,000 = 9,600 tokens by default). Guarantees:
 * - the same chunk gets the same blocks, computed once: every step over that chunk shares them, so the calls'
 *   prompt prefix (diff and context) stays byte-identical and is served from the provider's prompt cache;
 * - the index is obtained once per review, on the first call that needs it, and nothing is downloaded when the
 *   configuration turns every kind off (`context: false`) or no llm step runs;
 * - context never fails a review: when the index or the selection fails, calls get what could be found (or
 *   none), and `coverage().note` says why, for the summary;
 * - blocks are passed as they are: `renderContextBlocks` fences them as untrusted data and the prompt is redacted
 *   before it leaves (`prompt_context.ts`, `redact.ts`).
 */
import type { ContextOptions } from "../config/schema.ts";
import { type DiffFile, filePath } from "../diff/types.ts";
import type { TokenCounter } from "../llm/tokens.ts";
import { type CodeContextBlock, selectContext } from "../codebase/mod.ts";
import { DEFAULT_CHUNK_TOKENS } from "./context.ts";
import { type CodeIndexSourceInput, obtainCodeIndex, type ObtainedIndex } from "./code_index_source.ts";
import type { PromptFile } from "./prompt.ts";
import type { ContextBlock } from "./prompt_context.ts";

/** What the summary's coverage line says about the context given. */
export interface CodeContextCoverage {
  /** Distinct blocks given over all calls. */
  blocks: number;
  /** Their tokens (each distinct block once). */
  tokens: number;
  /** Candidates the budget left out, summed over the review's chunks. */
  omittedBlocks: number;
  omittedTokens: number;
  /** Why the context is less than the repository could give (index unavailable or incomplete). */
  note?: string;
}

export interface CodeContext {
  contextFor(chunk: { files: readonly PromptFile[]; countTokens: TokenCounter }): Promise<ContextBlock[]>;
  /** What was given so far; undefined when no call asked. */
  coverage(): CodeContextCoverage | undefined;
}

export interface CodeContextInput extends Omit<CodeIndexSourceInput, "readHeadFile"> {
  options: ContextOptions;
  /** The diff budget of one call (`PipelineInput.chunkTokens`); default 24,000. */
  chunkTokens?: number;
  /** Head text of a file; memoised here, so the index and every selection read a file once. */
  readHeadFile(path: string): Promise<string | null>;
}

/** True when the configuration asks for any kind of context. */
export function wantsCodeContext(options: ContextOptions): boolean {
  return options.symbols || options.callers || options.guidelines;
}

/** The review's code context, or undefined when the configuration turns it off. */
export function createCodeContext(input: CodeContextInput): CodeContext | undefined {
  if (!wantsCodeContext(input.options)) return undefined;
  const texts = new Map<string, Promise<string | null>>();
  const readHeadFile = (path: string) => {
    let text = texts.get(path);
    if (text === undefined) {
      text = input.readHeadFile(path);
      texts.set(path, text);
    }
    return text;
  };
  let obtained: Promise<ObtainedIndex | null> | undefined;
  let indexNote: string | undefined;
  const selections = new Map<
    string,
    Promise<{ blocks: CodeContextBlock[]; omitted: { blocks: number; tokens: number } }>
  >();
  const given = new Map<string, number>();
  let omittedBlocks = 0;
  let omittedTokens = 0;
  let selectionNote: string | undefined;
  const budgetTokens = Math.floor(input.options.max_share * (input.chunkTokens ?? DEFAULT_CHUNK_TOKENS));

  const select = async (files: readonly DiffFile[], countTokens: TokenCounter) => {
    obtained ??= obtainCodeIndex({ ...input, readHeadFile }).then((result) => {
      indexNote = result.note;
      return result;
    }, (error) => {
      input.signal.throwIfAborted();
      indexNote = `the repository index was unavailable (${describe(error)})`;
      input.log.warn("Cannot build a code index, giving no code context", {
        repo: input.ref.repo,
        error: describe(error),
      });
      return null;
    });
    const result = await obtained;
    if (result === null) return { blocks: [], omitted: { blocks: 0, tokens: 0 } };
    const index = result.index;
    try {
      const selection = await selectContext({
        index,
        files,
        readFile: readHeadFile,
        budgetTokens,
        countTokens,
        options: {
          symbols: input.options.symbols,
          callers: input.options.callers,
          guidelines: input.options.guidelines,
        },
      });
      for (const block of selection.blocks) given.set(`${block.kind}\u0000${block.source}`, block.tokens);
      omittedBlocks += selection.omitted.blocks;
      omittedTokens += selection.omitted.tokens;
      return selection;
    } catch (error) {
      input.signal.throwIfAborted();
      input.log.warn("Cannot select code context for a chunk", {
        repo: input.ref.repo,
        error: describe(error),
      });
      selectionNote = `context could not be selected for part of the diff (${describe(error)})`;
      return { blocks: [], omitted: { blocks: 0, tokens: 0 } };
    }
  };

  return {
    async contextFor({ files, countTokens }) {
      // A file split over chunks appears in each with its own hunks: the key is the hunks, not only the paths.
      const key = JSON.stringify(files.map(({ file, part }) => [
        filePath(file),
        part?.index ?? 0,
        file.hunks.map((hunk) => [hunk.newStart, hunk.newLines, hunk.oldStart, hunk.oldLines]),
      ]));
      let selection = selections.get(key);
      if (selection === undefined) {
        selection = select(files.map((entry) => entry.file), countTokens);
        selections.set(key, selection);
      }
      const { blocks } = await selection;
      return blocks.map(({ kind, source, text }) => ({ kind, source, text }));
    },
    coverage() {
      if (obtained === undefined) return undefined;
      const note = [indexNote, selectionNote].filter((part) => part !== undefined).join("; ") || undefined;
      return {
        blocks: given.size,
        tokens: [...given.values()].reduce((sum, tokens) => sum + tokens, 0),
        omittedBlocks,
        omittedTokens,
        ...(note === undefined ? {} : { note }),
      };
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
