/**
 * The index read backwards, built once per index object and kept while the index lives: definitions by name,
 * call sites by callee, and paths by module name, so resolving a reference costs a map lookup, not a scan of
 * 5,000 files for each of a chunk's names.
 */
import type { CodeIndex } from "./code_index.ts";
import type { Definition } from "./extract.ts";
import { languageFamily } from "./languages.ts";

/** A definition and the file it is in. */
export interface Located {
  path: string;
  definition: Definition;
}

/** A call site and the file it is in. */
export interface LocatedCall {
  path: string;
  line: number;
}

export interface IndexLookup {
  definitions: Map<string, Located[]>;
  calls: Map<string, LocatedCall[]>;
  /** Lower-cased module stem suffix (`util`, `lib/util`, `models/user`) → paths. */
  modules: Map<string, string[]>;
  /** Lower-cased folder suffix → paths directly inside it (a Go or Java package). */
  folders: Map<string, string[]>;
  /** Per path, the index paths its imports resolve to; filled as asked. */
  imported: Map<string, Set<string>>;
  /** Calls made on a named receiver, by `callee` and receiver (`call\u0000ChargeSubscription`). */
  qualified: Map<string, LocatedCall[]>;
  /** Per path, its language family (`languageFamily`). */
  families: Map<string, string>;
  /** Per path, the index paths importing it; built on first use. */
  importers?: Map<string, string[]>;
}

const lookups = new WeakMap<CodeIndex, IndexLookup>();

/** File stems that name their folder: `lib/index.ts` is imported as `lib`. */
const FOLDER_STEMS = new Set(["index", "__init__", "mod", "main", "lib"]);

/** The path without its extension, and without a folder-naming last part. */
function moduleStem(path: string): string {
  const dot = path.lastIndexOf(".");
  const stem = dot > path.lastIndexOf("/") ? path.slice(0, dot) : path;
  const slash = stem.lastIndexOf("/");
  return FOLDER_STEMS.has(stem.slice(slash + 1)) && slash > 0 ? stem.slice(0, slash) : stem;
}

function addSuffixes(map: Map<string, string[]>, key: string, path: string): void {
  const parts = key.toLowerCase().split("/");
  for (let start = 0; start < parts.length; start++) {
    const suffix = parts.slice(start).join("/");
    if (suffix === "") continue;
    const paths = map.get(suffix);
    if (paths) paths.push(path);
    else map.set(suffix, [path]);
  }
}

/** The lookup of `index`, built on first use. */
export function lookupOf(index: CodeIndex): IndexLookup {
  let lookup = lookups.get(index);
  if (lookup) return lookup;
  lookup = {
    definitions: new Map(),
    calls: new Map(),
    modules: new Map(),
    folders: new Map(),
    imported: new Map(),
    families: new Map(),
    qualified: new Map(),
  };
  for (const [path, file] of Object.entries(index.files)) {
    lookup.families.set(path, languageFamily(file.language));
    for (const definition of file.definitions) {
      const list = lookup.definitions.get(definition.name);
      if (list) list.push({ path, definition });
      else lookup.definitions.set(definition.name, [{ path, definition }]);
    }
    for (const call of file.calls) {
      const list = lookup.calls.get(call.callee);
      if (list) list.push({ path, line: call.line });
      else lookup.calls.set(call.callee, [{ path, line: call.line }]);
      if (call.receiver === undefined) continue;
      const key = `${call.callee}\u0000${call.receiver}`;
      const qualified = lookup.qualified.get(key);
      if (qualified) qualified.push({ path, line: call.line });
      else lookup.qualified.set(key, [{ path, line: call.line }]);
    }
    addSuffixes(lookup.modules, moduleStem(path), path);
    const slash = path.lastIndexOf("/");
    if (slash > 0) addSuffixes(lookup.folders, path.slice(0, slash), path);
  }
  lookups.set(index, lookup);
  return lookup;
}

function normalise(parts: string[]): string | null {
  const out: string[] = [];
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(part);
  }
  return out.join("/");
}

