/**
 * The types around the change that no changed line names: the types the enclosing functions mention (`for (Loan
 * loan : active)` above a changed line), then the types the given definitions mention (a changed line calls
 * `listOrders`, whose signature returns `Order[]`, whose `status` is an `OrderStatus`), up to `TYPE_HOPS` steps
 * away. A model checking a changed line against the shape of its values needs these, but less surely than what
 * the line itself uses, so they rank after the callers.
 */
import { fullyVisible } from "./changed_lines.ts";
import type { Definition, Reference } from "./extract.ts";
import { languageFamily } from "./languages.ts";
import type { Located } from "./lookup.ts";
import type { Candidate } from "./pack.ts";
import { DEFINITION_LINES, definitionSpan, resolveName } from "./select_code.ts";
import { type ChangedFile, innermost, type SelectionScope } from "./select_shared.ts";

/** Steps from a given definition to the types it mentions: 2 reach a field's type through a return type. */
export const TYPE_HOPS = 2;
/** Related types given at most per request; each costs a parse of its file when that is not parsed yet. */
export const RELATED_TYPES = 40;

const TYPE_KINDS = new Set(["class", "interface", "type", "struct", "enum", "record", "trait"]);

/** True when the repository (or a changed file) defines a type called `name`. */
function typeNamed(scope: SelectionScope, name: string): boolean {
  const defined = (located: Located) => TYPE_KINDS.has(located.definition.kind);
  return (scope.lookup.definitions.get(name) ?? []).some(defined) ||
    (scope.fresh.get(name) ?? []).some(defined);
}

function key(located: Located): string {
  return `${located.path}:${located.definition.startLine}:${located.definition.name}`;
}

/** A file to resolve names from: a parsed changed file, or an unparsed one read by words. */
type FileView = ChangedFile & { words?: (start: number, end: number) => string[] };

/** A word that can name a definition in any of the languages read. */
const WORD = /[A-Za-z_$][A-Za-z0-9_$]*/g;

/**
 * A repository file as the resolver needs it, without parsing it: its index entry gives its imports, and the
 * names in a line range are read as words (a type's name in a comment resolves to that type: harmless).
 */
async function fileView(scope: SelectionScope, path: string): Promise<FileView | null> {
  const parsed = scope.parsed.find((file) => file.path === path);
  if (parsed) return parsed;
  const entry = scope.index.files[path];
  const lines = entry ? await scope.texts.lines(path) : null;
  if (!entry || !lines) return null;
  const references: Reference[] = [];
  return {
    path,
    family: languageFamily(entry.language),
    facts: { definitions: entry.definitions, calls: entry.calls, references, imports: entry.imports },
    lines: { hunks: [], changed: new Set<number>(), visible: new Set<number>() },
    words: (start: number, end: number) => {
      const names: string[] = [];
      for (let line = start; line <= Math.min(end, lines.length); line++) {
        for (const match of lines[line - 1].matchAll(WORD)) names.push(match[0]);
      }
      return names;
    },
  };
}

/** The type definitions named between `start` and `end` of `file`, in order of first mention. */
function typesNamed(
  scope: SelectionScope,
  file: FileView,
  start: number,
  end: number,
): Located[] {
  const names = new Set<string>(file.words?.(start, end));
  // References are in document order: find the first at `start` by bisection, read on to `end`.
  const references = file.facts.references;
  let low = 0;
  let high = references.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (references[middle].line < start) low = middle + 1;
    else high = middle;
  }
  for (let at = low; at < references.length && references[at].line <= end; at++) {
    names.add(references[at].name);
  }
  // Most names in a function are locals and calls: only a name some type is called is resolved.
  return [...names].filter((name) => typeNamed(scope, name)).flatMap((name) =>
    resolveName(scope, file, name).filter((located) => TYPE_KINDS.has(located.definition.kind))
  );
}

/**
 * The related types of a selection, nearest first: those the enclosing functions of the changed lines mention,
 * then those mentioned by `used` (the definitions the changed lines use) and by the functions the enclosing
 * functions call, then by those types, `TYPE_HOPS` steps deep. The called functions themselves are not given.
 */
export async function relatedTypeCandidates(
  scope: SelectionScope,
  used: readonly Located[],
): Promise<Candidate[]> {
  const seen = new Set(used.map(key));
  const found: Located[] = [];
  const changedLines = new Map(scope.parsed.map((file) => [file.path, [...file.lines.changed]]));
  // A type around a changed line is the enclosing scope, given (by its head) as such.
  const encloses = ({ path, definition }: Located) =>
    (changedLines.get(path) ?? []).some((line) => line >= definition.startLine && line <= definition.endLine);
  const take = (located: Located): boolean => {
    if (seen.has(key(located)) || found.length >= RELATED_TYPES || encloses(located)) return false;
    seen.add(key(located));
    found.push(located);
    return true;
  };
  // Functions the enclosing functions call outside the changed lines: `cfg := config.Load()` above a changed
  // `cfg.Timeout` makes Load's result type (Config) the type of the changed line's value.
  const called: Located[] = [];
  for (const file of scope.parsed) {
    const enclosing = new Set<Definition>();
    for (const line of file.lines.changed) {
      const inner = innermost(file.facts.definitions, line);
      if (inner) enclosing.add(inner);
    }
    for (const definition of [...enclosing].sort((a, b) => a.startLine - b.startLine)) {
      for (const located of typesNamed(scope, file, definition.startLine, definition.endLine)) {
        if (located.path !== file.path || !file.lines.changed.has(located.definition.startLine)) {
          take(located);
        }
      }
      const callees = new Set(
        file.facts.calls.filter((call) =>
          call.line >= definition.startLine && call.line <= definition.endLine &&
          !file.lines.changed.has(call.line)
        ).map((call) => call.callee),
      );
      for (const callee of callees) called.push(...resolveName(scope, file, callee));
    }
  }
  let frontier: Located[] = [...used, ...called.filter((located) => !seen.has(key(located)))];
  for (let hop = 0; hop < TYPE_HOPS && frontier.length > 0; hop++) {
    const next: Located[] = [];
    for (const located of frontier) {
      const file = await fileView(scope, located.path);
      if (!file) continue;
      const { startLine, endLine } = located.definition;
      for (
        const type of typesNamed(scope, file, startLine, Math.min(endLine, startLine + DEFINITION_LINES - 1))
      ) {
        if (take(type)) next.push(type);
      }
    }
    frontier = next;
  }
  const candidates: Candidate[] = [];
  for (const { path, definition } of found) {
    const shown = scope.visible.get(path);
    if (shown && fullyVisible(shown, definition.startLine, definition.endLine)) continue;
    const candidate = await definitionSpan(scope, path, definition, "definition");
    if (candidate) candidates.push(candidate);
  }
  return candidates;
}
