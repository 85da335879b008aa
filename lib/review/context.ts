/**
 * What each LLM call sees: risk ordering, a per-step token budget (tokens counted by `lib/llm/tokens.ts`), chunks
 * of whole files (or of hunks when one file alone is too big), and extra context lines around each hunk read from
 * the file at head.
 *
 * Big pull requests: files are ordered by risk (security-sensitive paths, then source code before config, tests
 * and docs, then more changed lines); they are packed into chunks of at most `chunkTokens` until the step's
 * `stepTokens` are spent; what does not fit is skipped and named in the summary with the reason.
 */
import { type DiffFile, type DiffLine, filePath, type Hunk } from "../diff/types.ts";
import { type PromptFile, renderFileDiff, renderHunk } from "./prompt.ts";
import type { TokenCounter } from "../llm/tokens.ts";
import { mapBounded } from "../concurrency.ts";

/** Diff tokens one LLM call may carry unless configured otherwise. */
export const DEFAULT_CHUNK_TOKENS = 24_000;
/** Diff tokens one step may spend on a pull request, over all its chunks, unless configured otherwise. */
const DEFAULT_STEP_TOKENS = 240_000;
/** Lines read from the head file above and below each hunk, beyond git's own three, unless configured. */
const DEFAULT_CONTEXT_LINES = 5;

/**
 * Unchanged lines shown above and below each change when `pipeline.context_lines` is "auto": they help the model
 * read a small change, but in a large pull request they are most of the prompt (git's 3 plus 5 read lines made
 * each step's diff 1.56× the raw diff). Up to 10 files: 4 lines (one read beyond git's); up to 100: git's 3, no
 * file reads; more: 1. Git's `@@` section heading still names the enclosing function.
 */
export function autoContextLines(reviewableFiles: number): number {
  if (reviewableFiles <= 10) return 4;
  if (reviewableFiles <= 100) return 3;
  return 1;
}
/** Files whose head version is read for extra context, riskiest first; the rest keep git's context. */
export const DEFAULT_CONTEXT_FILES = 50;

/** How much a file's review matters when the budget cannot cover everything. */
export interface FileRisk {
  /** The path names something security-sensitive (auth, crypto, sql, secrets, permissions…). */
  sensitive: boolean;
  category: "source" | "config" | "test" | "docs";
  changedLines: number;
}

const SENSITIVE =
  /(auth|crypt|cipher|secret|password|passwd|token|session|permission|acl|oauth|jwt|login|credential|security|sanitiz|escape|sql|query|migration|payment|billing|admin|webhook|signature|csrf|cors|sandbox)/i;
const TEST_PATH =
  /(^|\/)(tests?|__tests__|spec|specs|testdata|fixtures)\/|([._-](test|spec))\.\w+$|_test\.\w+$/i;
const DOCS_PATH =
  /(^|\/)docs?\/|\.(md|mdx|markdown|rst|txt|adoc|org)$|(^|\/)(README|CHANGELOG|LICENSE|NOTICE)[^/]*$/i;
const CONFIG_PATH =
  /\.(json|ya?ml|toml|ini|cfg|conf|properties|env|lock|xml|plist|gradle)$|(^|\/)(Dockerfile|Makefile|\.[\w.-]+rc)$/i;

/** The risk signals of one file. */
export function fileRisk(file: DiffFile): FileRisk {
  const path = filePath(file);
  const category = TEST_PATH.test(path)
    ? "test"
    : DOCS_PATH.test(path)
    ? "docs"
    : CONFIG_PATH.test(path)
    ? "config"
    : "source";
  return {
    sensitive: category !== "docs" && SENSITIVE.test(path),
    category,
    changedLines: file.additions + file.deletions,
  };
}

const CATEGORY_RANK: Record<FileRisk["category"], number> = { source: 0, config: 1, test: 2, docs: 3 };

