import assert from "node:assert/strict";
import fc from "fast-check";
import { diffFile, diffLikeText } from "./_arbitrary.ts";
import { formatDiff } from "./format.ts";
import { parseDiff } from "./parse.ts";

const TESTDATA = new URL("./testdata/", import.meta.url);

Deno.test("formatDiff() renders git's own text for plain cases", () => {
  const text = [
    "diff --git a/src/a.ts b/src/a.ts",
    "old mode 100644",
    "new mode 100755",
    "--- a/src/a.ts",
    "+++ b/src/a.ts",
    "@@ -1,2 +1 @@ fn()",
    " keep",
    "-drop",
    "\\ No newline at end of file",
    "diff --git a/x y.txt b/x y.txt",
    "new file mode 100644",
    "--- /dev/null",
    "+++ b/x y.txt\t",
    "@@ -0,0 +1 @@",
    "+new\r",
    'diff --git a/old.txt "b/caf\\303\\251.txt"',
    "similarity index 100%",
    "rename from old.txt",
    'rename to "caf\\303\\251.txt"',
    "",
  ].join("\n");
  assert.equal(formatDiff(parseDiff(text)), text);
});

Deno.test("formatDiff() of parsed golden files parses back to the same files", async () => {
  for await (const entry of Deno.readDir(TESTDATA)) {
    if (!entry.name.endsWith(".diff")) continue;
    const text = new TextDecoder().decode(await Deno.readFile(new URL(entry.name, TESTDATA)));
    const files = parseDiff(text).filter((file) => !file.combined);
    assert.deepEqual(parseDiff(formatDiff(files)), files, entry.name);
  }
});

Deno.test("formatDiff() returns an empty string for no files", () => {
  assert.equal(formatDiff([]), "");
});

Deno.test("parseDiff() reads back whatever formatDiff() writes (property)", () => {
  fc.assert(
    fc.property(fc.array(diffFile, { maxLength: 4 }), (files) => {
      assert.deepEqual(parseDiff(formatDiff(files)), files);
    }),
    { numRuns: 500 },
  );
});

Deno.test("parseDiff() never throws and keeps its counts consistent on arbitrary text (property)", () => {
  fc.assert(
    fc.property(fc.oneof(diffLikeText, fc.string({ unit: "binary" })), (text) => {
      for (const file of parseDiff(text)) {
        const lines = file.hunks.flatMap((hunk) => hunk.lines);
        assert.equal(file.additions, lines.filter((line) => line.kind === "add").length);
        assert.equal(file.deletions, lines.filter((line) => line.kind === "del").length);
        assert.ok(file.binary ? file.hunks.length === 0 || !file.combined : true);
        assert.ok(["added", "deleted", "modified", "renamed", "copied"].includes(file.status));
        // Whatever was parsed renders and parses again without throwing.
        parseDiff(formatDiff([file]));
      }
    }),
    { numRuns: 2000 },
  );
});
