import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { BUILTIN_PROMPTS } from "../lib/config/load.ts";
import { type FakeLlmRequest, type FakeReply, startFakeOpenAI } from "../tests/fakes/openai.ts";
import { parseEvalArgs, runEvalCommand } from "./eval.ts";
import { recordingIo } from "./testing.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CASES = [
  "ts-pagination-off-by-one",
  "py-sql-injection-search",
  "go-concurrent-map-write",
  "ts-clean-rename",
];
const USAGE = { inputTokens: 1000, outputTokens: 100 };

function finding(path: string, line: number, title: string) {
  return { path, line, side: "RIGHT", severity: "warning", title, body: "Explained." };
}

/**
 * A model with known answers on four shipped cases (expected: pagination bugs@12, SQL security@15, map writes
 * bugs@19 and bugs@17, clean rename nothing):
 * - pagination: bugs answers line 13 (within 3: TP); performance answers line 5 (FP);
 * - SQL: security stays silent (FN); bugs answers line 15 (wrong category: FP);
 * - map writes: bugs answers 19 (TP) and 30 (too far: FP); bugs@17 is missed (FN);
 * - rename: nothing.
 * TP 2, FP 3, FN 2.
 */
function scripted(request: FakeLlmRequest): FakeReply {
  // The step's instructions follow the shared rules and diff.
  const focus = request.messages.at(-1)!.content;
  const step = (["bugs", "security", "performance"] as const).find((name) =>
    focus.includes(BUILTIN_PROMPTS[name])
  );
  const diff = request.messages[1]!.content;
  const findings = [];
  if (diff.includes("src/orders/list_orders.ts")) {
    if (step === "bugs") {
      findings.push(finding("src/orders/list_orders.ts", 13, "Offset skips the first page"));
    }
    if (step === "performance") findings.push(finding("src/orders/list_orders.ts", 5, "Unindexed sort"));
  }
  if (diff.includes("app/users/repository.py") && step === "bugs") {
    findings.push(finding("app/users/repository.py", 15, "LIKE wildcards in the term are not escaped"));
  }
  if (diff.includes("pricing/fetch.go") && step === "bugs") {
    findings.push(finding("pricing/fetch.go", 19, "Concurrent map writes"));
    findings.push(finding("pricing/fetch.go", 30, "Unused context"));
  }
  return { json: { findings }, usage: USAGE };
}

function env(url: string): Record<string, string> {
  return {
    LOOM_LLM_PROVIDER: "openai",
    LOOM_LLM_MODEL: "eval-model",
    LOOM_LLM_BASE_URL: url,
    LOOM_LLM_API_KEY: "sk-test",
    LOOM_LLM_PRICES: JSON.stringify({ "openai/eval-model": { input: 1, output: 2 } }),
  };
}

Deno.test("runEvalCommand() --json scores a scripted model with exact precision, recall and usage", async () => {
  await using openai = await startFakeOpenAI({ reply: scripted });
  const io = recordingIo({ args: ["--json", "--only", CASES.join(",")], env: env(openai.url), cwd: ROOT });
  assert.equal(await runEvalCommand(io), 0, io.output.stderr);
  const report = JSON.parse(io.output.stdout);
  assert.equal(report.model, "openai/eval-model");
  assert.deepEqual(
    report.results.map((
      item: Record<string, number>,
    ) => [item.id, item.truePositives, item.falsePositives, item.falseNegatives]),
    [
      ["ts-pagination-off-by-one", 1, 1, 0],
      ["py-sql-injection-search", 0, 1, 1],
      ["go-concurrent-map-write", 1, 1, 1],
      ["ts-clean-rename", 0, 0, 0],
    ],
  );
  const summary = report.summary;
  assert.deepEqual(
    [summary.truePositives, summary.falsePositives, summary.falseNegatives, summary.expected, summary.found],
    [2, 3, 2, 4, 5],
  );
  assert.equal(summary.precision, 0.4);
  assert.equal(summary.recall, 0.5);
  assert.equal(summary.f1.toFixed(6), (0.4 / 0.9).toFixed(6));
  assert.equal(summary.commentsPerPr, 1.25);
  // Three steps per case, 1000 + 100 tokens per call, priced at $1 / $2 per million.
  assert.equal(summary.inputTokensPerPr, 3000);
  assert.equal(summary.outputTokensPerPr, 300);
  assert.equal(summary.tokensPerPr, 3300);
  assert.equal(summary.costPerPr.toFixed(8), "0.00360000");
  assert.deepEqual(summary.byCategory, [
    { category: "bugs", expected: 3, matched: 2, recall: 2 / 3 },
    { category: "security", expected: 1, matched: 0, recall: 0 },
  ]);
  assert.equal(openai.requests.length, 12);
  assert.match(io.output.stderr, /^ {2}\[4\/4\] /m);
});

