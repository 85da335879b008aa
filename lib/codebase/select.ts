/**
 * The context a review call gets for the changed hunks of a chunk, ranked and packed into its token budget:
 * the definitions the changed lines use (found elsewhere in the repository), the function or class around each
 * hunk, the callers of the changed functions, the guideline files that govern the changed files, and the
 * outlines of the files they import. The same request always gives the same blocks, in the same order: the
 * review's prompt prefix must be byte-identical across calls for prompt caching.
 */
import type { DiffFile } from "../diff/types.ts";
import { changedLinesOf, fullyVisible } from "./changed_lines.ts";
import { type CodeIndex, MAX_FILE_CHARS } from "./code_index.ts";
import { type Definition, extractFacts, type FileFacts } from "./extract.ts";
import { guidelinesFor } from "./guidelines.ts";
import { languageFamily, type LanguageId, languageOf } from "./languages.ts";
import { importedPaths, lookupOf } from "./lookup.ts";
import { type Candidate, type ContextSelection, packCandidates } from "./pack.ts";
import { callerCandidates, definitionCandidates } from "./select_code.ts";
import { relatedTypeCandidates } from "./select_related.ts";
import {
  type ChangedFile,
  freshDefinitions,
  HeadTexts,
  innermost,
  type SelectionScope,
  span,
} from "./select_shared.ts";

/** What a review call asks for. */
export interface ContextRequest {
  index: CodeIndex;
  /** The chunk's changed files (head line numbers). */
  files: readonly DiffFile[];
  /** Head text of any repository file, null when there is none. */
  readFile(path: string): Promise<string | null>;
  budgetTokens: number;
  countTokens(text: string): number;
  /** Which kinds to give; each defaults to true. `symbols` covers definitions, enclosing scopes and neighbours. */
  options?: { symbols?: boolean; callers?: boolean; guidelines?: boolean };
}

/** An enclosing function longer than this is given by its first lines: the diff already shows the hunk. */
export const ENCLOSING_LINES = 80;
/** The class around a changed method is given by its head (name, fields), not its other methods. */
export const CONTAINER_HEAD_LINES = 12;
/** Imported files outlined per changed file. */
export const NEIGHBOURS_PER_FILE = 3;
/** Definitions listed in one outline. */
export const OUTLINE_DEFINITIONS = 40;

/**
 * The changed files' facts, kept per index (a chunk is asked for again by each step of a review, and by a
 * caller fitting the budget) for the last `PARSED_KEPT` files: the same path with the same text is not parsed
 * twice.
 */
const parsedCache = new WeakMap<CodeIndex, Map<string, { text: string; facts: FileFacts }>>();
export const PARSED_KEPT = 600;

async function parsedFacts(
  index: CodeIndex,
  path: string,
  language: LanguageId,
  text: string,
): Promise<FileFacts> {
  let cache = parsedCache.get(index);
  if (!cache) {
    cache = new Map();
    parsedCache.set(index, cache);
  }
  const kept = cache.get(path);
  if (kept && kept.text === text) return kept.facts;
  const facts = await extractFacts(language, text);
  cache.delete(path);
  cache.set(path, { text, facts });
  if (cache.size > PARSED_KEPT) cache.delete(cache.keys().next().value!);
  return facts;
}

/** Selects and packs the context of `request.files`; see the module comment for the ranking. */
export async function selectContext(request: ContextRequest): Promise<ContextSelection> {
  const symbols = request.options?.symbols ?? true;
  const callers = request.options?.callers ?? true;
  const guidelines = request.options?.guidelines ?? true;
  const texts = new HeadTexts(request.readFile);
  const changed = request.files.filter((file) =>
    file.newPath !== null && file.status !== "deleted" && !file.binary
  );
  const visible = new Map<string, ReadonlySet<number>>();
  for (const file of changed) visible.set(file.newPath!, changedLinesOf(file).visible);

  const parsed: ChangedFile[] = [];
  if (symbols || callers) {
    for (const file of changed) {
      const path = file.newPath!;
      const language = languageOf(path);
      const text = language ? await texts.text(path) : null;
      if (!language || text === null || text.length > MAX_FILE_CHARS) continue;
      const facts: FileFacts = await parsedFacts(request.index, path, language, text);
      parsed.push({ path, family: languageFamily(language), facts, lines: changedLinesOf(file) });
    }
  }

  const lookup = lookupOf(request.index);
  const scope: SelectionScope = {
    index: request.index,
    lookup,
    texts,
    visible,
    parsed,
    fresh: freshDefinitions(parsed),
    families: new Map(parsed.map((file) => [file.path, file.family])),
  };
  const ranked: Candidate[][] = [];
  const definitions = symbols ? await definitionCandidates(scope) : { candidates: [], used: [] };
  ranked.push(definitions.candidates);
  ranked.push(symbols ? await enclosingCandidates(texts, parsed) : []);
  ranked.push(callers ? await callerCandidates(scope) : []);
  ranked.push(symbols ? await relatedTypeCandidates(scope, definitions.used) : []);
  ranked.push(guidelines ? await guidelineCandidates(request.index, changed, texts) : []);
  ranked.push(symbols ? await neighbourCandidates(scope) : []);
  const kept = withoutRepeats(ranked.flat(), visible);
  return packCandidates(kept, request.budgetTokens, request.countTokens);
}

