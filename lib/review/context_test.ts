import assert from "node:assert/strict";
import fc from "fast-check";
import { parseDiff } from "../diff/parse.ts";
import { type DiffFile, filePath } from "../diff/types.ts";
import { makeGitDiff } from "../../tests/fakes/git_diff.ts";
import { compareRisk, expandContext, fileRisk, planChunks, widenHunks } from "./context.ts";
import { estimateTokens } from "../llm/tokens.ts";

function lines(count: number, label = "line"): string {
  return Array.from({ length: count }, (_, index) => `${label} ${index + 1}`).join("\n") + "\n";
}

/** A modified file whose head changes every `every`-th of `count` lines, so it has many separate hunks. */
function scatteredEdit(count: number, every: number): { base: string; head: string } {
  const base = Array.from({ length: count }, (_, index) => `const value${index} = ${index};`);
  const head = base.map((line, index) => index % every === 0 ? line.replace("=", "= 1 +") : line);
  return { base: base.join("\n") + "\n", head: head.join("\n") + "\n" };
}

function syntheticFile(path: string, added: number): DiffFile {
  return {
    oldPath: null,
    newPath: path,
    status: "added",
    binary: false,
    hunks: [{
      oldStart: 0,
      oldLines: 0,
      newStart: 1,
      newLines: added,
      header: "",
      lines: Array.from({ length: added }, (_, index) => ({
        kind: "add" as const,
        content: `line ${index + 1} of ${path}`,
        newLine: index + 1,
      })),
    }],
    additions: added,
    deletions: 0,
  };
}

/** Every reviewed diff line as `path|kind|old|new|content`. */
function lineKeys(files: DiffFile[]): string[] {
  return files.flatMap((file) =>
    file.hunks.flatMap((hunk) =>
      hunk.lines.map((line) =>
        `${filePath(file)}|${line.kind}|${line.oldLine}|${line.newLine}|${line.content}`
      )
    )
  );
}

Deno.test("compareRisk() puts sensitive paths, then source, config, tests and docs, bigger changes first", () => {
  const files = [
    syntheticFile("docs/guide.md", 50),
    syntheticFile("src/util.ts", 3),
    syntheticFile("tests/util_test.ts", 40),
    syntheticFile("deploy/config.yaml", 30),
    syntheticFile("src/server.ts", 20),
    syntheticFile("src/auth/session.ts", 1),
    syntheticFile("lib/db/sql.ts", 2),
  ];
  assert.deepEqual(files.sort(compareRisk).map(filePath), [
    "lib/db/sql.ts",
    "src/auth/session.ts",
    "src/server.ts",
    "src/util.ts",
    "deploy/config.yaml",
    "tests/util_test.ts",
    "docs/guide.md",
  ]);
  assert.deepEqual(fileRisk(syntheticFile("docs/auth.md", 2)), {
    sensitive: false,
    category: "docs",
    changedLines: 2,
  });
});

Deno.test("planChunks() packs whole files into shared chunks within the chunk budget", () => {
  const files = Array.from({ length: 10 }, (_, index) => syntheticFile(`src/file${index}.ts`, 10));
  const plan = planChunks(files, { countTokens: estimateTokens, chunkTokens: 400 });
  assert.ok(plan.chunks.length > 1 && plan.chunks.length < files.length);
  for (const chunk of plan.chunks) {
    assert.ok(chunk.tokens <= 400);
    assert.ok(chunk.files.every((entry) => entry.part === undefined));
  }
  assert.equal(plan.chunks.flatMap((chunk) => chunk.files).length, 10);
  assert.deepEqual(plan.skipped, []);
});

Deno.test("planChunks() splits a file larger than a chunk by hunks and numbers the parts", async () => {
  const edit = scatteredEdit(400, 20);
  const [file] = parseDiff((await makeGitDiff({ "src/big.ts": edit })).diff);
  assert.ok(file!.hunks.length >= 10);
  const plan = planChunks([file!], { countTokens: estimateTokens, chunkTokens: 200 });
  assert.ok(plan.chunks.length > 1);
  plan.chunks.forEach((chunk, index) => {
    assert.equal(chunk.files.length, 1);
    assert.deepEqual(chunk.files[0]!.part, { index: index + 1, count: plan.chunks.length });
    assert.ok(chunk.tokens <= 200, `chunk ${index} has ${chunk.tokens} tokens`);
  });
  assert.deepEqual(lineKeys(plan.chunks.map((chunk) => chunk.files[0]!.file)), lineKeys([file!]));
});

Deno.test("planChunks() splits one oversized hunk at line boundaries", () => {
  const file = syntheticFile("src/generated_by_hand.ts", 300);
  const plan = planChunks([file], { countTokens: estimateTokens, chunkTokens: 500 });
  assert.ok(plan.chunks.length > 1);
  assert.deepEqual(lineKeys(plan.chunks.map((chunk) => chunk.files[0]!.file)), lineKeys([file]));
  const second = plan.chunks[1]!.files[0]!.file.hunks[0]!;
  assert.equal(second.newStart, second.lines[0]!.newLine);
  assert.equal(second.newLines, second.lines.length);
});

