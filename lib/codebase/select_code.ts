/**
 * The code candidates of a selection: the definitions the changed lines use, and the callers of the changed
 * functions. A name is resolved in the changed file's language family only, preferring the file itself, then
 * the files it imports, then its folder; anywhere else a name counts only when the repository defines it once
 * (a `get` or `run` defined in forty places says nothing about which one the change means).
 */
import { fullyVisible } from "./changed_lines.ts";
import type { Definition } from "./extract.ts";
import { importedPaths, importersOf, type Located } from "./lookup.ts";
import type { Candidate } from "./pack.ts";
import { type ChangedFile, innermost, type SelectionScope, span } from "./select_shared.ts";

/** A definition longer than this is given by its first lines (signature, fields, the start of the body). */
export const DEFINITION_LINES = 60;
/** Definitions taken for one name from the file itself or an imported file (overloads, declaration merging). */
export const NEAR_DEFINITIONS_PER_NAME = 3;
/** Definitions taken for one name from the changed file's folder. */
export const FOLDER_DEFINITIONS_PER_NAME = 2;
/** Calling functions shown per changed function. */
export const CALLERS_PER_SYMBOL = 5;
/** Lines shown on each side of a call inside a long calling function. */
export const CALLER_WINDOW = 8;
/** Doc comments, decorators and attributes above a definition are given with it, up to this many lines. */
export const LEADING_LINES = 10;

/** Kinds whose callers are looked up: what can be called or constructed. */
const CALLABLE = new Set(["function", "method", "class", "struct", "record"]);
/** Constructors are called by their class's name. */
const CONSTRUCTORS = new Set(["constructor", "__init__", "__construct"]);

const LEADING = /^\s*(\/\/|\/\*|\*|#|@|\[|"""|''')/;

function folderOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/") + 1);
}

/** Where `located` stands from `file`: 0 the file itself, 1 a file it imports, 2 its folder, 3 elsewhere. */
function tier(scope: SelectionScope, file: ChangedFile, path: string): number {
  if (path === file.path) return 0;
  if (importedPaths(scope.lookup, file.path, file.facts.imports).has(path)) return 1;
  return folderOf(path) === folderOf(file.path) ? 2 : 3;
}

/** The answers of `definitionsNamed` for one request, by family and name. */
const namedByScope = new WeakMap<SelectionScope, Map<string, readonly Located[]>>();

/**
 * The definitions named `name` of `file`'s family: the changed files' fresh ones, the index's for the rest.
 * Answered once per request and name: every name a changed line uses is looked up from every changed file of a
 * chunk (250 files in a 500-file review), each lookup scanning the chunk's files, and a common name (`load`,
 * `get`) has a thousand definitions to sort by language.
 */
function definitionsNamed(scope: SelectionScope, family: string, name: string): readonly Located[] {
  let named = namedByScope.get(scope);
  if (!named) {
    named = new Map();
    namedByScope.set(scope, named);
  }
  const key = `${family}\u0000${name}`;
  let found = named.get(key);
  if (!found) {
    found = findDefinitionsNamed(scope, family, name);
    named.set(key, found);
  }
  return found;
}

function findDefinitionsNamed(scope: SelectionScope, family: string, name: string): Located[] {
  const found = (scope.fresh.get(name) ?? []).filter((located) =>
    scope.families.get(located.path) === family
  );
  for (const located of scope.lookup.definitions.get(name) ?? []) {
    if (!scope.families.has(located.path) && scope.lookup.families.get(located.path) === family) {
      found.push(located);
    }
  }
  return found;
}

