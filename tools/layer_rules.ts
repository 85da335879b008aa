/**
 * The layer rules of ARCHITECTURE.md, read from its Floors table and applied to an import graph. The document is
 * the only copy of the rules: the checker parses it, so the prose and the check cannot drift apart.
 *
 * - "Floors": each row a floor number and the paths on it (`folder/` or a single file). A file's floor is that
 *   of the longest listed path that is the file or a folder holding it; a source file no row places is a
 *   problem, so a new top-level module must be given a floor.
 * - A file imports only files on its own floor or below. Type-only imports count. `*_test.ts(x)` files are on
 *   the top floor wherever they sit, and nothing imports them.
 *
 * There are no exceptions: the upward imports found when the rules were written down have each been removed by
 * moving the shared word down a floor, and a new one is fixed the same way.
 */
import type { ImportEdge } from "./import_graph.ts";

export interface LayerRules {
  /** Listed path (`lib/db/` or `lib/log.ts`) → floor, 0 the ground. */
  floors: Map<string, number>;
}

const TEST_FILE = /_test\.tsx?$/;

/**
 * Reads the `## Floors` table of ARCHITECTURE.md: rows whose first cell is a number, every backticked path in
 * them.
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
  return { floors };
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
    problems.push(
      `${edge.from}: imports ${edge.specifier}${
        edge.typeOnly ? " (type only)" : ""
      }, which is on floor ${to}; ` +
        `a file on floor ${from} imports only floors 0–${from} (ARCHITECTURE.md, Floors)`,
    );
  }
  return problems;
}
