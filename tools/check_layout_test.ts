import assert from "node:assert/strict";
import { checkSourceLayout } from "./check_layout.ts";
import { findImportCircles } from "./import_circles.ts";
import { fileImports } from "./import_graph.ts";
import { floorOf, parseLayerRules } from "./layer_rules.ts";
import { parseDoors } from "./doors.ts";

/** A three-floor house: the database on the ground, the engine above it, entry points on top. */
function architecture(
  exceptions: string[] = [],
  doors: string[] = ["| `lib/db/` | open | the connection |"],
): string {
  return [
    "# Architecture",
    "",
    "## Floors",
    "",
    "| Floor | Paths | What |",
    "| ----- | ----- | ---- |",
    "| 0 | `lib/log.ts`, `lib/db/` | ground |",
    "| 1 | `lib/review/` | engine |",
    "| 2 | `worker/`, `main.ts` | entry points |",
    "",
    "## Temporary exceptions",
    "",
    "| File | Imports | Why |",
    "| ---- | ------- | --- |",
    ...exceptions,
    "",
    "## Folder doors",
    "",
    "| Folder | Door | What |",
    "| ------ | ---- | ---- |",
    ...doors,
    "",
    "## Something else",
    "",
    "| 9 | `lib/ignored/` | not a floor: another section |",
  ].join("\n");
}

/** A tree that follows the rules: each file imports only its own floor or lower ones. */
function cleanTree(): Map<string, string> {
  return new Map([
    ["lib/log.ts", "export const log = 1;\n"],
    ["lib/db/mod.ts", 'import { log } from "../log.ts";\nexport const db = log;\n'],
    ["lib/db/reviews.ts", 'import { db } from "./mod.ts";\nexport const reviews = db;\n'],
    ["lib/review/engine.ts", 'import { reviews } from "../db/reviews.ts";\nexport const run = reviews;\n'],
    [
      "lib/review/engine_test.ts",
      'import { run } from "./engine.ts";\nimport { main } from "../../main.ts";\n',
    ],
    ["worker/run.ts", 'import { run } from "../lib/review/engine.ts";\nexport const loop = run;\n'],
    ["main.ts", 'export const main = () => import("./worker/run.ts");\n'],
  ]);
}

Deno.test("checkSourceLayout() passes a tree that keeps to its floors", () => {
  assert.deepEqual(checkSourceLayout(cleanTree(), architecture()), []);
});

Deno.test("checkSourceLayout() fails on an upward import, naming the file, the import and the rule", () => {
  const tree = cleanTree();
  tree.set(
    "lib/db/findings.ts",
    'import type { Finding } from "../review/engine.ts";\nexport const reviews = 1;\n',
  );
  assert.deepEqual(checkSourceLayout(tree, architecture()), [
    "lib/db/findings.ts: imports ../review/engine.ts (type only), which is on floor 1; a file on floor 0 imports " +
    "only floors 0–0 (ARCHITECTURE.md, Floors)",
  ]);
});

Deno.test("checkSourceLayout() counts dynamic imports as upward imports too", () => {
  const tree = cleanTree();
  tree.set("lib/review/loader.ts", 'export const load = () => import("../../worker/run.ts");\n');
  const problems = checkSourceLayout(tree, architecture());
  assert.equal(problems.length, 1);
  assert.match(
    problems[0],
    /^lib\/review\/loader\.ts: imports \.\.\/\.\.\/worker\/run\.ts, which is on floor 2/,
  );
});

Deno.test("checkSourceLayout() refuses the `@/` alias: the project's own files are imported by relative path", () => {
  const tree = cleanTree();
  tree.set("worker/run.ts", 'import { run } from "@/lib/review/engine.ts";\nexport const loop = run;\n');
  // Split so that this file's own text holds no `@/` import for the real check to find.
  tree.set("lib/review/loader.ts", "export const load = () => import(" + '"@/lib/db/mod.ts");\n');
  assert.deepEqual(checkSourceLayout(tree, architecture()), [
    "worker/run.ts: imports @/lib/review/engine.ts; import the project's own files by relative path",
    "lib/review/loader.ts: imports @/lib/db/mod.ts; import the project's own files by relative path",
  ]);
});