/** The definitions a name used in `file` most likely means (see the module comment), best first. */
export function resolveName(scope: SelectionScope, file: ChangedFile, name: string): Located[] {
  const tiers: Located[][] = [[], [], [], []];
  for (const located of definitionsNamed(scope, file.family, name)) {
    tiers[tier(scope, file, located.path)].push(located);
  }
  // Only the tier given is sorted: a common name's thousand far definitions are never ordered.
  const byPlace = (a: Located, b: Located) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : a.definition.startLine - b.definition.startLine;
  if (tiers[0].length > 0) return tiers[0].sort(byPlace).slice(0, NEAR_DEFINITIONS_PER_NAME);
  if (tiers[1].length > 0) return tiers[1].sort(byPlace).slice(0, NEAR_DEFINITIONS_PER_NAME);
  if (tiers[2].length > 0) return tiers[2].sort(byPlace).slice(0, FOLDER_DEFINITIONS_PER_NAME);
  return tiers[3].length === 1 ? tiers[3] : [];
}

/** The changed lines' names in order of first use: identifiers, then callees (`x.save()` → `save`). */
function namesUsed(file: ChangedFile): string[] {
  const names = new Set<string>();
  const uses = [
    ...file.facts.references.map(({ name, line }) => ({ name, line })),
    ...file.facts.calls.map(({ callee, line }) => ({ name: callee, line })),
  ].filter(({ line }) => file.lines.changed.has(line));
  uses.sort((a, b) => a.line - b.line);
  for (const { name } of uses) names.add(name);
  return [...names];
}

/** The definitions of a file that the change touches: the innermost one at each changed line, and new heads. */
export function changedDefinitions(file: ChangedFile): Definition[] {
  const changed = new Set<Definition>();
  for (const line of [...file.lines.changed].sort((a, b) => a - b)) {
    const inner = innermost(file.facts.definitions, line);
    if (inner) changed.add(inner);
    for (const definition of file.facts.definitions) {
      if (definition.startLine === line) changed.add(definition);
    }
  }
  return [...changed].sort((a, b) => a.startLine - b.startLine || a.endLine - b.endLine);
}

/** The first line of a definition's comments, decorators and attributes right above `startLine`. */
function leadingStart(lines: readonly string[], startLine: number): number {
  let start = startLine;
  while (start > 1 && startLine - start < LEADING_LINES && LEADING.test(lines[start - 2])) start--;
  return start;
}

/** Lines `definition` spans in `lines`, with the comments, decorators and attributes right above it. */
export async function definitionSpan(
  scope: SelectionScope,
  path: string,
  definition: Definition,
  kind: Candidate["kind"],
): Promise<Candidate | null> {
  const lines = await scope.texts.lines(path);
  if (!lines) return null;
  const start = leadingStart(lines, definition.startLine);
  const candidate = span(path, lines, start, definition.endLine, DEFINITION_LINES, definition.name);
  return { ...candidate, kind };
}

/** The definitions the changed lines use, for each changed file in order, each name in order of first use. */
export async function definitionCandidates(
  scope: SelectionScope,
): Promise<{ candidates: Candidate[]; used: Located[] }> {
  const candidates: Candidate[] = [];
  const used: Located[] = [];
  for (const file of scope.parsed) {
    const own = new Set(changedDefinitions(file).map((definition) => definition.name));
    for (const name of namesUsed(file)) {
      if (own.has(name)) continue;
      for (const located of resolveName(scope, file, name)) {
        const { path, definition } = located;
        used.push(located);
        const shown = scope.visible.get(path);
        if (shown && fullyVisible(shown, definition.startLine, definition.endLine)) continue;
        const candidate = await definitionSpan(scope, path, definition, "definition");
        if (candidate) candidates.push(candidate);
      }
    }
  }
  return { candidates, used };
}

interface CallSite {
  path: string;
  line: number;
  tier: number;
}

/** The names a call of `definition` may be made on: its container, its file's name, its folder's name. */
function qualifiersOf(definition: Definition, path: string): string[] {
  const parts = path.split("/");
  const file = parts[parts.length - 1].replace(/\.[^.]*$/, "");
  const folder = parts.length > 1 ? parts[parts.length - 2] : undefined;
  return [...new Set([definition.container, file, folder].filter((name): name is string => !!name))];
}

/** The name a definition is called by: a constructor is called by its class's name. */
function calledAs(definition: Definition): string | null {
  if (CONSTRUCTORS.has(definition.name)) return definition.container ?? null;
  return CALLABLE.has(definition.kind) ? definition.name : null;
}