/**
 * The index paths one import specifier of `fromPath` names. Relative specifiers (`./util.js`, `../a`, Python's
 * `.util`) are resolved from the importing file's folder and must match a whole path; package names
 * (`app.models.user`, `crate::util::helper`, `App\Models\User`, `github.com/org/repo/pkg`) match the longest
 * path suffix they share with an indexed module, then a package folder.
 */
export function resolveImport(lookup: IndexLookup, fromPath: string, specifier: string): string[] {
  const folder = fromPath.split("/").slice(0, -1);
  if (/^\.\.?\//.test(specifier)) {
    const joined = normalise([...folder, ...specifier.split("/")]);
    const found = joined === null ? [] : exact(lookup, moduleStem(joined));
    if (found.length > 0 || !fromPath.endsWith(".rs")) return found;
    // Rust: `mod keys;` in src/cache.rs is src/cache/keys.rs (in lib.rs, main.rs and mod.rs it is beside them).
    const nested = normalise([...fromPath.replace(/\.rs$/, "").split("/"), ...specifier.split("/")]);
    return nested === null ? [] : exact(lookup, moduleStem(nested));
  }
  const pythonRelative = /^(\.+)(.*)$/.exec(specifier);
  if (pythonRelative) {
    const up = pythonRelative[1].length - 1;
    if (up > folder.length) return [];
    const base = folder.slice(0, folder.length - up);
    return exact(lookup, [...base, ...pythonRelative[2].split(".")].filter((part) => part !== "").join("/"));
  }
  const parts = specifier.replace(/\.(js|ts|py|rb|php)$/, "").split(/::|\\|\/|\./).filter((part) =>
    part !== "" && part !== "crate" && part !== "self" && part !== "super" && part !== "*"
  );
  // Longest first, from either end: a Java or Rust path starts at the source root and may name up to two items
  // after the file (`com.acme.Strings.slug`); a Go, npm or C# path starts at a host, package or root namespace
  // the repository's paths do not hold (`github.com/acme/app/internal/api`, `Acme.Shop.Orders`). A last name
  // alone names a folder only: as a file (`List` of `java.util.List`) it would name too many.
  for (let length = parts.length; length > 0; length--) {
    const prefix = parts.slice(0, length).join("/").toLowerCase();
    const suffix = parts.slice(parts.length - length).join("/").toLowerCase();
    // A path shortened by more than two names (a class and its member) no longer names the module it meant.
    if (length >= parts.length - 2) {
      const found = lookup.modules.get(prefix) ?? lookup.folders.get(prefix);
      if (found) return found;
    }
    const module = length > 1 || parts.length === 1 || specifier.includes("/")
      ? lookup.modules.get(suffix)
      : undefined;
    const found = module ?? lookup.folders.get(suffix);
    if (found) return found;
  }
  return [];
}

function exact(lookup: IndexLookup, stem: string): string[] {
  return (lookup.modules.get(stem.toLowerCase()) ?? []).filter((path) =>
    moduleStem(path).toLowerCase() === stem.toLowerCase()
  );
}

/** The index paths the imports of `path` resolve to, computed once per path. */
export function importedPaths(
  lookup: IndexLookup,
  path: string,
  imports: readonly string[],
): Set<string> {
  let paths = lookup.imported.get(path);
  if (!paths) {
    paths = new Set(imports.flatMap((specifier) => resolveImport(lookup, path, specifier)));
    lookup.imported.set(path, paths);
  }
  return paths;
}

/** The index paths whose imports resolve to `path`: every file's imports are resolved once per index. */
export function importersOf(lookup: IndexLookup, index: CodeIndex, path: string): string[] {
  if (!lookup.importers) {
    const importers = new Map<string, string[]>();
    for (const [from, file] of Object.entries(index.files)) {
      for (const target of importedPaths(lookup, from, file.imports)) {
        const list = importers.get(target);
        if (list) list.push(from);
        else importers.set(target, [from]);
      }
    }
    lookup.importers = importers;
  }
  return lookup.importers.get(path) ?? [];
}
