import assert from "node:assert/strict";
import { generateCapabilityMatrix, MATRIX_PATH, renderCapabilityMatrix } from "./gen_capabilities.ts";
import { CAPABILITY_ROWS, PLATFORM_CAPABILITIES } from "../lib/platforms/mod.ts";

Deno.test("docs/platforms/README.md is the capability matrix the adapters declare", async () => {
  const committed = await Deno.readTextFile(MATRIX_PATH);
  assert.equal(
    committed,
    await generateCapabilityMatrix(),
    "docs/platforms/README.md is stale: run `deno task gen:capabilities`",
  );
});

Deno.test("renderCapabilityMatrix() has a row per capability, a column per platform and a note per ✘", () => {
  const page = renderCapabilityMatrix();
  const table = page.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| ---"));
  assert.equal(table.length, CAPABILITY_ROWS.length + 1);
  for (const row of table) {
    assert.equal(row.split(" | ").length, Object.keys(PLATFORM_CAPABILITIES).length + 1);
  }
  for (const row of table.slice(1)) {
    for (const cell of row.split(" | ").slice(1)) {
      if (cell.startsWith("✘")) assert.match(cell, /^✘ \[\d+\]/, `a ✘ without its reason in ${row}`);
    }
  }
});
