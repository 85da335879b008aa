import assert from "node:assert/strict";
import fc from "fast-check";
import { diffFile } from "./_arbitrary.ts";
import { formatDiff } from "./format.ts";
import { createLineMap } from "./line_map.ts";
import { parseDiff } from "./parse.ts";

// Two hunks: old 3..7 / new 3..8, and old 30..32 / new 31..32 (one deletion), plus a pure-deletion hunk.
const DIFF = [
  "diff --git a/f.ts b/f.ts",
  "--- a/f.ts",
  "+++ b/f.ts",
  "@@ -3,5 +3,6 @@ function f() {",
  " c3",
  " c4",
  "-d5",
  "+a5",
  "+a6",
  " c6",
  " c7",
  "@@ -30,3 +31,2 @@",
  " c30",
  "-d31",
  " c32",
  "@@ -50,2 +50,0 @@",
  "-d50",
  "-d51",
  "",
].join("\n");

Deno.test("createLineMap() answers RIGHT for added and context new-file lines only", () => {
  const map = createLineMap(parseDiff(DIFF)[0]);
  const shown = [];
  for (let line = 0; line <= 60; line++) if (map.has("RIGHT", line)) shown.push(line);
  assert.deepEqual(shown, [3, 4, 5, 6, 7, 8, 31, 32]);
  assert.equal(map.lineAt("RIGHT", 5)?.kind, "add");
  assert.equal(map.lineAt("RIGHT", 7)?.content, "c6");
});

Deno.test("createLineMap() answers LEFT for deleted and context old-file lines only", () => {
  const map = createLineMap(parseDiff(DIFF)[0]);
  const shown = [];
  for (let line = 0; line <= 60; line++) if (map.has("LEFT", line)) shown.push(line);
  assert.deepEqual(shown, [3, 4, 5, 6, 7, 30, 31, 32, 50, 51]);
  assert.equal(map.lineAt("LEFT", 5)?.content, "d5");
});

Deno.test("createLineMap() names the hunk that contains a line", () => {
  const map = createLineMap(parseDiff(DIFF)[0]);
  assert.equal(map.hunkIndex("RIGHT", 8), 0);
  assert.equal(map.hunkIndex("RIGHT", 31), 1);
  assert.equal(map.hunkIndex("RIGHT", 20), -1);
  assert.equal(map.hunkIndex("LEFT", 51), 2);
  assert.deepEqual(map.hunkRange(1, "RIGHT"), { start: 31, end: 32 });
  assert.equal(map.hunkRange(2, "RIGHT"), null);
  assert.equal(map.hunkRange(9, "LEFT"), null);
});

Deno.test("createLineMap() gives GitHub legacy positions counting later @@ lines", () => {
  const map = createLineMap(parseDiff(DIFF)[0]);
  // Patch lines below the first @@: c3=1 c4=2 d5=3 a5=4 a6=5 c6=6 c7=7 @@=8 c30=9 d31=10 c32=11 @@=12 d50=13 d51=14
  assert.equal(map.position("RIGHT", 3), 1);
  assert.equal(map.position("LEFT", 5), 3);
  assert.equal(map.position("RIGHT", 5), 4);
  assert.equal(map.position("RIGHT", 8), 7);
  assert.equal(map.position("LEFT", 30), 9);
  assert.equal(map.position("RIGHT", 31), 9);
  assert.equal(map.position("LEFT", 31), 10);
  assert.equal(map.position("RIGHT", 32), 11);
  assert.equal(map.position("LEFT", 51), 14);
  assert.equal(map.position("RIGHT", 9), undefined);
});

Deno.test("createLineMap() counts a no-newline marker as a patch line", () => {
  const [file] = parseDiff(
    "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n@@ -9 +9 @@\n-c\n+d\n",
  );
  const map = createLineMap(file);
  assert.equal(map.position("RIGHT", 1), 3);
  assert.equal(map.position("LEFT", 9), 5);
});

Deno.test("createLineMap() clamps a range to the first hunk it intersects", () => {
  const map = createLineMap(parseDiff(DIFF)[0]);
  assert.deepEqual(map.firstOverlap("RIGHT", 6, 40), { hunk: 0, start: 6, end: 8 });
  assert.deepEqual(map.firstOverlap("RIGHT", 1, 4), { hunk: 0, start: 3, end: 4 });
  assert.deepEqual(map.firstOverlap("RIGHT", 10, 40), { hunk: 1, start: 31, end: 32 });
  assert.deepEqual(map.firstOverlap("LEFT", 49, 49), null);
  assert.deepEqual(map.firstOverlap("LEFT", 33, 60), { hunk: 2, start: 50, end: 51 });
  assert.equal(map.firstOverlap("RIGHT", 9, 30), null);
  assert.equal(map.firstOverlap("RIGHT", 8, 3), null);
});

Deno.test("createLineMap() finds lines in hunks listed out of order", () => {
  const [file] = parseDiff("--- a/x\n+++ b/x\n@@ -40 +40 @@\n-z\n+y\n@@ -1 +1 @@\n-a\n+b\n");
  const map = createLineMap(file);
  assert.equal(map.hunkIndex("RIGHT", 40), 0);
  assert.equal(map.hunkIndex("RIGHT", 1), 1);
  assert.deepEqual(map.firstOverlap("RIGHT", 1, 50), { hunk: 1, start: 1, end: 1 });
});

Deno.test("createLineMap() answers nothing for a file without hunks", () => {
  const [file] = parseDiff("diff --git a/x b/x\nold mode 100644\nnew mode 100755\n");
  const map = createLineMap(file);
  assert.equal(map.has("RIGHT", 1), false);
  assert.equal(map.position("LEFT", 1), undefined);
  assert.equal(map.firstOverlap("RIGHT", 1, 100), null);
});

Deno.test("createLineMap() agrees with the rendered patch for every line (property)", () => {
  fc.assert(
    fc.property(diffFile.filter((file) => file.hunks.length > 0), (file) => {
      const map = createLineMap(file);
      // The patch as GitHub counts it: the lines from the first @@ header on, header itself excluded.
      const rendered = formatDiff([file]).split("\n");
      const patch = rendered.slice(rendered.findIndex((line) => line.startsWith("@@ ")));
      for (const hunk of file.hunks) {
        for (const line of hunk.lines) {
          for (const [side, number] of [["LEFT", line.oldLine], ["RIGHT", line.newLine]] as const) {
            if (number === undefined) continue;
            // Generated hunks may overlap; the map must still answer with a line that has this number.
            const found = map.lineAt(side, number);
            assert.equal(found?.[side === "LEFT" ? "oldLine" : "newLine"], number);
            const position = map.position(side, number)!;
            const text = patch[position].replace(/\r$/, "");
            assert.equal(
              text,
              (found!.kind === "add" ? "+" : found!.kind === "del" ? "-" : " ") + found!.content,
            );
          }
        }
      }
    }),
    { numRuns: 300 },
  );
});
