/**
 * The layer rules of ARCHITECTURE.md, read from its two tables and applied to an import graph. The document is
 * the only copy of the rules: the checker parses it, so the prose and the check cannot drift apart.
 *
 * - "Floors": each row a floor number and the paths on it (`folder/` or a single file). A file's floor is that
 *   of the longest listed path that is the file or a folder holding it; a source file no row places is a
 *   problem, so a new top-level module must be given a floor.
 * - A file imports only files on its own floor or below. Type-only imports count. `*_test.ts(x)` files are on
 *   the top floor wherever they sit, and nothing imports them.
 * - "Temporary exceptions": each row a file and the upward imports it is still allowed. An exception that no
 *   longer matches an import is itself a problem, and the list may not grow past `EXCEPTION_CEILING`, so it
 *   can only shrink.
 */
import type { ImportEdge } from "./import_graph.ts";

/** The exceptions listed on the day the rules were written down; lower it as rows go, never raise it. */
export const EXCEPTION_CEILING = 1;

export interface LayerRules {
  /** Listed path (`lib/db/` or `lib/log.ts`) → floor, 0 the ground. */
  floors: Map<string, number>;
  /** `file → imported file` pairs allowed to go up. */
  exceptions: Set<string>;
}

const TEST_FILE = /_test\.tsx?$/;

/**
 * Reads the two tables of ARCHITECTURE.md: rows of `## Floors` whose first cell is a number, every backticked
 * path in them; rows of `## Temporary exceptions`, the backticked file of the first cell and each backticked
 * import of the second.
 * @param markdown the text of ARCHITECTURE.md
 */
export function parseLayerRules(markdown: string): LayerRules {
  const floors = new Map<string, number>();
  for (const row of tableRows(markdown, "Floors")) {
    const floor = Number(row[0]);
    if (!Number.isInteger(floor)) continue;
    for (const path of backticked(row.slice(1).join("|"))) {
      if (floors.has(path)) throw new Error(`ARCHITECTURE.md places ${path} on two floors`);
      floors.set(path, floor);
    }
  }
  if (floors.size === 0) throw new Error("ARCHITECTURE.md has no `## Floors` table with numbered rows");
  const exceptions = new Set<string>();
  for (const row of tableRows(markdown, "Temporary exceptions")) {
    const [file] = backticked(row[0] ?? "");
    if (file === undefined) continue;
    for (const target of backticked(row[1] ?? "")) exceptions.add(`${file} → ${target}`);
  }
  return { floors, exceptions };
}

/** The cells of each table row under the `## <heading>` section, header and separator rows left out. */
function tableRows(markdown: string, heading: string): string[][] {
  const rows: string[][] = [];
  let inside = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("## ")) inside = line.slice(3).trim() === heading;
    else if (inside && line.trimStart().startsWith("|") && !/^\s*\|[\s|:-]+\|\s*$/.test(line)) {
      rows.push(line.trim().replace(/^\||\|$/g, "").split("|").map((cell) => cell.trim()));
    }
  }
  return rows.slice(1);
}

function backticked(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((match) => match[1]);
}

/**
 * The floor of a file, or `undefined` when no listed path covers it.
 * @param path relative to the repository root
 */
export function floorOf(rules: LayerRules, path: string): number | undefined {
  if (TEST_FILE.test(path)) return Math.max(...rules.floors.values());
  let best: string | undefined;
  for (const listed of rules.floors.keys()) {
    const covers = listed.endsWith("/") ? path.startsWith(listed) : path === listed;
    if (covers && (best === undefined || listed.length > best.length)) best = listed;
  }
  return best === undefined ? undefined : rules.floors.get(best);
}

/**
 * Every broken layer rule of a tree, one sentence each naming the file, the import and the rule.
 * @param paths every source file of the tree
 * @param edges the imports between them
 */
export function checkLayerRules(
  rules: LayerRules,
  paths: readonly string[],
  edges: readonly ImportEdge[],
): string[] {
  const problems: string[] = [];
  for (const path of paths) {
    if (floorOf(rules, path) === undefined) {
      problems.push(`${path}: no floor in ARCHITECTURE.md covers this file; add it to the Floors table`);
    }
  }
  const usedExceptions = new Set<string>();
  for (const edge of edges) {
    if (TEST_FILE.test(edge.to)) {
      problems.push(
        `${edge.from}: imports ${edge.specifier}, a test file; test files are imported by nothing`,
      );
      continue;
    }
    const from = floorOf(rules, edge.from);
    const to = floorOf(rules, edge.to);
    if (from === undefined || to === undefined || to <= from) continue;
    const pair = `${edge.from} → ${edge.to}`;
    if (rules.exceptions.has(pair)) {
      usedExceptions.add(pair);
      continue;
    }
    problems.push(
      `${edge.from}: imports ${edge.specifier}${
        edge.typeOnly ? " (type only)" : ""
      }, which is on floor ${to}; ` +
        `a file on floor ${from} imports only floors 0–${from} (ARCHITECTURE.md, Floors)`,
    );
  }
  for (const pair of rules.exceptions) {
    if (!usedExceptions.has(pair)) {
      problems.push(
        `ARCHITECTURE.md: the exception ${pair} matches no upward import any more; remove its row`,
      );
    }
  }
  if (rules.exceptions.size > EXCEPTION_CEILING) {
    problems.push(
      `ARCHITECTURE.md: ${rules.exceptions.size} temporary exceptions, more than the ${EXCEPTION_CEILING} ` +
        "allowed; the list only shrinks (move the shared word down a floor instead)",
    );
  }
  return problems;
}
