import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEvalArgs, runEvalCommand } from "./eval.ts";
import { coveredDefinitions } from "./eval_context.ts";
import { loadContextCases } from "./eval_context_cases.ts";
import { recordingIo } from "./testing.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface JsonBudget {
  factor: number;
  budgetTokens: number;
  covered: number;
  recall: number;
  contextTokens: number;
  ratio: number;
  given: string[];
  missing: string[];
}

interface JsonCase {
  id: string;
  needed: number;
  diffPromptTokens: number;
  budgets: JsonBudget[];
}

/** Writes a case folder: `case.json`, `head/` and `base/`. */
async function writeCase(
  folder: string,
  meta: Record<string, unknown>,
  head: Record<string, string>,
  base: Record<string, string>,
): Promise<void> {
  for (const [side, files] of [["head", head], ["base", base]] as const) {
    for (const [path, text] of Object.entries(files)) {
      const target = join(folder, side, path);
      await Deno.mkdir(join(target, ".."), { recursive: true });
      await Deno.writeTextFile(target, text);
    }
  }
  await Deno.writeTextFile(join(folder, "case.json"), JSON.stringify(meta, null, 2));
}

const HELPER = `/**
 * Rounds an amount of cents to the nearest multiple of \`step\` cents.
 * @param step cents, never a decimal
 */
export function roundTo(cents: number, step: number): number {
  return Math.round(cents / step) * step;
}
`;
const UNRELATED = `export function legacyExport(rows: string[][]): string {
  return rows.map((row) => row.join(";")).join("\\n");
}
`;
const CALLER_BASE = `import { roundTo } from "../lib/round.ts";

export function price(cents: number): number {
  return cents;
}
`;
const CALLER_HEAD = `import { roundTo } from "../lib/round.ts";

export function price(cents: number): number {
  return roundTo(cents, 0.05);
}
`;

/**
 * A case the engine cannot score fully: besides the helper the changed line calls (found by following the
 * call), it names a function in a file nothing in the change refers to, so recall must be below 1.
 */
async function constructedCases(): Promise<string> {
  const folder = await Deno.makeTempDir({ prefix: "loom_context_eval_test_" });
  await writeCase(
    join(folder, "ts-round-step"),
    {
      title: "Round prices to five cents",
      language: "typescript",
      description: "roundTo takes cents; 0.05 rounds to a twentieth of a cent.",
      needed: [
        { path: "src/lib/round.ts", symbol: "roundTo", role: "definition", lines: [1, 7] },
        { path: "tools/legacy/export.ts", symbol: "legacyExport", role: "definition", lines: [1, 3] },
      ],
    },
    { "src/lib/round.ts": HELPER, "tools/legacy/export.ts": UNRELATED, "src/shop/price.ts": CALLER_HEAD },
    { "src/shop/price.ts": CALLER_BASE },
  );
  return folder;
}

/**
 * Recomputes covered definitions from the `given` sources the report printed, independently of the harness:
 * code blocks show every line of their range; outlines (neighbours) are left out, as they show one line each.
 */
function coveredFromGiven(needed: { path: string; lines: [number, number] }[], given: string[]): number {
  const ranges = given.filter((entry) => !entry.startsWith("neighbour ")).map((entry) => {
    const match = /^\S+ (.+):(\d+)-(\d+)$/.exec(entry)!;
    return { path: match[1]!, start: Number(match[2]), end: Number(match[3]) };
  });
  return needed.filter(({ path, lines: [start, end] }) => {
    for (let line = start; line <= end; line++) {
      if (!ranges.some((range) => range.path === path && range.start <= line && line <= range.end)) {
        return false;
      }
    }
    return true;
  }).length;
}