Deno.test("checkSourceLayout() refuses parse-diff in production code and allows it in tests", () => {
  const tree = cleanTree();
  const text = 'import parse from "parse-diff";\nexport const p = parse;\n';
  tree.set("lib/review/diffs.ts", text);
  tree.set("lib/review/diffs_test.ts", text);
  assert.deepEqual(checkSourceLayout(tree, architecture()), [
    "lib/review/diffs.ts: imports parse-diff; production code parses diffs with lib/diff",
  ]);
});

Deno.test("checkSourceLayout() refuses a file over 500 lines in lib/ or tests/fakes/, and only there", () => {
  const tree = cleanTree();
  const long = "export const x = 1;\n".repeat(501);
  tree.set("lib/db/long.ts", long);
  tree.set("lib/db/edge.ts", "export const y = 1;\n".repeat(500));
  tree.set("worker/long.ts", long);
  assert.deepEqual(checkSourceLayout(tree, architecture()), [
    "lib/db/long.ts: 501 lines; files in lib/ and tests/fakes/ stay within 500: split it",
  ]);
});

Deno.test("checkSourceLayout() reports an import circle between files along its files", () => {
  const tree = cleanTree();
  tree.set("lib/db/mod.ts", 'import { reviews } from "./reviews.ts";\nexport const db = reviews;\n');
  tree.set("lib/db/reviews.ts", 'import { rows } from "./rows.ts";\nexport const reviews = rows;\n');
  tree.set("lib/db/rows.ts", 'import type { Db } from "./mod.ts";\nexport const rows = 1;\n');
  assert.deepEqual(checkSourceLayout(tree, architecture()), [
    "import circle: lib/db/mod.ts → lib/db/reviews.ts → lib/db/rows.ts → lib/db/mod.ts",
  ]);
});

Deno.test("checkSourceLayout() fails on a file no floor covers and on an import of a test file", () => {
  const tree = cleanTree();
  tree.set("lib/stray.ts", "export const stray = 1;\n");
  tree.set("worker/helper.ts", 'import { run } from "../lib/review/engine_test.ts";\n');
  assert.deepEqual(checkSourceLayout(tree, architecture()), [
    "lib/stray.ts: no floor in ARCHITECTURE.md covers this file; add it to the Floors table",
    "worker/helper.ts: imports ../lib/review/engine_test.ts, a test file; test files are imported by nothing",
  ]);
});

Deno.test("checkSourceLayout() has no exceptions: a row under a Temporary exceptions table lets nothing up", () => {
  const tree = cleanTree();
  tree.set(
    "lib/db/findings.ts",
    'import type { Finding } from "../review/engine.ts";\nexport const reviews = 1;\n',
  );
  const listed = "| `lib/db/findings.ts` | `lib/review/engine.ts` | the type moves down |";
  assert.deepEqual(checkSourceLayout(tree, architecture([listed])), [
    "lib/db/findings.ts: imports ../review/engine.ts (type only), which is on floor 1; a file on floor 0 imports " +
    "only floors 0–0 (ARCHITECTURE.md, Floors)",
  ]);
});

Deno.test("checkSourceLayout() keeps the file-name, private-file and island rules", () => {
  const tree = cleanTree();
  tree.set("lib/db/BadName.ts", "export const bad = 1;\n");
  tree.set("lib/db/_private.ts", "export const secret = 1;\n");
  tree.set("lib/review/leak.ts", 'import { secret } from "../db/_private.ts";\n');
  tree.set(
    "islands/Chart.tsx",
    'import { db } from "../lib/db/mod.ts";\nimport type { Row } from "../lib/db/x.ts";\n',
  );
  const layered = architecture().replace("`worker/`,", "`worker/`, `islands/`,");
  assert.deepEqual(checkSourceLayout(tree, layered), [
    "lib/db/BadName.ts: file names are snake_case",
    "lib/review/leak.ts: imports ../db/_private.ts, which is private to lib/db/",
    "islands/Chart.tsx: islands must not import server-only module ../lib/db/mod.ts",
  ]);
});

