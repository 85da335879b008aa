import assert from "node:assert/strict";
import { parseDiff } from "./parse.ts";
import { filePath } from "./types.ts";

const TESTDATA = new URL("./testdata/", import.meta.url);

async function goldenCases(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(TESTDATA)) {
    if (entry.name.endsWith(".diff")) names.push(entry.name.slice(0, -5));
  }
  return names.sort();
}

Deno.test("parseDiff() matches every golden file in testdata/", async (t) => {
  const names = await goldenCases();
  assert.ok(names.length >= 15, `expected the generated golden cases, found ${names.length}`);
  for (const name of names) {
    await t.step(name, async () => {
      // Platforms hand Loom the diff as a decoded string; decoding the same way keeps odd bytes as U+FFFD.
      const text = new TextDecoder().decode(await Deno.readFile(new URL(`${name}.diff`, TESTDATA)));
      const expected = JSON.parse(await Deno.readTextFile(new URL(`${name}.json`, TESTDATA)));
      assert.deepEqual(parseDiff(text), expected);
    });
  }
});

Deno.test("parseDiff() returns no files for empty or headerless text", () => {
  assert.deepEqual(parseDiff(""), []);
  assert.deepEqual(parseDiff("\n\n"), []);
  assert.deepEqual(parseDiff("just some words\nand more\n"), []);
});

Deno.test("parseDiff() reads bare hunks (GitHub patch field) as one file without paths", () => {
  const [file, ...rest] = parseDiff("@@ -1,2 +1,2 @@ fn\n a\n-b\n+c\n@@ -10 +10,2 @@\n x\n+y");
  assert.equal(rest.length, 0);
  assert.equal(file.oldPath, null);
  assert.equal(file.newPath, null);
  assert.equal(file.status, "modified");
  assert.equal(filePath(file), "");
  assert.equal(file.hunks.length, 2);
  assert.equal(file.hunks[0].header, "fn");
  assert.deepEqual(file.hunks[1].lines, [
    { kind: "context", content: "x", oldLine: 10, newLine: 10 },
    { kind: "add", content: "y", newLine: 11 },
  ]);
  assert.equal(file.additions, 2);
  assert.equal(file.deletions, 1);
});

Deno.test("parseDiff() keeps new-file line numbers across hunks", () => {
  const [file] = parseDiff(
    "--- a/x\n+++ b/x\n@@ -1,3 +1,4 @@\n a\n+b\n c\n d\n@@ -20,2 +21,1 @@ tail\n-e\n f\n",
  );
  const numbers = file.hunks.flatMap((hunk) => hunk.lines.map((line) => [line.oldLine, line.newLine]));
  assert.deepEqual(numbers, [[1, 1], [undefined, 2], [2, 3], [3, 4], [20, undefined], [21, 21]]);
});

Deno.test("parseDiff() accepts a diff whose every line ends in CRLF", () => {
  const [file] = parseDiff("diff --git a/x b/x\r\n--- a/x\r\n+++ b/x\r\n@@ -1 +1 @@\r\n-a\r\n+b\r\n");
  assert.equal(file.newPath, "x");
  assert.deepEqual(file.hunks[0].lines, [
    { kind: "del", content: "a", oldLine: 1, crlf: true },
    { kind: "add", content: "b", newLine: 1, crlf: true },
  ]);
});

Deno.test("parseDiff() keeps odd characters in content", () => {
  const content = "caf\u00e9 \ufffd \u{1f600} \u0000 \t\u200b";
  const [file] = parseDiff(`--- a/x\n+++ b/x\n@@ -0,0 +1 @@\n+${content}\n`);
  assert.equal(file.hunks[0].lines[0].content, content);
});

Deno.test("parseDiff() treats a blank line inside a hunk as empty context", () => {
  // Editors and mail clients strip the lone space of empty context lines; `git apply` accepts that too.
  const [file] = parseDiff("--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n");
  assert.deepEqual(file.hunks[0].lines[1], { kind: "context", content: "", oldLine: 2, newLine: 2 });
  assert.equal(file.hunks[0].lines.length, 4);
});

Deno.test("parseDiff() reads an empty hunk", () => {
  const [file] = parseDiff("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -0,0 +0,0 @@\n");
  assert.deepEqual(file.hunks, [{
    oldStart: 0,
    oldLines: 0,
    newStart: 0,
    newLines: 0,
    header: "",
    lines: [],
  }]);
});

Deno.test("parseDiff() stops a hunk that is shorter than its header claims", () => {
  const text =
    "--- a/x\n+++ b/x\n@@ -1,5 +1,5 @@\n a\n-b\n+c\ndiff --git a/y b/y\n--- a/y\n+++ b/y\n@@ -1 +1 @@\n-p\n+q\n";
  const files = parseDiff(text);
  assert.deepEqual(files.map((file) => [file.newPath, file.hunks[0].lines.length]), [["x", 3], ["y", 2]]);
});

Deno.test("parseDiff() ignores malformed hunk headers and stray lines without throwing", () => {
  const files = parseDiff(
    "diff --git a/x b/x\n@@ -a +b @@\n+not a line\n@@@ nonsense\n\\ stray\nrename from\n",
  );
  assert.equal(files.length, 1);
  assert.deepEqual(files[0].hunks, []);
  assert.equal(files[0].newPath, "x");
});

Deno.test("parseDiff() reads plain diffs with timestamps and a Binary files line", () => {
  const files = parseDiff(
    "--- old/a.txt\t2024-01-01 00:00:00 +0000\n+++ new/a.txt\t2024-01-02\n@@ -1 +1 @@\n-a\n+b\n" +
      "Binary files old/img.png and new/img.png differ\n",
  );
  assert.deepEqual(files.map((file) => [file.oldPath, file.newPath, file.binary]), [
    ["old/a.txt", "new/a.txt", false],
    ["old/img.png", "new/img.png", true],
  ]);
});

Deno.test("parseDiff() decodes quoted paths with escapes and octal UTF-8", () => {
  const [file] = parseDiff(
    'diff --git "a/x \\"y\\"\\t\\303\\251" "b/x \\"y\\"\\t\\303\\251"\nnew file mode 100755\n',
  );
  assert.equal(file.newPath, 'x "y"\t\u00e9');
  assert.equal(file.status, "added");
  assert.equal(file.newMode, "100755");
});

Deno.test("parseDiff() prefers rename lines over the ambiguous diff --git line", () => {
  const [file] = parseDiff(
    "diff --git a/a b/c b/d b/e\nsimilarity index 100%\nrename from a b/c\nrename to d b/e\n",
  );
  assert.deepEqual([file.oldPath, file.newPath, file.status, file.similarity], [
    "a b/c",
    "d b/e",
    "renamed",
    100,
  ]);
});
