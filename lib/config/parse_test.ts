import assert from "node:assert/strict";
import { configOptions } from "./reference.ts";
import { type BadCase, configError } from "./testing.ts";
import { TOP_BAD_VALUES } from "./testing_bad_values_top.ts";
import { REVIEW_BAD_VALUES } from "./testing_bad_values_review.ts";
import { DESCRIBE_BAD_VALUES } from "./testing_bad_values_describe.ts";

/** One rejected value per option, each with the position the error must point at. */
const BAD_VALUES: BadCase[] = [...TOP_BAD_VALUES, ...REVIEW_BAD_VALUES, ...DESCRIBE_BAD_VALUES];

Deno.test("parseRepoConfig() rejects a bad value of every option with its line and column", async (t) => {
  for (const bad of BAD_VALUES) {
    await t.step(`${bad.path}: ${bad.yaml.split("\n").at(-1)}`, () => {
      const error = configError(bad.yaml);
      assert.equal(error.issues.length, 1, error.message);
      const [issue] = error.issues;
      assert.equal(issue.path, bad.path);
      assert.match(issue.message, bad.message);
      assert.deepEqual([issue.line, issue.column], [bad.line, bad.column], error.message);
      assert.equal(issue.suggestion, bad.suggestion);
    });
  }
});

Deno.test("parseRepoConfig() error table covers every documented option", () => {
  const covered = new Set(BAD_VALUES.map((bad) => bad.option));
  const missing = configOptions().map((option) => option.path).filter((path) => !covered.has(path));
  assert.deepEqual(missing, []);
});

Deno.test("parseRepoConfig() reports unknown keys at every level with a suggestion", () => {
  const error = configError(`trigers:
  drafts: true
triggers:
  draft: true
  authors:
    bot: true
models:
  m:
    provider: openai
    model: x
    maxOutputTokens: 10
pipelines:
  default:
    - name: bugs
      severty: info
output:
  inlineComments: false
  colour: blue
`);
  assert.deepEqual(
    error.issues.map((issue) => [issue.path, issue.line, issue.column, issue.message, issue.suggestion]),
    [
      ["trigers", 1, 1, 'Unknown key "trigers"', "triggers"],
      ["triggers.draft", 4, 3, 'Unknown key "draft"', "drafts"],
      ["triggers.authors.bot", 6, 5, 'Unknown key "bot"', "bots"],
      ["models.m.maxOutputTokens", 11, 5, 'Unknown key "maxOutputTokens"', "max_output_tokens"],
      ["pipelines.default[0].severty", 15, 7, 'Unknown key "severty"', "severity"],
      ["output.inlineComments", 17, 3, 'Unknown key "inlineComments"', "inline_comments"],
      ["output.colour", 18, 3, 'Unknown key "colour"', undefined],
    ],
  );
});

Deno.test("parseRepoConfig() reports YAML syntax errors with line and column", async (t) => {
  const cases: { yaml: string; line: number; column: number; message: RegExp }[] = [
    { yaml: "triggers:\n  events: [opened\noutput: {}\n", line: 3, column: 1, message: /Invalid YAML: .*\]/ },
    {
      yaml: "output:\n  summary: true\n  summary: false\n",
      line: 3,
      column: 3,
      message: /Invalid YAML: Map keys must be unique/,
    },
    { yaml: "output:\n\tsummary: true\n", line: 2, column: 1, message: /Invalid YAML: .*[Tt]ab/ },
    {
      yaml: "models:\n  m: {provider: openai}\nfoo: bar: baz\n",
      line: 3,
      column: 6,
      message: /Invalid YAML: Nested mappings/,
    },
    { yaml: "a: 'unterminated\n", line: 2, column: 1, message: /Invalid YAML: Missing closing 'quote/ },
  ];
  for (const { yaml, line, column, message } of cases) {
    await t.step(JSON.stringify(yaml), () => {
      const error = configError(yaml);
      assert.ok(error.issues.length >= 1);
      assert.equal(error.issues[0].path, "");
      assert.match(error.issues[0].message, message);
      assert.deepEqual([error.issues[0].line, error.issues[0].column], [line, column], error.message);
    });
  }
});

Deno.test("parseRepoConfig() rejects an oversized file before parsing it", () => {
  const error = configError(`# ${"x".repeat(300_000)}\n`);
  assert.match(error.issues[0].message, /Must be at most 262144 characters: current size is 300003/);
});

Deno.test("parseRepoConfig() bounds YAML alias expansion", () => {
  const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
  for (let level = 1; level < 8; level++) {
    const previous = String.fromCharCode(96 + level);
    const current = String.fromCharCode(97 + level);
    bomb.push(`${current}: &${current} [${Array(10).fill(`*${previous}`).join(", ")}]`);
  }
  const error = configError(bomb.join("\n"));
  assert.match(error.issues[0].message, /^Invalid YAML: .*alias/i);
});

Deno.test("parseRepoConfig() rejects a document that is not a mapping", () => {
  for (const [yaml, state] of [["- a\n- b\n", "a list"], ["just text\n", '"just text"'], ["42\n", "42"]]) {
    const error = configError(yaml);
    assert.deepEqual(error.issues.map((issue) => [issue.path, issue.message, issue.line]), [
      ["", `Must be a mapping of options: current value is ${state}`, 1],
    ]);
  }
});

Deno.test("parseRepoConfig() lists every problem in one ConfigError, in file order", () => {
  const error = configError("output:\n  max_comments: -1\n  grouping: nope\ntriggers:\n  drafts: maybe\n");
  assert.deepEqual(error.issues.map((issue) => issue.line), [2, 3, 5]);
  assert.match(
    error.message,
    /^Cannot load "\.loom\/config\.yaml": 3 problems: output\.max_comments \(line 2, column 17\): /,
  );
  assert.equal(error.retryable, false);
});