Deno.test("coveredDefinitions() needs every line of a definition shown by blocks of its path", () => {
  const file = Array.from({ length: 40 }, (_, index) => index === 24 ? "" : `line ${index + 1};`).join("\n");
  const head = new Map([["a.ts", file], ["b.ts", file]]);
  const text = (start: number, end: number) => file.split("\n").slice(start - 1, end).join("\n");
  const needed = [
    { path: "a.ts", symbol: "one", role: "definition" as const, lines: [10, 20] as [number, number] },
    { path: "a.ts", symbol: "two", role: "definition" as const, lines: [30, 32] as [number, number] },
    { path: "b.ts", symbol: "three", role: "definition" as const, lines: [1, 2] as [number, number] },
    { path: "b.ts", symbol: "four", role: "definition" as const, lines: [20, 26] as [number, number] },
  ];
  assert.deepEqual(
    coveredDefinitions(needed, [
      // Two blocks together cover 10-20; 30-32 is cut short by one line; b.ts 1-2 is given for c.ts only.
      { path: "a.ts", startLine: 8, endLine: 15, text: text(8, 15) },
      { path: "a.ts", startLine: 16, endLine: 20, text: text(16, 20) },
      { path: "a.ts", startLine: 30, endLine: 31, text: text(30, 31) },
      { path: "c.ts", startLine: 1, endLine: 2, text: text(1, 2) },
      // An outline names 20-26 but shows lines 20 and 26 only (numbered); line 25 is blank.
      { path: "b.ts", startLine: 20, endLine: 26, text: "20: line 20;\n26: line 26;" },
    ], head),
    [true, false, false, false],
  );
  // The same outline covers a definition of only its shown line, and a numbered full block covers all.
  assert.deepEqual(
    coveredDefinitions(
      [{ path: "b.ts", symbol: "20", role: "definition", lines: [20, 20] }, {
        path: "b.ts",
        symbol: "21",
        role: "caller",
        lines: [21, 26],
      }],
      [
        { path: "b.ts", startLine: 20, endLine: 26, text: "20: line 20;\n26: line 26;" },
        {
          path: "b.ts",
          startLine: 21,
          endLine: 26,
          text: [21, 22, 23, 24, 25, 26].map((line) => `${line}: ${file.split("\n")[line - 1]}`).join("\n"),
        },
      ],
      head,
    ),
    [true, true],
  );
  assert.deepEqual(coveredDefinitions(needed, [], head), [false, false, false, false]);
});

Deno.test("eval --context-only scores shipped cases without any model configured", async () => {
  const ids = ["ts-find-order-signature", "py-tax-rate-percentage"];
  const io = recordingIo({ args: ["--context-only", "--json", "--only", ids.join(",")], env: {}, cwd: ROOT });
  assert.equal(await runEvalCommand(io), 0, io.output.stderr);
  const report = JSON.parse(io.output.stdout);
  assert.equal(report.tokenizer, "o200k");
  assert.deepEqual(report.results.map((result: JsonCase) => result.id), [...ids].sort());
  const cases = await loadContextCases(join(ROOT, "evals/context"), ids);
  for (const result of report.results as JsonCase[]) {
    const item = cases.find((entry) => entry.id === result.id)!;
    assert.equal(result.needed, item.needed.length);
    assert.deepEqual(result.budgets.map((budget) => budget.factor), [0.25, 0.5, 1]);
    for (const budget of result.budgets) {
      assert.equal(budget.budgetTokens, Math.floor(budget.factor * result.diffPromptTokens));
      assert.ok(budget.contextTokens <= budget.budgetTokens, `${result.id} at ${budget.factor}`);
      assert.equal(budget.ratio, (result.diffPromptTokens + budget.contextTokens) / result.diffPromptTokens);
      assert.equal(budget.covered, coveredFromGiven(item.needed, budget.given));
      assert.equal(budget.recall, budget.covered / result.needed);
    }
  }
  const headline = report.summary.budgets.find((budget: { factor: number }) => budget.factor === 0.5);
  const covered = (report.results as JsonCase[]).reduce((sum, result) => sum + result.budgets[1]!.covered, 0);
  assert.equal(headline.needed, 3);
  assert.equal(headline.recall, covered / 3);
  // Two callers of findOrder and the tax_rate definition.
  const roles = report.summary.roles as { role: string; needed: number; covered: number }[];
  assert.deepEqual(roles.map((entry) => [entry.role, entry.needed]), [["definition", 1], ["caller", 2]]);
  assert.equal(roles.reduce((sum, entry) => sum + entry.covered, 0), covered);
  assert.ok(headline.maxRatio <= 1.5);
});