Deno.test("runEvalCommand() prints tables, and --category scores a step as another category", async () => {
  await using openai = await startFakeOpenAI({ reply: scripted });
  const io = recordingIo({
    args: ["--only", "py-sql-injection-search", "--category", "bugs=security", "-q"],
    env: env(openai.url),
    cwd: ROOT,
  });
  assert.equal(await runEvalCommand(io), 0, io.output.stderr);
  assert.equal(io.output.stderr, "");
  const text = io.output.stdout;
  assert.match(
    text,
    /^Dataset evals\/reviews\.jsonl · 1 cases · default model openai\/eval-model · config built-in default$/m,
  );
  assert.match(text, /^py-sql-injection-search\s+1\s+1\s+1\s+0\s+0\s+3000\s+0\s+300\s+\$0\.0036$/m);
  assert.match(text, /^precision\s+1\.000$/m);
  assert.match(text, /^recall\s+1\.000$/m);
  assert.match(text, /^F1\s+1\.000$/m);
  assert.match(text, /^comments\/PR\s+1\.00$/m);
  assert.match(text, /^tokens\/PR\s+3300 \(3000 in \/ 300 out\)$/m);
  assert.match(text, /^cost\/PR\s+\$0\.0036$/m);
  assert.match(text, /^security\s+1\s+1\s+1\.000$/m);
});