Deno.test("planChunks() spends the step budget on the riskiest files and names what it skipped", () => {
  const files = [
    syntheticFile("docs/notes.md", 30),
    syntheticFile("src/feature.ts", 30),
    syntheticFile("src/crypto/keys.ts", 30),
  ];
  const oneFile = estimateTokens(
    "### File: src/crypto/keys.ts (added)\n@@ -0,0 +1,30 @@\n" +
      Array.from({ length: 30 }, (_, index) => `R${index + 1} +line ${index + 1} of src/crypto/keys.ts`).join(
        "\n",
      ) +
      "\n",
  );
  const plan = planChunks(files, { countTokens: estimateTokens, stepTokens: oneFile * 2 + 5 });
  const reviewed = plan.chunks.flatMap((chunk) => chunk.files.map((entry) => filePath(entry.file)));
  assert.deepEqual(reviewed, ["src/crypto/keys.ts", "src/feature.ts"]);
  assert.equal(plan.skipped.length, 1);
  assert.equal(plan.skipped[0]!.path, "docs/notes.md");
  assert.match(plan.skipped[0]!.reason, /budget of \d+ diff tokens/);
});

Deno.test("planChunks() reviews part of a file when only some of its hunks fit the step budget", async () => {
  const [file] = parseDiff((await makeGitDiff({ "src/big.ts": scatteredEdit(400, 20) })).diff);
  const plan = planChunks([file!], { countTokens: estimateTokens, chunkTokens: 200, stepTokens: 500 });
  assert.ok(plan.tokens <= 500);
  assert.ok(plan.chunks.length >= 1);
  assert.equal(plan.skipped.length, 1);
  assert.match(plan.skipped[0]!.reason, /^partly reviewed: \d+ hunk\(s\) over/);
});

Deno.test("planChunks() keeps every line exactly once and every chunk within budget", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 120, max: 2000 }),
      (sizes, chunkTokens) => {
        const files = sizes.map((size, index) => syntheticFile(`src/f${index}.ts`, size));
        const plan = planChunks(files, { countTokens: estimateTokens, chunkTokens, stepTokens: Infinity });
        assert.deepEqual(plan.skipped, []);
        const seen = lineKeys(plan.chunks.flatMap((chunk) => chunk.files.map((entry) => entry.file)));
        assert.deepEqual(seen.sort(), lineKeys(files).sort());
        for (const chunk of plan.chunks) assert.ok(chunk.tokens <= chunkTokens);
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("widenHunks() shows the same lines as git with more context, numbered on both sides", async () => {
  const base = lines(60);
  const headLines = base.split("\n");
  headLines.splice(10, 2, "changed a", "changed b", "inserted c");
  headLines.splice(40, 1);
  headLines[50] = "changed d";
  const head = headLines.join("\n");
  const narrow = parseDiff((await makeGitDiff({ "a.txt": { base, head } })).diff)[0]!;
  const wide = parseDiff(
    (await makeGitDiff({ "a.txt": { base, head } }, { diffArguments: ["-U8"] })).diff,
  )[0]!;
  const widened = widenHunks(narrow, head, 5);
  assert.ok(widened);
  assert.deepEqual(lineKeys([widened]).sort(), lineKeys([wide]).sort());
  assert.equal(widened.hunks.length, narrow.hunks.length);
  for (const hunk of widened.hunks) {
    const newNumbers = hunk.lines.flatMap((line) => line.newLine === undefined ? [] : [line.newLine]);
    assert.equal(hunk.newStart, newNumbers[0]);
    assert.equal(hunk.newLines, newNumbers.length);
  }
});

Deno.test("widenHunks() refuses content that does not match the diff", async () => {
  const [file] = parseDiff((await makeGitDiff({ "a.txt": { base: lines(20), head: lines(21) } })).diff);
  assert.equal(widenHunks(file!, lines(21, "other"), 5), null);
});

Deno.test("expandContext() reads modified files riskiest first, up to the limit, and survives failed reads", async () => {
  const diff = await makeGitDiff({
    "src/auth.ts": { base: lines(40), head: lines(40).replace("line 20\n", "line twenty\n") },
    "src/app.ts": { base: lines(40), head: lines(40).replace("line 20\n", "line twenty\n") },
    "docs/readme.md": { base: lines(40), head: lines(40).replace("line 20\n", "line twenty\n") },
    "src/new.ts": { head: lines(5) },
  });
  const files = parseDiff(diff.diff);
  const reads: string[] = [];
  const expanded = await expandContext(files, {
    lines: 4,
    maxFiles: 2,
    readFile: (path) => {
      reads.push(path);
      if (path === "src/app.ts") return Promise.reject(new Error("boom"));
      return Promise.resolve(lines(40).replace("line 20\n", "line twenty\n"));
    },
  });
  assert.deepEqual(reads.sort(), ["src/app.ts", "src/auth.ts"]);
  const byPath = new Map(expanded.map((file) => [filePath(file), file]));
  const original = files.find((file) => filePath(file) === "src/auth.ts")!;
  assert.equal(byPath.get("src/auth.ts")!.hunks[0]!.lines.length, original.hunks[0]!.lines.length + 8);
  assert.equal(byPath.get("src/app.ts"), files.find((file) => filePath(file) === "src/app.ts"));
  assert.equal(expanded.length, files.length);
});