Deno.test("eval --context-only reports recall below 1 when a needed definition is not given", async () => {
  const folder = await constructedCases();
  try {
    const io = recordingIo({
      args: ["--context-only", "--json", "--cases", folder, "-q"],
      env: {},
      cwd: ROOT,
    });
    assert.equal(await runEvalCommand(io), 0, io.output.stderr);
    const [result] = JSON.parse(io.output.stdout).results as JsonCase[];
    const headline = result!.budgets[1]!;
    assert.equal(headline.factor, 0.5);
    assert.equal(headline.covered, 1);
    assert.equal(headline.recall, 0.5);
    assert.deepEqual(headline.missing, ["tools/legacy/export.ts:1-3 legacyExport"]);

    const text = recordingIo({
      args: ["--context-only", "--cases", folder, "--budgets", "0.5", "-q"],
      cwd: ROOT,
    });
    assert.equal(await runEvalCommand(text), 0, text.output.stderr);
    assert.match(
      text.output.stdout,
      /^Context recall · .+ · 1 cases in 1 languages · o200k tokens · no model called$/m,
    );
    assert.match(
      text.output.stdout,
      /^ts-round-step\s+typescript\s+1\/2\s+\d+\s+\d+\s+1\.\d\d\s+tools\/legacy\/export\.ts:1-3 legacyExport$/m,
    );
    assert.match(text.output.stdout, /^0\.5× diff prompt\s+1\/2\s+0\.500\s+0\.500\s/m);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("eval --context-only refuses a needed definition the diff already shows, or one that does not name its symbol", async () => {
  const folder = await constructedCases();
  try {
    const meta = JSON.parse(await Deno.readTextFile(join(folder, "ts-round-step/case.json")));
    // Line 4 of price.ts is the changed line itself.
    meta.needed = [{ path: "src/shop/price.ts", symbol: "price", role: "caller", lines: [3, 5] }];
    await Deno.writeTextFile(join(folder, "ts-round-step/case.json"), JSON.stringify(meta));
    const inDiff = recordingIo({ args: ["--context-only", "--cases", folder], cwd: ROOT });
    assert.equal(await runEvalCommand(inDiff), 2);
    assert.match(
      inDiff.output.stderr,
      /case "ts-round-step": needed "price": src\/shop\/price\.ts:3-5 is already in the diff/,
    );

    meta.needed = [{ path: "src/lib/round.ts", symbol: "roundDown", role: "definition", lines: [1, 7] }];
    await Deno.writeTextFile(join(folder, "ts-round-step/case.json"), JSON.stringify(meta));
    const misnamed = recordingIo({ args: ["--context-only", "--cases", folder], cwd: ROOT });
    assert.equal(await runEvalCommand(misnamed), 2);
    assert.match(misnamed.output.stderr, /"roundDown" does not appear in src\/lib\/round\.ts:1-7/);

    const unknown = recordingIo({ args: ["--context-only", "--cases", folder, "--only", "nope"], cwd: ROOT });
    assert.equal(await runEvalCommand(unknown), 2);
    assert.match(unknown.output.stderr, /Cannot find case "nope"/);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("parseEvalArgs() keeps context options and review options apart", () => {
  assert.deepEqual(parseEvalArgs(["--context-only", "--budgets", "0.5, 1"]).budgets, [0.5, 1]);
  assert.equal(parseEvalArgs(["--context-only"]).cases, "evals/context");
  assert.throws(() => parseEvalArgs(["--budgets", "0.5"]), /Cannot use --budgets without --context-only/);
  assert.throws(() => parseEvalArgs(["--cases", "x"]), /Cannot use --cases without --context-only/);
  assert.throws(
    () => parseEvalArgs(["--context-only", "--config", "a.yaml"]),
    /Cannot use --config with --context-only: it reviews nothing/,
  );
  assert.throws(() => parseEvalArgs(["--context-only", "--budgets", "half"]), /Cannot use --budgets "half"/);
  assert.throws(() => parseEvalArgs(["--context-only", "--budgets", "0.5,"]), /Cannot use --budgets/);
});

Deno.test("the shipped context cases load: at least 30 in at least 5 languages, all needing code from files outside the diff", async () => {
  const cases = await loadContextCases(join(ROOT, "evals/context"));
  assert.ok(cases.length >= 30, `${cases.length} cases`);
  const languages = new Set(cases.map((item) => item.language));
  assert.ok(languages.size >= 5, [...languages].join());
  for (const item of cases) {
    assert.ok(item.head.size >= 5 && item.head.size <= 30, `${item.id}: ${item.head.size} files`);
  }
  // Loading already refused any needed line the review shows; beyond that, the needed code is in files the
  // change does not touch at all, so no diff-only review could have shown it.
  for (const item of cases) {
    for (const needed of item.needed) {
      assert.ok(
        !item.files.some((file) => file.newPath === needed.path),
        `${item.id}: ${needed.path} is in the diff`,
      );
    }
  }
});
