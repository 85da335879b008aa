/**
 * What the parts of `selectContext` share: the head texts read once per request, the parsed changed files, the
 * index and its lookup, and cutting a line range into a candidate.
 */
import type { ChangedLines } from "./changed_lines.ts";
import type { CodeIndex } from "./code_index.ts";
import type { Definition, FileFacts } from "./extract.ts";
import type { IndexLookup, Located } from "./lookup.ts";
import type { Candidate } from "./pack.ts";

/** A changed file of the chunk, parsed from its head text. */
export interface ChangedFile {
  path: string;
  /** `languageFamily` of its language: references resolve within a family. */
  family: string;
  facts: FileFacts;
  lines: ChangedLines;
}

/** One request's state, shared by the candidate finders. */
export interface SelectionScope {
  index: CodeIndex;
  lookup: IndexLookup;
  texts: HeadTexts;
  /** Per changed path, the head lines the diff shows. */
  visible: ReadonlyMap<string, ReadonlySet<number>>;
  parsed: ChangedFile[];
  /** The parsed files' definitions by name (they replace the index's entries of those paths). */
  fresh: Map<string, Located[]>;
  /** The parsed files' language families by path. */
  families: Map<string, string>;
}

/** The parsed files' definitions by name. */
export function freshDefinitions(parsed: readonly ChangedFile[]): Map<string, Located[]> {
  const fresh = new Map<string, Located[]>();
  for (const file of parsed) {
    for (const definition of file.facts.definitions) {
      const list = fresh.get(definition.name);
      if (list) list.push({ path: file.path, definition });
      else fresh.set(definition.name, [{ path: file.path, definition }]);
    }
  }
  return fresh;
}

/** Head texts read once per request, split into lines on demand. */
export class HeadTexts {
  readonly #read: (path: string) => Promise<string | null>;
  readonly #texts = new Map<string, Promise<string | null>>();
  readonly #lines = new Map<string, string[]>();

  constructor(read: (path: string) => Promise<string | null>) {
    this.#read = read;
  }

  text(path: string): Promise<string | null> {
    let text = this.#texts.get(path);
    if (!text) {
      text = this.#read(path);
      this.#texts.set(path, text);
    }
    return text;
  }

  async lines(path: string): Promise<string[] | null> {
    const cached = this.#lines.get(path);
    if (cached) return cached;
    const text = await this.text(path);
    if (text === null) return null;
    const lines = text.replace(/\r?\n$/, "").split(/\r?\n/);
    this.#lines.set(path, lines);
    return lines;
  }
}

/** The innermost definition holding `line`, if any. */
export function innermost(definitions: readonly Definition[], line: number): Definition | undefined {
  let best: Definition | undefined;
  for (const definition of definitions) {
    if (definition.startLine > line || definition.endLine < line) continue;
    if (!best || definition.endLine - definition.startLine < best.endLine - best.startLine) best = definition;
  }
  return best;
}

/** Lines `start`…`end` of a file as a candidate, at most `limit` of them (the rest counted as cut). */
export function span(
  path: string,
  lines: readonly string[],
  start: number,
  end: number,
  limit: number,
  symbol?: string,
): Candidate {
  const last = Math.min(end, lines.length);
  const shown = Math.max(0, Math.min(last - start + 1, limit));
  return {
    kind: "definition",
    path,
    startLine: start,
    lines: lines.slice(start - 1, start - 1 + shown),
    moreLines: Math.max(0, last - start + 1 - shown),
    ...(symbol !== undefined ? { symbol } : {}),
  };
}