/** For each hunk, the function or class around its changed lines, then the head of the class around that. */
async function enclosingCandidates(texts: HeadTexts, parsed: readonly ChangedFile[]): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  for (const file of parsed) {
    const lines = await texts.lines(file.path);
    if (!lines) continue;
    const seen = new Set<Definition>();
    for (const hunk of file.lines.hunks) {
      for (const line of hunk) {
        const inner = innermost(file.facts.definitions, line);
        if (!inner || seen.has(inner)) continue;
        seen.add(inner);
        candidates.push(span(file.path, lines, inner.startLine, inner.endLine, ENCLOSING_LINES, inner.name));
        const outer = file.facts.definitions.filter((definition) =>
          definition !== inner && definition.startLine <= inner.startLine &&
          definition.endLine >= inner.endLine
        );
        const container = innermost(outer, inner.startLine);
        if (container && !seen.has(container)) {
          seen.add(container);
          candidates.push(
            span(
              file.path,
              lines,
              container.startLine,
              container.endLine,
              CONTAINER_HEAD_LINES,
              container.name,
            ),
          );
        }
      }
    }
  }
  return candidates.map((candidate) => ({ ...candidate, kind: "enclosing" }));
}

async function guidelineCandidates(
  index: CodeIndex,
  changed: readonly DiffFile[],
  texts: HeadTexts,
): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  for (const path of guidelinesFor(changed.map((file) => file.newPath!), index.guidelines)) {
    const lines = await texts.lines(path);
    if (lines && lines.some((line) => line.trim() !== "")) {
      candidates.push({ kind: "guideline", path, startLine: 1, lines, wholeFile: true });
    }
  }
  return candidates;
}

/** Outlines (top-level definitions, one line each) of the files each changed file imports. */
async function neighbourCandidates(
  scope: SelectionScope,
): Promise<Candidate[]> {
  const changedPaths = new Set(scope.parsed.map((file) => file.path));
  const candidates: Candidate[] = [];
  for (const file of scope.parsed) {
    const imported = [...importedPaths(scope.lookup, file.path, file.facts.imports)]
      .filter((path) => !changedPaths.has(path)).sort().slice(0, NEIGHBOURS_PER_FILE);
    for (const path of imported) {
      const lines = await scope.texts.lines(path);
      const definitions = scope.index.files[path]?.definitions ?? [];
      // Top level: not inside another definition of the file (a C# namespace or a Rust impl is not one).
      const named = new Set(definitions.map((definition) => definition.name));
      const outline = definitions.filter((definition) =>
        definition.container === undefined || !named.has(definition.container)
      ).slice(0, OUTLINE_DEFINITIONS);
      if (!lines || outline.length === 0) continue;
      candidates.push({
        kind: "neighbour",
        path,
        startLine: outline[0].startLine,
        lines: outline.map((definition) =>
          `${definition.startLine}: ${(lines[definition.startLine - 1] ?? "").trim()}`
        ),
        lineNumbers: outline.map((definition) => definition.startLine),
      });
    }
  }
  return candidates;
}

/**
 * Drops a candidate whose lines an earlier (better-ranked) candidate already covers, or the diff already shows
 * in full; outlines and guidelines are compared by path alone.
 */
function withoutRepeats(candidates: readonly Candidate[], visible: ReadonlyMap<string, ReadonlySet<number>>) {
  const covered = new Map<string, Array<[number, number]>>();
  const kept: Candidate[] = [];
  for (const candidate of candidates) {
    // The lines shown, not the whole definition: a class cut at its 60th line does not show a method below it.
    const end = candidate.lineNumbers?.at(-1) ?? candidate.startLine + candidate.lines.length - 1;
    const outline = candidate.kind === "neighbour" || candidate.kind === "guideline";
    const key = outline ? `${candidate.kind}\u0000${candidate.path}` : candidate.path;
    const ranges = covered.get(key) ?? [];
    if (ranges.some(([start, stop]) => start <= candidate.startLine && stop >= end)) continue;
    const shown = visible.get(candidate.path);
    if (!outline && shown && fullyVisible(shown, candidate.startLine, end)) continue;
    ranges.push([candidate.startLine, end]);
    covered.set(key, ranges);
    kept.push(candidate);
  }
  return kept;
}
