import assert from "node:assert/strict";
import { createLineMap, parseDiff } from "../lib/diff/mod.ts";
import { type CaseResult, matchFindings, parseDataset, summarize } from "./metrics.ts";

const at = (line: number, category = "bugs", path = "a.ts") => ({ path, line, category });

Deno.test("matchFindings() matches path, category and line within the tolerance, one to one", () => {
  const expected = [at(10), at(20, "security"), at(40)];
  const found = [at(13), at(20, "bugs"), at(44), at(11), at(40, "bugs", "b.ts")];
  const result = matchFindings(expected, found);
  // at(11) is closer to line 10 than at(13), so it takes the match and at(13) is left over.
  assert.deepEqual(result.matches, [{ expected: 0, found: 3, distance: 1 }]);
  assert.deepEqual(result.falsePositives, [0, 1, 2, 4]);
  assert.deepEqual(result.falseNegatives, [1, 2]);
});

Deno.test("matchFindings() honours the tolerance and ignores a leading ./ or b/ in paths", () => {
  assert.equal(matchFindings([at(10)], [at(14)]).matches.length, 0);
  assert.equal(matchFindings([at(10)], [at(14)], { tolerance: 4 }).matches.length, 1);
  assert.equal(matchFindings([at(10, "bugs", "src/a.ts")], [at(10, "bugs", "./src/a.ts")]).matches.length, 1);
  assert.equal(matchFindings([at(10, "bugs", "src/a.ts")], [at(10, "bugs", "b/src/a.ts")]).matches.length, 1);
});

function result(overrides: Partial<CaseResult>): CaseResult {
  return {
    id: "x",
    expected: 0,
    found: 0,
    truePositives: 0,
    falsePositives: 0,
    falseNegatives: 0,
    categories: [],
    inputTokens: 0,
    cachedInputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    failedSteps: [],
    ...overrides,
  };
}

Deno.test("summarize() micro-averages precision and recall and divides usage per pull request", () => {
  const summary = summarize([
    result({
      expected: 2,
      found: 3,
      truePositives: 1,
      falsePositives: 2,
      falseNegatives: 1,
      categories: [{ category: "bugs", matched: true }, { category: "security", matched: false }],
      inputTokens: 900,
      cachedInputTokens: 600,
      outputTokens: 100,
      costUsd: 0.003,
    }),
    result({
      expected: 1,
      found: 1,
      truePositives: 1,
      categories: [{ category: "bugs", matched: true }],
      inputTokens: 300,
      cachedInputTokens: 0,
      outputTokens: 100,
      costUsd: 0.001,
    }),
  ]);
  assert.equal(summary.precision, 0.5);
  assert.equal(summary.recall, 2 / 3);
  assert.equal(summary.f1, (2 * 0.5 * (2 / 3)) / (0.5 + 2 / 3));
  assert.equal(summary.commentsPerPr, 2);
  assert.equal(summary.inputTokensPerPr, 600);
  assert.equal(summary.cachedInputTokensPerPr, 300);
  assert.equal(summary.outputTokensPerPr, 100);
  assert.equal(summary.tokensPerPr, 700);
  assert.equal(summary.costPerPr, 0.002);
  assert.deepEqual(summary.byCategory, [
    { category: "bugs", expected: 2, matched: 2, recall: 1 },
    { category: "security", expected: 1, matched: 0, recall: 0 },
  ]);
});

Deno.test("summarize() scores an empty run as perfect precision and recall with no usage", () => {
  const summary = summarize([result({})]);
  assert.deepEqual([summary.precision, summary.recall, summary.f1, summary.commentsPerPr], [1, 1, 1, 0]);
  assert.equal(summarize([]).costPerPr, 0);
});

Deno.test("parseDataset() names the line of a malformed case and rejects repeated ids", () => {
  const good = JSON.stringify({ id: "a", title: "T", diff: "diff --git a/x b/x\n", expected: [] });
  assert.equal(parseDataset(`${good}\n\n`, "d.jsonl").length, 1);
  assert.throws(
    () => parseDataset(`${good}\n{oops`, "d.jsonl"),
    /^SyntaxError: Cannot parse "d\.jsonl": line 2: /,
  );
  assert.throws(
    () =>
      parseDataset(
        JSON.stringify({ id: "a", title: "T", diff: "d", expected: [{ path: "x", line: 0 }] }),
        "d",
      ),
    /line 1: "expected\.0\.line" .*; "expected\.0\.category"/,
  );
  assert.throws(() => parseDataset(`${good}\n${good}`, "d"), /line 2: id "a" is used twice/);
});

Deno.test("parseDataset() reads the shipped dataset, whose expected lines are all added lines of their diffs", async () => {
  const text = await Deno.readTextFile(new URL("../evals/reviews.jsonl", import.meta.url));
  const cases = parseDataset(text, "evals/reviews.jsonl");
  assert.ok(cases.length >= 12, `${cases.length} cases`);
  assert.ok(cases.some((item) => item.expected.length === 0), "clean changes measure false positives");
  const categories = new Set(cases.flatMap((item) => item.expected.map((want) => want.category)));
  assert.deepEqual([...categories].sort(), ["bugs", "performance", "security"]);
  for (const item of cases) {
    const files = parseDiff(item.diff);
    assert.ok(files.length > 0, item.id);
    for (const want of item.expected) {
      const file = files.find((candidate) => candidate.newPath === want.path);
      assert.ok(file, `${item.id}: ${want.path} is in the diff`);
      const line = file.hunks.flatMap((hunk) => hunk.lines).find((candidate) =>
        candidate.newLine === want.line
      );
      assert.equal(line?.kind, "add", `${item.id}: ${want.path}:${want.line} is an added line`);
      assert.ok(createLineMap(file).firstOverlap("RIGHT", want.line, want.line), item.id);
    }
  }
});
