import assert from "node:assert/strict";
import { lineCode, walkHunks } from "./_diff.ts";

Deno.test("lineCode() matches the line_code GitLab recorded in a real note payload", async () => {
  const note = JSON.parse(
    await Deno.readTextFile(new URL("./testdata/comment-commit-event.json", import.meta.url)),
  );
  const { st_diff: stDiff, line_code: expected } = note.object_attributes;
  const [line] = walkHunks(stDiff.diff.split("\n").slice(2).join("\n"));
  assert.equal(await lineCode(stDiff.new_path, line), expected);
});

Deno.test("walkHunks() numbers lines with GitLab's running counters across hunks", () => {
  const diff = "@@ -1,2 +1,2 @@\n-a\n+b\n c\n@@ -10,2 +10,3 @@\n d\n+e\n e2\n\\ No newline at end of file\n";
  assert.deepEqual(walkHunks(diff), [
    { type: "old", oldLine: 1, newLine: 1 },
    { type: "new", oldLine: 2, newLine: 1 },
    { type: null, oldLine: 2, newLine: 2 },
    { type: null, oldLine: 10, newLine: 10 },
    { type: "new", oldLine: 11, newLine: 11 },
    { type: null, oldLine: 11, newLine: 12 },
  ]);
});