/**
 * The calling functions of each changed function, nearest first: the same file, files importing it, its
 * folder, then elsewhere — the last two only when the repository defines the name once, since a call of a
 * common name elsewhere is most likely a call of another function.
 */
export async function callerCandidates(scope: SelectionScope): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  for (const file of scope.parsed) {
    for (const changed of changedDefinitions(file)) {
      const name = calledAs(changed);
      if (name === null) continue;
      // One file defining the name (a class method and its instance method of the same name count as one).
      const unique = new Set(
        definitionsNamed(scope, file.family, name).map((located) => located.path),
      ).size <= 1;
      // A common name is looked up only in the file itself and the files importing it: its calls elsewhere (a
      // thousand `get`s) are not read at all.
      const calls = unique
        ? scope.lookup.calls.get(name) ?? []
        : [file.path, ...importersOf(scope.lookup, scope.index, file.path)].flatMap((path) =>
          (scope.index.files[path]?.calls ?? []).filter((call) => call.callee === name).map((call) => ({
            path,
            line: call.line,
          }))
        );
      // Calls made on the function's class, struct or module by name (`Billing::Charge.call`, `money.Add`) are
      // its calls wherever they are, however common the name.
      const qualified = new Set<string>();
      for (const receiver of qualifiersOf(changed, file.path)) {
        for (const call of scope.lookup.qualified.get(`${name}\u0000${receiver}`) ?? []) {
          qualified.add(`${call.path}\u0000${call.line}`);
          if (!unique) calls.push(call);
        }
      }
      const sites: CallSite[] = [];
      for (const call of calls) {
        if (scope.lookup.families.get(call.path) !== file.family) continue;
        if (call.path === file.path && call.line >= changed.startLine && call.line <= changed.endLine) {
          continue;
        }
        if (scope.visible.get(call.path)?.has(call.line)) continue;
        const imports = scope.index.files[call.path]?.imports ?? [];
        const near = call.path === file.path
          ? 0
          : importedPaths(scope.lookup, call.path, imports).has(file.path)
          ? 1
          : folderOf(call.path) === folderOf(file.path)
          ? 2
          : 3;
        const named = qualified.has(`${call.path}\u0000${call.line}`);
        if (near >= 2 && !unique && !named) continue;
        sites.push({ path: call.path, line: call.line, tier: named ? Math.min(near, 1) : near });
      }
      sites.sort((a, b) => a.tier - b.tier || (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line));
      const taken = new Set<string>();
      for (const site of sites) {
        if (taken.size >= CALLERS_PER_SYMBOL) break;
        const candidate = await callerSpan(scope, site, name);
        if (!candidate) continue;
        const key = `${candidate.path}:${candidate.startLine}`;
        if (taken.has(key)) continue;
        taken.add(key);
        candidates.push(candidate);
      }
    }
  }
  return candidates;
}

/** The calling function around a call, or a window of lines around the call when it is long or absent. */
async function callerSpan(scope: SelectionScope, site: CallSite, callee: string): Promise<Candidate | null> {
  const lines = await scope.texts.lines(site.path);
  if (!lines) return null;
  const fresh = scope.parsed.find((file) => file.path === site.path);
  const definitions = fresh?.facts.definitions ?? scope.index.files[site.path]?.definitions ?? [];
  const caller = innermost(definitions, site.line);
  let start = Math.max(1, site.line - 3);
  let end = site.line + 3;
  if (caller && caller.endLine - caller.startLine <= 2 * CALLER_WINDOW) {
    start = leadingStart(lines, caller.startLine);
    end = caller.endLine;
  } else if (caller) {
    start = Math.max(caller.startLine, site.line - CALLER_WINDOW);
    end = Math.min(caller.endLine, site.line + CALLER_WINDOW);
  }
  const candidate = span(site.path, lines, start, end, end - start + 1, caller?.name ?? callee);
  return { ...candidate, kind: "caller" };
}