Deno.test("fileImports() reads every import form and only the project's own source files", () => {
  const text = [
    'import { a } from "./a.ts";',
    "import {",
    "  b,",
    "  type B,",
    '} from "../lib/b.ts";',
    'import type { C } from "@/lib/c.ts";',
    'export { d } from "./d.ts";',
    'export type * from "./e.ts";',
    'import "./side_effect.ts";',
    'const lazy = await import("./lazy.ts");',
    'import sql from "../migrations/0001.sql" with { type: "text" };',
    'import { z } from "zod";',
    'import assert from "node:assert/strict";',
    "const quoted = \"import { x } from './not_an_import.ts'\";",
  ].join("\n");
  assert.deepEqual(
    fileImports("tools/x.ts", text).map(({ to, typeOnly }) => `${to}${typeOnly ? " (type)" : ""}`),
    [
      "tools/a.ts",
      "lib/b.ts",
      "lib/c.ts (type)",
      "tools/d.ts",
      "tools/e.ts (type)",
      "tools/side_effect.ts",
      "tools/lazy.ts",
    ],
  );
});

Deno.test("findImportCircles() finds the shortest circle of each tangle, a self-import included", () => {
  const edge = (from: string, to: string) => ({ from, to, specifier: to, typeOnly: false });
  const circles = findImportCircles([
    edge("b.ts", "c.ts"),
    edge("c.ts", "a.ts"),
    edge("a.ts", "b.ts"),
    edge("a.ts", "d.ts"),
    edge("d.ts", "c.ts"),
    edge("e.ts", "e.ts"),
    edge("f.ts", "a.ts"),
  ]);
  assert.deepEqual(circles, [["a.ts", "b.ts", "c.ts", "a.ts"], ["e.ts", "e.ts"]]);
});

Deno.test("ARCHITECTURE.md places the ground, the queue and the entry points where the code has them", async () => {
  const rules = parseLayerRules(await Deno.readTextFile(new URL("../ARCHITECTURE.md", import.meta.url)));
  assert.equal(floorOf(rules, "lib/db/sql.ts"), 0);
  assert.equal(floorOf(rules, "lib/diff/parse.ts"), 0);
  assert.ok(floorOf(rules, "lib/queue/claim.ts")! > floorOf(rules, "lib/db/sql.ts")!);
  assert.ok(floorOf(rules, "lib/review/engine.ts")! > floorOf(rules, "lib/queue/claim.ts")!);
  assert.equal(floorOf(rules, "routes/index.tsx"), Math.max(...rules.floors.values()));
});

Deno.test("checkSourceLayout() holds a sealed folder to its mod.ts and every mod.ts to a row", () => {
  const sealed = architecture([], ["| `lib/db/` | sealed | the connection |"]);
  assert.deepEqual(checkSourceLayout(cleanTree(), sealed), [
    "lib/review/engine.ts: imports ../db/reviews.ts, inside the sealed folder lib/db/; import its mod.ts " +
    "(ARCHITECTURE.md, Folder doors)",
  ]);
  // Through the mod.ts it passes; a test file may look inside.
  const tree = cleanTree();
  tree.set(
    "lib/db/mod.ts",
    'import { log } from "../log.ts";\nexport const db = log;\nexport const reviews = db;\n',
  );
  tree.set("lib/review/engine.ts", 'import { reviews } from "../db/mod.ts";\nexport const run = reviews;\n');
  tree.set("lib/review/engine_test.ts", 'import { reviews } from "../db/reviews.ts";\n');
  assert.deepEqual(checkSourceLayout(tree, sealed), []);
  // Open, the same side import is fine.
  assert.deepEqual(checkSourceLayout(cleanTree(), architecture()), []);
  // A mod.ts without a row, and a row without a mod.ts, are both refused.
  tree.set("lib/review/mod.ts", "export const engine = 1;\n");
  assert.deepEqual(
    checkSourceLayout(tree, architecture([], ["| `lib/db/` | sealed | x |", "| `worker/` | open | x |"])),
    [
      "lib/review/mod.ts: lib/review/ has a mod.ts but no row in ARCHITECTURE.md, Folder doors; list it as sealed " +
      "or open",
      "ARCHITECTURE.md: Folder doors lists worker/, which has no mod.ts; remove its row",
    ],
  );
});

Deno.test("ARCHITECTURE.md seals the queue, sign-in and commands folders", async () => {
  const doors = parseDoors(await Deno.readTextFile(new URL("../ARCHITECTURE.md", import.meta.url)));
  for (const folder of ["lib/queue/", "lib/auth/", "lib/commands/", "worker/tasks/"]) {
    assert.equal(doors.get(folder), "sealed", folder);
  }
  assert.equal(doors.get("lib/db/"), "open");
});