Deno.test("runEvalCommand() runs the pipeline of --config and reports failed steps", async () => {
  await using openai = await startFakeOpenAI({
    reply: (request) =>
      request.messages.at(-1)!.content.includes("Find nothing") ? { status: 400 } : scripted(request),
  });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/.loom/prompts`, { recursive: true });
    await Deno.writeTextFile(`${dir}/.loom/prompts/broken.md`, "Find nothing.");
    await Deno.writeTextFile(
      `${dir}/.loom/config.yaml`,
      "pipelines:\n  default:\n    - name: bugs\n    - name: broken\n      prompt_file: .loom/prompts/broken.md\n",
    );
    const io = recordingIo({
      args: ["--json", "-q", "--only", "ts-pagination-off-by-one", "--config", `${dir}/.loom/config.yaml`],
      env: env(openai.url),
      cwd: ROOT,
    });
    assert.equal(await runEvalCommand(io), 0, io.output.stderr);
    const report = JSON.parse(io.output.stdout);
    assert.deepEqual(report.results[0].failedSteps.map((step: { name: string }) => step.name), ["broken"]);
    assert.equal(report.summary.failedSteps, 1);
    assert.equal(report.summary.truePositives, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runEvalCommand() exits 2 for a missing dataset, an unknown case or a bad option", async (t) => {
  await using openai = await startFakeOpenAI();
  const run = async (args: string[]) => {
    const io = recordingIo({ args, env: env(openai.url), cwd: ROOT });
    return { code: await runEvalCommand(io), stderr: io.output.stderr };
  };
  await t.step("missing dataset", async () => {
    const { code, stderr } = await run(["--dataset", "evals/none.jsonl"]);
    assert.equal(code, 2);
    assert.match(stderr, /none\.jsonl/);
  });
  await t.step("unknown case", async () => {
    const { code, stderr } = await run(["--only", "nope"]);
    assert.equal(code, 2);
    assert.match(stderr, /^loom eval: Cannot find case "nope" in "evals\/reviews\.jsonl"$/m);
  });
  await t.step("bad tolerance", async () => {
    const { code, stderr } = await run(["--tolerance=-1"]);
    assert.equal(code, 2);
    assert.match(stderr, /Cannot use --tolerance "-1"/);
  });
  assert.equal(openai.requests.length, 0);
});

Deno.test("runEvalCommand() --mode both reviews every case in separate and combined mode and reports tokens per case", async () => {
  // The fake counts prompt tokens (one per 4 characters) and serves a repeated prefix of 1,024+ from its cache.
  await using openai = await startFakeOpenAI({
    countTokens: (text) => Math.ceil(text.length / 4),
    reply: (request) => {
      const combined = JSON.stringify(request.body).includes('"combined_review_findings"');
      const found = scripted(request) as { json: { findings: Record<string, unknown>[] } };
      // In combined mode the one call answers for every step; tag what the bugs step would say.
      return {
        json: { findings: found.json.findings.map((item) => combined ? { ...item, step: "bugs" } : item) },
      };
    },
  });
  const io = recordingIo({
    args: ["--json", "--mode", "both", "-q"],
    env: env(openai.url),
    cwd: ROOT,
  });
  assert.equal(await runEvalCommand(io), 0, io.output.stderr);
  const report = JSON.parse(io.output.stdout);
  assert.deepEqual(report.modes.map((run: { mode: string }) => run.mode), ["separate", "combined"]);
  const [separate, combined] = report.modes as {
    results: { id: string; inputTokens: number; cachedInputTokens: number; outputTokens: number }[];
    summary: { inputTokensPerPr: number };
  }[];
  // The whole shipped dataset, in both modes.
  const ids = (await Deno.readTextFile(`${ROOT}/evals/reviews.jsonl`)).trim().split("\n")
    .map((line) => JSON.parse(line).id as string);
  assert.deepEqual(separate!.results.map((item) => item.id), ids);
  assert.deepEqual(combined!.results.map((item) => item.id), ids);
  // Three calls per case in separate mode, one in combined mode; a case with learnings is reviewed twice.
  const taught = (await Deno.readTextFile(`${ROOT}/evals/reviews.jsonl`)).trim().split("\n")
    .filter((line) => JSON.parse(line).learnings !== undefined).length;
  assert.equal(taught, 2);
  assert.equal(openai.requests.length, (ids.length + taught) * 3 + (ids.length + taught));
  const counted = (id: string, index: number) => {
    const results = report.modes[index].results as { id: string; inputTokens: number }[];
    return results.find((item) => item.id === id)!.inputTokens;
  };
  for (const id of ids) {
    assert.ok(counted(id, 1) > 0 && counted(id, 1) < counted(id, 0), `${id}: combined sends fewer tokens`);
  }
  // The diff and rules go once per case in combined mode; the three step prompts still all go.
  assert.ok(combined!.summary.inputTokensPerPr < 0.7 * separate!.summary.inputTokensPerPr);
  const table = recordingIo({
    args: ["--mode", "both", "--only", CASES[0]!, "-q"],
    env: env(openai.url),
    cwd: ROOT,
  });
  assert.equal(await runEvalCommand(table), 0, table.output.stderr);
  assert.match(table.output.stdout, /· mode separate$/m);
  assert.match(table.output.stdout, /· mode combined$/m);
  assert.match(
    table.output.stdout,
    /^mode\s+precision\s+recall\s+F1\s+prompt\/PR\s+cached\/PR\s+uncached\/PR\s+cost\/PR$/m,
  );
  assert.match(
    table.output.stdout,
    /^case\s+expected\s+found\s+TP\s+FP\s+FN\s+prompt\s+cached\s+out\s+cost$/m,
  );
});

Deno.test("parseEvalArgs() rejects an unknown --mode", () => {
  assert.throws(() => parseEvalArgs(["--mode", "together"]), {
    name: "TypeError",
    message: 'Cannot use --mode "together": expected separate, combined or both',
  });
});

/**
 * On the two shipped cases with learnings the model reports the real bug and the pattern the learning allows
 * (`console.log` in a script, a broad `except` in the worker loop), in the bugs step only.
 */
function taughtModel(request: FakeLlmRequest): FakeReply {
  const focus = request.messages.at(-1)!.content;
  if (!focus.includes(BUILTIN_PROMPTS.bugs)) return { json: { findings: [] }, usage: USAGE };
  const diff = request.messages[1]!.content;
  const findings = [];
  if (diff.includes("scripts/release.ts")) {
    findings.push(finding("scripts/release.ts", 4, "Avoid using console.log in production code"));
    findings.push(finding("scripts/release.ts", 6, "changelog is a Promise: readFile is not awaited"));
  }
  if (diff.includes("app/worker/loop.py")) {
    findings.push(finding("app/worker/loop.py", 11, "Catching broad `Exception` hides errors"));
    findings.push(finding("app/worker/loop.py", 13, "task_done is never called"));
  }
  return { json: { findings }, usage: USAGE };
}

Deno.test("runEvalCommand() reviews cases with learnings with and without them and reports precision both ways", async () => {
  await using openai = await startFakeOpenAI({ reply: taughtModel });
  const only = ["--only", "ts-release-script-console-learning,py-worker-loop-broad-except-learning"];
  const io = recordingIo({ args: ["--json", "-q", ...only], env: env(openai.url), cwd: ROOT });
  assert.equal(await runEvalCommand(io), 0, io.output.stderr);
  const report = JSON.parse(io.output.stdout);
  // Two cases, each reviewed without and with its learnings, three steps each.
  assert.equal(openai.requests.length, 12);
  const withGuidance = openai.requests.filter((request) =>
    request.messages.at(-1)!.content.includes("Team guidance:")
  );
  assert.equal(withGuidance.length, 6, "every step's prompt of the review with learnings, none without");
  assert.ok(
    withGuidance.every((request) =>
      /Scripts under scripts\/ report|catches every exception/.test(request.messages.at(-1)!.content)
    ),
  );
  assert.deepEqual(report.learnings, {
    cases: 2,
    suppressed: 2,
    without: { truePositives: 2, falsePositives: 2, falseNegatives: 0, precision: 0.5, recall: 1, f1: 2 / 3 },
    with: { truePositives: 2, falsePositives: 0, falseNegatives: 0, precision: 1, recall: 1, f1: 1 },
  });
  assert.deepEqual(
    report.results.map((
      item: { id: string; found: number; learnings: unknown },
    ) => [item.id, item.found, item.learnings]),
    [
      ["ts-release-script-console-learning", 1, {
        suppressed: 1,
        without: { truePositives: 1, falsePositives: 1, falseNegatives: 0 },
      }],
      ["py-worker-loop-broad-except-learning", 1, {
        suppressed: 1,
        without: { truePositives: 1, falsePositives: 1, falseNegatives: 0 },
      }],
    ],
  );
  assert.equal(report.summary.precision, 1, "the main scores are the review with learnings");

  const table = recordingIo({ args: ["-q", ...only], env: env(openai.url), cwd: ROOT });
  assert.equal(await runEvalCommand(table), 0, table.output.stderr);
  assert.match(table.output.stdout, /^Learnings: 2 case\(s\) have learnings; 2 finding\(s\) held back\.$/m);
  assert.match(table.output.stdout, /^without learnings\s+0\.500\s+1\.000\s+0\.667\s+2 \/ 2 \/ 0$/m);
  assert.match(table.output.stdout, /^with learnings\s+1\.000\s+1\.000\s+1\.000\s+2 \/ 0 \/ 0$/m);
});