/** Sorts riskiest first: sensitive paths, then source before config, tests and docs, then more changed lines. */
export function compareRisk(a: DiffFile, b: DiffFile): number {
  const left = fileRisk(a);
  const right = fileRisk(b);
  return Number(right.sensitive) - Number(left.sensitive) ||
    CATEGORY_RANK[left.category] - CATEGORY_RANK[right.category] ||
    right.changedLines - left.changedLines ||
    (filePath(a) < filePath(b) ? -1 : filePath(a) > filePath(b) ? 1 : 0);
}

/** One LLM call's share of the diff. */
export interface ReviewChunk {
  files: PromptFile[];
  /** Tokens of the rendered diff text in this chunk. */
  tokens: number;
}

/** A file, or part of one, that a step leaves out, with the reason the summary shows. */
export interface SkippedFile {
  path: string;
  reason: string;
}

export interface ChunkPlan {
  chunks: ReviewChunk[];
  skipped: SkippedFile[];
  /** Diff tokens over all chunks. */
  tokens: number;
}

export interface PlanOptions {
  countTokens: TokenCounter;
  /** Most diff tokens in one chunk (one LLM call). */
  chunkTokens?: number;
  /** Most diff tokens over all chunks of the step. */
  stepTokens?: number;
}

interface Piece {
  file: DiffFile;
  tokens: number;
}

/**
 * Splits `files` into chunks for one step. Files go in risk order; whole files share chunks (first fit) while
 * they fit `chunkTokens`; a file larger than that is split at hunk boundaries (and a single oversized hunk at
 * line boundaries), each part its own chunk. Once `stepTokens` are spent, the remaining files — or the remaining
 * hunks of a file — are skipped.
 */
export function planChunks(files: DiffFile[], options: PlanOptions): ChunkPlan {
  const chunkTokens = Math.max(1, options.chunkTokens ?? DEFAULT_CHUNK_TOKENS);
  const stepTokens = options.stepTokens ?? DEFAULT_STEP_TOKENS;
  const count = options.countTokens;
  const chunks: ReviewChunk[] = [];
  const skipped: SkippedFile[] = [];
  let spent = 0;
  const overBudget =
    `not reviewed: the step's budget of ${stepTokens} diff tokens was spent on riskier files`;

  for (const file of [...files].sort(compareRisk)) {
    const tokens = count(renderFileDiff({ file }));
    if (spent + tokens <= stepTokens && tokens <= chunkTokens) {
      const open = chunks.find((chunk) =>
        chunk.tokens + tokens <= chunkTokens && chunk.files.every((entry) => entry.part === undefined)
      );
      if (open) {
        open.files.push({ file });
        open.tokens += tokens;
      } else chunks.push({ files: [{ file }], tokens });
      spent += tokens;
      continue;
    }
    const pieces = splitFile(file, chunkTokens, count);
    const taken: Piece[] = [];
    for (const piece of pieces) {
      if (spent + piece.tokens > stepTokens) break;
      taken.push(piece);
      spent += piece.tokens;
    }
    if (taken.length === 0) {
      skipped.push({ path: filePath(file), reason: overBudget });
      continue;
    }
    if (taken.length < pieces.length) {
      const left = pieces.slice(taken.length).reduce((sum, piece) => sum + piece.file.hunks.length, 0);
      skipped.push({
        path: filePath(file),
        reason: `partly reviewed: ${left} hunk(s) over the step's budget of ${stepTokens} diff tokens`,
      });
    }
    taken.forEach((piece, index) => {
      const part = pieces.length > 1 ? { index: index + 1, count: pieces.length } : undefined;
      chunks.push({ files: [{ file: piece.file, ...(part ? { part } : {}) }], tokens: piece.tokens });
    });
  }
  return { chunks, skipped, tokens: spent };
}

