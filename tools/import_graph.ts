/**
 * The imports between the project's own source files, read from their text with regular expressions (no type
 * checker, no module resolution beyond `./`, `../` and the `@/` alias of deno.json). Static, side-effect,
 * re-export and dynamic `import("…")` forms count; type-only imports count too and are marked as such. Imports of
 * packages (`npm:`, `node:`, bare names) and of data files (`.sql`, `.md`, `.json`) are not edges.
 *
 * A regular expression rather than `deno info --json`: the whole tree (≈700 files) is read in well under a
 * second, where `deno info` resolves every npm package first and takes several seconds on a cold cache.
 */
import { posix } from "node:path";

/** One import from a source file to another source file, both as paths relative to the repository root. */
export interface ImportEdge {
  from: string;
  to: string;
  /** The specifier as written, for messages. */
  specifier: string;
  /** `import type …` or `export type … from`: erased when compiled. */
  typeOnly: boolean;
}

// `import … from "x"`, `import type … from "x"`, `export … from "x"`, spanning lines; the statement must start a
// line so that an import quoted inside a string or comment is not read.
const STATIC_IMPORT = /(?:^|\n)[ \t]*(?:import|export)\s+(type\s+)?[^'"`;]*?\bfrom\s+["']([^"']+)["']/g;
const SIDE_EFFECT_IMPORT = /(?:^|\n)[ \t]*import\s+["']([^"']+)["']/g;
const DYNAMIC_IMPORT = /\bimport\(\s*["']([^"']+)["']\s*[,)]/g;
const SOURCE_FILE = /\.(ts|tsx|js|jsx|mjs)$/;

/**
 * The repository path a specifier names, or `undefined` for packages and data files.
 * @param from the importing file, relative to the root
 * @param specifier as written
 */
export function resolveSpecifier(from: string, specifier: string): string | undefined {
  let target: string;
  if (specifier.startsWith("./") || specifier.startsWith("../")) {
    target = posix.normalize(posix.join(posix.dirname(from), specifier));
  } else if (specifier.startsWith("@/")) {
    target = posix.normalize(specifier.slice(2));
  } else {
    return undefined;
  }
  return SOURCE_FILE.test(target) ? target : undefined;
}

/**
 * The imports of one file onto other source files, in the order written.
 * @param path the file, relative to the root
 * @param text its contents
 */
export function fileImports(path: string, text: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const { specifier, typeOnly } of importSpecifiers(text)) {
    const to = resolveSpecifier(path, specifier);
    if (to !== undefined) edges.push({ from: path, to, specifier, typeOnly });
  }
  return edges;
}

/**
 * Every specifier a file imports, packages and data files included, in the order written.
 * @param text the file's contents
 */
export function importSpecifiers(text: string): { specifier: string; typeOnly: boolean }[] {
  const found: { index: number; specifier: string; typeOnly: boolean }[] = [];
  for (const match of text.matchAll(STATIC_IMPORT)) {
    found.push({ index: match.index, specifier: match[2], typeOnly: match[1] !== undefined });
  }
  for (const match of text.matchAll(SIDE_EFFECT_IMPORT)) {
    found.push({ index: match.index, specifier: match[1], typeOnly: false });
  }
  for (const match of text.matchAll(DYNAMIC_IMPORT)) {
    found.push({ index: match.index, specifier: match[1], typeOnly: false });
  }
  found.sort((left, right) => left.index - right.index);
  return found.map(({ specifier, typeOnly }) => ({ specifier, typeOnly }));
}

/**
 * Every import between source files of a tree.
 * @param files path (relative to the root) → contents
 */
export function importGraph(files: ReadonlyMap<string, string>): ImportEdge[] {
  return [...files].flatMap(([path, text]) => fileImports(path, text));
}
