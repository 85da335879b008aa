import assert from "node:assert/strict";
import { parseDiff } from "../diff/mod.ts";
import { anchorFindings } from "./anchor.ts";
import type { Finding } from "../findings.ts";

const FILES = parseDiff([
  "diff --git a/src/app.ts b/src/app.ts",
  "--- a/src/app.ts",
  "+++ b/src/app.ts",
  "@@ -10,4 +10,5 @@",
  " c10",
  "-d11",
  "+a11",
  "+a12",
  " c12",
  " c13",
  "@@ -40,2 +41,2 @@",
  " c40",
  "+a42",
  "-d41",
  "diff --git a/old/name.ts b/new/name.ts",
  "similarity index 90%",
  "rename from old/name.ts",
  "rename to new/name.ts",
  "--- a/old/name.ts",
  "+++ b/new/name.ts",
  "@@ -1 +1 @@",
  "-x",
  "+y",
  "diff --git a/gone.ts b/gone.ts",
  "deleted file mode 100644",
  "--- a/gone.ts",
  "+++ /dev/null",
  "@@ -1,2 +0,0 @@",
  "-g1",
  "-g2",
  "diff --git a/logo.png b/logo.png",
  "Binary files a/logo.png and b/logo.png differ",
  "diff --git a/other.ts b/old/name.ts",
  "--- a/other.ts",
  "+++ b/old/name.ts",
  "@@ -5 +5 @@",
  "-p",
  "+q",
  "",
].join("\n"));

function finding(overrides: Partial<Finding>): Finding {
  return {
    path: "src/app.ts",
    line: 11,
    side: "RIGHT",
    severity: "warning",
    title: "Title",
    body: "Body",
    step: "llm",
    ...overrides,
  };
}

Deno.test("anchorFindings() keeps findings on added and context lines inline", () => {
  const findings = [
    finding({ line: 10 }),
    finding({ line: 11 }),
    finding({ line: 14 }),
    finding({ line: 42 }),
  ];
  const result = anchorFindings(findings, FILES);
  assert.deepEqual(result.inline, findings);
  assert.deepEqual(result.unanchored, []);
});

Deno.test("anchorFindings() moves lines outside the hunks to unanchored", () => {
  const findings = [finding({ line: 9 }), finding({ line: 15 }), finding({ line: 41, side: "RIGHT" })];
  const result = anchorFindings(findings, FILES);
  assert.deepEqual(result.inline, [finding({ line: 41 })]);
  assert.deepEqual(result.unanchored, [finding({ line: 9 }), finding({ line: 15 })]);
});

Deno.test("anchorFindings() checks LEFT findings against deleted and context old lines", () => {
  const left = [finding({ side: "LEFT", line: 11 }), finding({ side: "LEFT", line: 41 })];
  const outside = [finding({ side: "LEFT", line: 14 }), finding({ side: "LEFT", line: 42 })];
  const result = anchorFindings([...left, ...outside], FILES);
  assert.deepEqual(result.inline, left);
  assert.deepEqual(result.unanchored, outside);
});

Deno.test("anchorFindings() clamps a range to the hunk containing its first line", () => {
  const result = anchorFindings([finding({ line: 12, endLine: 30 })], FILES);
  assert.deepEqual(result.inline, [finding({ line: 12, endLine: 14 })]);
});

Deno.test("anchorFindings() anchors a range that starts before the diff to its first intersecting hunk", () => {
  const result = anchorFindings(
    [
      finding({ line: 2, endLine: 11 }),
      finding({ line: 20, endLine: 60 }),
      finding({ line: 1, endLine: 10 }),
    ],
    FILES,
  );
  assert.deepEqual(result.inline, [
    finding({ line: 10, endLine: 11 }),
    finding({ line: 41, endLine: 42 }),
    finding({ line: 10 }),
  ]);
});

Deno.test("anchorFindings() moves the suggestion of a clamped range into the body", () => {
  const result = anchorFindings([finding({ line: 12, endLine: 30, suggestion: "a ```b``` c" })], FILES);
  assert.equal(result.inline.length, 1);
  const [anchored] = result.inline;
  assert.equal(anchored.suggestion, undefined);
  assert.equal(anchored.body, "Body\n\nSuggested replacement for lines 12-30:\n\n````\na ```b``` c\n````");
  const kept = anchorFindings([finding({ line: 11, endLine: 12, suggestion: "z" })], FILES).inline[0];
  assert.equal(kept.suggestion, "z");
  assert.equal(kept.body, "Body");
});

Deno.test("anchorFindings() treats an empty or reversed range as a single line", () => {
  const result = anchorFindings(
    [finding({ line: 11, endLine: 11 }), finding({ line: 12, endLine: 3 })],
    FILES,
  );
  assert.deepEqual(result.inline, [finding({ line: 11 }), finding({ line: 12 })]);
});

Deno.test("anchorFindings() never anchors binary files or RIGHT lines of deleted files", () => {
  const findings = [
    finding({ path: "logo.png", line: 1 }),
    finding({ path: "gone.ts", line: 1 }),
    finding({ path: "missing.ts", line: 1 }),
    finding({ line: 0 }),
    finding({ line: 10.5 }),
  ];
  const result = anchorFindings(findings, FILES);
  assert.deepEqual(result.inline, []);
  assert.deepEqual(result.unanchored, findings);
  const left = finding({ path: "gone.ts", line: 2, side: "LEFT" });
  assert.deepEqual(anchorFindings([left], FILES).inline, [left]);
});

Deno.test("anchorFindings() matches a new path before an old path of a renamed file", () => {
  // "old/name.ts" is both the old path of the rename and the new path of a later file: the new path wins.
  const result = anchorFindings([finding({ path: "old/name.ts", line: 5 })], FILES);
  assert.deepEqual(result.inline, [finding({ path: "old/name.ts", line: 5 })]);
  const onNew = anchorFindings([finding({ path: "new/name.ts", line: 1 })], FILES);
  assert.deepEqual(onNew.inline, [finding({ path: "new/name.ts", line: 1 })]);
});

Deno.test("anchorFindings() accepts the old path of a renamed file and reports the new one", () => {
  const files = parseDiff(
    "diff --git a/a.ts b/b.ts\nrename from a.ts\nrename to b.ts\n--- a/a.ts\n+++ b/b.ts\n@@ -1 +1 @@\n-x\n+y\n",
  );
  const result = anchorFindings(
    [finding({ path: "a.ts", line: 1 }), finding({ path: "./b.ts", line: 1 })],
    files,
  );
  assert.deepEqual(result.inline, [finding({ path: "b.ts", line: 1 }), finding({ path: "b.ts", line: 1 })]);
});

Deno.test("anchorFindings() anchors thousands of findings against one file", () => {
  const lines = Array.from({ length: 5000 }, (_, index) => `+line ${index + 1}`).join("\n");
  const files = parseDiff(`--- /dev/null\n+++ b/big.ts\n@@ -0,0 +1,5000 @@\n${lines}\n`);
  const findings = Array.from({ length: 6000 }, (_, index) => finding({ path: "big.ts", line: index + 1 }));
  const result = anchorFindings(findings, files);
  assert.equal(result.inline.length, 5000);
  assert.equal(result.unanchored.length, 1000);
  assert.equal(result.unanchored[0].line, 5001);
});