/** Groups a file's hunks into pieces of at most `limit` tokens. */
function splitFile(file: DiffFile, limit: number, count: TokenCounter): Piece[] {
  const header = count(renderFileDiff({ file: { ...file, hunks: [] } }));
  const budget = Math.max(1, limit - header);
  const pieces: Piece[] = [];
  let current: Hunk[] = [];
  let currentTokens = 0;
  const flush = () => {
    if (current.length === 0) return;
    pieces.push({ file: { ...file, hunks: current }, tokens: header + currentTokens });
    current = [];
    currentTokens = 0;
  };
  for (const hunk of file.hunks) {
    for (const part of splitHunk(hunk, budget, count)) {
      const tokens = count(renderHunk(part));
      if (currentTokens + tokens > budget) flush();
      current.push(part);
      currentTokens += tokens;
    }
  }
  flush();
  return pieces;
}

/** Splits one hunk at line boundaries when it alone exceeds `limit` tokens. */
function splitHunk(hunk: Hunk, limit: number, count: TokenCounter): Hunk[] {
  if (count(renderHunk(hunk)) <= limit) return [hunk];
  const parts: Hunk[] = [];
  let lines: DiffLine[] = [];
  let tokens = 0;
  for (const line of hunk.lines) {
    const lineTokens = count(line.content) + 3;
    if (lines.length > 0 && tokens + lineTokens > limit) {
      parts.push(subHunk(hunk, lines));
      lines = [];
      tokens = 0;
    }
    lines.push(line);
    tokens += lineTokens;
  }
  if (lines.length > 0) parts.push(subHunk(hunk, lines));
  return parts;
}

/** A hunk holding `lines` of `hunk`, with a header that matches them. */
function subHunk(hunk: Hunk, lines: DiffLine[]): Hunk {
  const oldNumbers = lines.flatMap((line) => line.oldLine === undefined ? [] : [line.oldLine]);
  const newNumbers = lines.flatMap((line) => line.newLine === undefined ? [] : [line.newLine]);
  return {
    oldStart: oldNumbers[0] ?? hunk.oldStart,
    oldLines: oldNumbers.length,
    newStart: newNumbers[0] ?? hunk.newStart,
    newLines: newNumbers.length,
    header: hunk.header,
    lines,
  };
}

export interface ExpandOptions {
  /** The file at the pull request's head, or null when it cannot be read. */
  readFile(path: string): Promise<string | null>;
  /** Lines added above and below each hunk. */
  lines?: number;
  /** Most files read, riskiest first. */
  maxFiles?: number;
  /** Reads at once. */
  concurrency?: number;
  signal?: AbortSignal;
}

/**
 * Widens each hunk of modified and renamed files with up to `lines` unchanged lines above and below, read from
 * the file at head, never overlapping the neighbouring hunk. A file that cannot be read, or whose content does
 * not match the diff, keeps git's context. Returns new file objects in the input order; the input is untouched,
 * so anchoring still uses the real diff.
 */
export async function expandContext(files: DiffFile[], options: ExpandOptions): Promise<DiffFile[]> {
  const lines = options.lines ?? DEFAULT_CONTEXT_LINES;
  if (lines <= 0) return files;
  const candidates = files
    .filter((file) =>
      !file.binary && file.newPath !== null && file.hunks.length > 0 &&
      (file.status === "modified" || file.status === "renamed")
    )
    .sort(compareRisk)
    .slice(0, options.maxFiles ?? DEFAULT_CONTEXT_FILES);
  const expanded = new Map<DiffFile, DiffFile>();
  await mapBounded(candidates, options.concurrency ?? 8, async (file) => {
    if (options.signal?.aborted) return;
    let content: string | null;
    try {
      content = await options.readFile(file.newPath!);
    } catch {
      // Context is a nicety: a file the platform cannot serve is reviewed with git's context.
      return;
    }
    if (content === null) return;
    const result = widenHunks(file, content, lines);
    if (result) expanded.set(file, result);
  });
  return files.map((file) => expanded.get(file) ?? file);
}

