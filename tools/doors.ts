/**
 * The folder doors of ARCHITECTURE.md ("## Folder doors"), read from its table and applied to an import graph.
 * Every folder that has a `mod.ts` is listed as `sealed` or `open`, so a new `mod.ts` comes with a decision:
 * - `sealed`: the `mod.ts` is the folder's public face. A file outside the folder imports its `mod.ts` and no
 *   other file in it; test files (`*_test.ts`) and the test and benchmark trees (`tests/`, `bench/`), which
 *   look inside on purpose, are the only exception.
 * - `open`: the folder's files are imported one by one, by the file that defines the word; its `mod.ts` is an
 *   ordinary file of it (the entry functions its table row names), not a list every import must go through.
 */
import type { ImportEdge } from "./import_graph.ts";

export type Door = "sealed" | "open";

/** Listed folder (`lib/queue/`) → its door. */
export function parseDoors(markdown: string): Map<string, Door> {
  const doors = new Map<string, Door>();
  let inside = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("## ")) inside = line.slice(3).trim() === "Folder doors";
    if (!inside || !line.trimStart().startsWith("|")) continue;
    const [folderCell = "", doorCell = ""] = line.trim().replace(/^\||\|$/g, "").split("|").map((cell) =>
      cell.trim()
    );
    const folder = folderCell.match(/^`([^`]+\/)`$/)?.[1];
    if (folder === undefined) continue;
    if (doorCell !== "sealed" && doorCell !== "open") {
      throw new Error(`ARCHITECTURE.md, Folder doors: ${folder} is "${doorCell}", not sealed or open`);
    }
    doors.set(folder, doorCell);
  }
  return doors;
}

const LOOKS_INSIDE = /(_test\.tsx?$|^tests\/|^bench\/)/;

/**
 * Every broken door rule, one sentence each.
 * @param paths every source file of the tree
 * @param edges the imports between them
 */
export function checkDoors(
  doors: ReadonlyMap<string, Door>,
  paths: readonly string[],
  edges: readonly ImportEdge[],
): string[] {
  const problems: string[] = [];
  const withMod = new Set(paths.filter((path) => path.endsWith("/mod.ts")).map((path) => path.slice(0, -6)));
  for (const folder of withMod) {
    if (!doors.has(folder)) {
      problems.push(
        `${folder}mod.ts: ${folder} has a mod.ts but no row in ARCHITECTURE.md, Folder doors; ` +
          "list it as sealed or open",
      );
    }
  }
  for (const folder of doors.keys()) {
    if (!withMod.has(folder)) {
      problems.push(`ARCHITECTURE.md: Folder doors lists ${folder}, which has no mod.ts; remove its row`);
    }
  }
  const sealed = [...doors].filter(([, door]) => door === "sealed").map(([folder]) => folder);
  for (const edge of edges) {
    if (LOOKS_INSIDE.test(edge.from)) continue;
    // The innermost sealed folder holding the imported file and not the importing one.
    const folder = sealed.filter((path) => edge.to.startsWith(path) && !edge.from.startsWith(path))
      .sort((a, b) => b.length - a.length)[0];
    if (folder === undefined || edge.to === `${folder}mod.ts`) continue;
    problems.push(
      `${edge.from}: imports ${edge.specifier}, inside the sealed folder ${folder}; ` +
        `import its mod.ts (ARCHITECTURE.md, Folder doors)`,
    );
  }
  return problems;
}