/** `file` with widened hunks, or null when `content` does not match the diff. */
export function widenHunks(file: DiffFile, content: string, lines: number): DiffFile | null {
  const text = content.split("\n").map((line) => line.endsWith("\r") ? line.slice(0, -1) : line);
  if (text.at(-1) === "") text.pop();
  for (const hunk of file.hunks) {
    for (const line of hunk.lines) {
      if (line.newLine !== undefined && text[line.newLine - 1] !== line.content) return null;
    }
  }
  const hunks: Hunk[] = [];
  // Unchanged lines before the first hunk have the same number on both sides; each hunk shifts the rest.
  let offset = 0;
  let lastShown = 0;
  file.hunks.forEach((hunk, index) => {
    const first = hunk.newLines === 0 ? hunk.newStart + 1 : hunk.newStart;
    const last = hunk.newLines === 0 ? hunk.newStart : hunk.newStart + hunk.newLines - 1;
    const next = file.hunks[index + 1];
    const nextFirst = next === undefined
      ? text.length + 1
      : next.newLines === 0
      ? next.newStart + 1
      : next.newStart;
    const before: DiffLine[] = [];
    for (let number = Math.max(lastShown + 1, first - lines); number < first; number++) {
      before.push({
        kind: "context",
        content: text[number - 1] ?? "",
        oldLine: number + offset,
        newLine: number,
      });
    }
    const offsetAfter = offset + hunk.oldLines - hunk.newLines;
    const after: DiffLine[] = [];
    const endsWithoutNewline = hunk.lines.at(-1)?.kind === "no_newline";
    const stop = Math.min(last + lines, nextFirst - 1, text.length);
    for (let number = last + 1; !endsWithoutNewline && number <= stop; number++) {
      after.push({
        kind: "context",
        content: text[number - 1]!,
        oldLine: number + offsetAfter,
        newLine: number,
      });
    }
    lastShown = after.at(-1)?.newLine ?? last;
    hunks.push({
      oldStart: before.length > 0 ? before[0]!.oldLine! : hunk.oldStart,
      oldLines: hunk.oldLines + before.length + after.length,
      newStart: before.length > 0 ? before[0]!.newLine! : hunk.newStart,
      newLines: hunk.newLines + before.length + after.length,
      header: hunk.header,
      lines: [...before, ...hunk.lines, ...after],
    });
    offset = offsetAfter;
  });
  return { ...file, hunks };
}

/**
 * Keeps only the unchanged lines within `lines` of a change, splitting a hunk where a longer unchanged run would
 * be left out. Only the prompt is trimmed: anchoring uses the real diff, so every line a finding may name is
 * still numbered as in the pull request.
 */
export function trimContext(file: DiffFile, lines: number): DiffFile {
  const hunks = file.hunks.flatMap((hunk) => {
    const changed = hunk.lines.map((line) => line.kind === "add" || line.kind === "del");
    const distance = hunk.lines.map(() => Infinity);
    let last = -Infinity;
    hunk.lines.forEach((_, index) => {
      if (changed[index]) last = index;
      distance[index] = index - last;
    });
    last = Infinity;
    for (let index = hunk.lines.length - 1; index >= 0; index--) {
      if (changed[index]) last = index;
      distance[index] = Math.min(distance[index]!, last - index);
    }
    const parts: Hunk[] = [];
    let run: DiffLine[] = [];
    hunk.lines.forEach((line, index) => {
      // The "\ No newline" marker belongs to the line before it.
      const keep = line.kind === "no_newline" ? run.length > 0 : distance[index]! <= lines;
      if (keep) run.push(line);
      else if (run.length > 0) {
        parts.push(subHunk(hunk, run));
        run = [];
      }
    });
    if (run.length > 0) parts.push(subHunk(hunk, run));
    return parts.length === 0 ? [hunk] : parts;
  });
  return { ...file, hunks };
}
