/**
 * `runPipeline` against the local OpenAI and Anthropic fakes through the official SDKs: the prompt prefix every
 * step shares, the first call warming the provider's cache, combined mode, and trimmed context that still
 * anchors every finding on the pull request's diff.
 */
import assert from "node:assert/strict";
import { loadServerConfig } from "../config/env.ts";
import { BUILTIN_PROMPTS, type LoadedConfig } from "../config/load.ts";
import { parseRepoConfig } from "../config/parse.ts";
import { parseDiff } from "../diff/parse.ts";
import { createLlmClient } from "../llm/mod.ts";
import { startFakeAnthropic } from "../../tests/fakes/anthropic.ts";
import { makeGitDiff } from "../../tests/fakes/git_diff.ts";
import { type FakeLlmRequest, type FakeReply, startFakeOpenAI } from "../../tests/fakes/openai.ts";
import { anchorFindings } from "./anchor.ts";
import { runPipeline } from "./engine.ts";
import { createPrefixWarmup } from "./prefix_warmup.ts";
import { runLlmStep } from "./steps/llm.ts";

/** A cheap stand-in for a tokenizer: one token per 4 characters. */
const countTokens = (text: string) => Math.ceil(text.length / 4);

function loadedConfig(yaml: string, prompts: Record<string, string>): LoadedConfig {
  return {
    config: parseRepoConfig(yaml),
    prompts: new Map(Object.entries(prompts)),
    promptRefs: new Map(),
    personas: new Map(),
    scripts: new Map(),
    source: "repository",
    ref: "main",
  };
}

const DEFAULT_PROMPTS = {
  bugs: BUILTIN_PROMPTS.bugs,
  security: BUILTIN_PROMPTS.security,
  performance: BUILTIN_PROMPTS.performance,
};

/** A module whose every line is new: large enough that the shared prefix passes the 1,024-token minimum. */
function largeModule(name: string): string {
  return Array.from(
    { length: 200 },
    (_, line) => `export const ${name}${line} = compute("${name}", ${line});`,
  )
    .join("\n") + "\n";
}

function server(provider: "openai" | "anthropic", url: string) {
  return loadServerConfig({
    LOOM_LLM_PROVIDER: provider,
    LOOM_LLM_MODEL: provider === "openai" ? "gpt-4o-mini" : "claude-sonnet-4-5",
    LOOM_LLM_BASE_URL: url,
    LOOM_LLM_API_KEY: "sk-test",
  });
}

/** The user messages of a request: the shared title and diff, then the step's focus. */
function focusOf(request: FakeLlmRequest): string {
  return request.messages.at(-1)!.content;
}

Deno.test("runPipeline() sends every step the same prefix for a chunk and lets the first call warm the cache", async () => {
  let firstAnswered = false;
  const arrivedBeforeFirstAnswer: string[] = [];
  await using openai = await startFakeOpenAI({
    countTokens,
    reply: async (request) => {
      if (openai.requests.length > 1 && !firstAnswered) arrivedBeforeFirstAnswer.push(focusOf(request));
      if (openai.requests.length === 1) {
        // Hold the first call a while: a call sent meanwhile could not read the prefix from the cache.
        await new Promise((resolve) => setTimeout(resolve, 100));
        firstAnswered = true;
      }
      return { json: { findings: [] } };
    },
  });
  const diff = await makeGitDiff({ "src/app.ts": { head: largeModule("a") } });
  const result = await runPipeline({
    loaded: loadedConfig("", DEFAULT_PROMPTS),
    files: parseDiff(diff.diff),
    title: "Add the app",
    server: server("openai", openai.url),
    createLlm: (model) => createLlmClient(model),
    signal: new AbortController().signal,
  });
  assert.equal(openai.requests.length, 3);
  assert.deepEqual(arrivedBeforeFirstAnswer, []);
  const [first, ...others] = openai.requests;
  for (const request of others) {
    // Schema, rules, title and diff: identical bytes, in the same place, for every step.
    const body = request.body as { response_format: unknown; messages: unknown[] };
    const firstBody = first!.body as { response_format: unknown; messages: unknown[] };
    assert.deepEqual(body.response_format, firstBody.response_format);
    assert.deepEqual(body.messages.slice(0, 2), firstBody.messages.slice(0, 2));
    assert.equal(body.messages.length, 3);
  }
  assert.match(first!.messages[1]!.content, /R200 \+export const a199/);
  for (const name of ["bugs", "security", "performance"] as const) {
    assert.equal(
      openai.requests.filter((request) => focusOf(request).includes(BUILTIN_PROMPTS[name])).length,
      1,
    );
  }
  // The fake caches a prefix it has answered; both later calls read it, in 128-token steps.
  assert.equal(first!.usage?.cachedInputTokens, 0);
  for (const request of others) {
    const cached = request.usage!.cachedInputTokens!;
    assert.ok(cached >= 1024 && cached % 128 === 0, `cached ${cached}`);
  }
  const recorded = result.runs.map((run) => run.record.cachedInputTokens);
  const reported = result.runs.map((run) =>
    openai.requests.find((request) => focusOf(request).includes(DEFAULT_PROMPTS[run.record.name as "bugs"]))!
      .usage!.cachedInputTokens
  );
  assert.deepEqual(recorded, reported);
});

Deno.test("runPipeline() on Anthropic marks a cache breakpoint after the shared diff and reads it back", async () => {
  await using anthropic = await startFakeAnthropic({
    countTokens,
    reply: () => ({ json: { findings: [] } }),
  });
  const diff = await makeGitDiff({ "src/app.ts": { head: largeModule("a") } });
  const result = await runPipeline({
    loaded: loadedConfig("", DEFAULT_PROMPTS),
    files: parseDiff(diff.diff),
    title: "Add the app",
    server: server("anthropic", anthropic.url),
    createLlm: (model) => createLlmClient(model),
    signal: new AbortController().signal,
  });
  assert.equal(anthropic.requests.length, 3);
  for (const request of anthropic.requests) {
    const body = request.body as { messages: { role: string; content: unknown }[] };
    const [shared, focus] = body.messages;
    assert.deepEqual((shared!.content as { cache_control?: unknown }[]).map((block) => block.cache_control), [
      {
        type: "ephemeral",
      },
    ]);
    assert.equal(typeof focus!.content, "string", "the step's focus comes after the breakpoint");
  }
  const records = result.runs.map((run) => run.record);
  assert.equal(records.filter((record) => (record.cacheWriteTokens ?? 0) > 0).length, 1);
  assert.equal(records.filter((record) => (record.cachedInputTokens ?? 0) > 0).length, 2);
});

Deno.test("runPipeline() in combined mode makes one call per chunk, tags findings by step and keeps caps and paths", async () => {
  const reply = (): FakeReply => {
    const finding = (step: string, path: string, severity: string, line = 1) => ({
      step,
      path,
      line,
      side: "RIGHT",
      severity,
      title: `${step} on ${path}`,
      body: "Look.",
    });
    return {
      json: {
        findings: [
          finding("bugs", "src/app.ts", "blocker"),
          finding("bugs", "docs/guide.md", "info"),
          finding("docs", "docs/guide.md", "warning", 20),
          // The docs step covers docs/** only; this one must not survive.
          finding("docs", "src/app.ts", "blocker"),
        ],
      },
      usage: { inputTokens: 1001, outputTokens: 99, cachedInputTokens: 0 },
    };
  };
  await using openai = await startFakeOpenAI({ reply });
  const diff = await makeGitDiff({
    "src/app.ts": { head: "export const a = 1;\n" },
    "docs/guide.md": { head: Array.from({ length: 20 }, (_, line) => `Step ${line + 1}.`).join("\n") + "\n" },
  });
  const yaml = `pipeline:
  mode: combined
pipelines:
  default:
    - name: bugs
      severity: warning
    - name: docs
      prompt: Check the documentation.
      severity: info
      paths:
        include: ["docs/**"]
`;
  const result = await runPipeline({
    loaded: loadedConfig(yaml, { bugs: BUILTIN_PROMPTS.bugs, docs: "Check the documentation." }),
    files: parseDiff(diff.diff),
    title: "Docs and code",
    server: server("openai", openai.url),
    createLlm: (model) => createLlmClient(model),
    signal: new AbortController().signal,
  });
  assert.equal(openai.requests.length, 1);
  const [request] = openai.requests;
  assert.match(focusOf(request!), /## Step "bugs" \(all files\)/);
  assert.match(focusOf(request!), /## Step "docs" \(files: docs\/guide\.md\)\n\nCheck the documentation\./);
  const schema = JSON.stringify((request!.body as { response_format: unknown }).response_format);
  assert.match(schema, /"step":\{"type":"string","enum":\["bugs","docs"\]\}/);
  assert.deepEqual(
    result.findings.map((finding) => [finding.step, finding.path, finding.severity]).sort(),
    [
      ["bugs", "docs/guide.md", "info"],
      ["bugs", "src/app.ts", "warning"],
      ["docs", "docs/guide.md", "info"],
    ],
  );
  assert.deepEqual(result.runs.map((run) => [run.record.name, run.record.status, run.chunks]), [
    ["bugs", "completed", 1],
    ["docs", "completed", 1],
  ]);
  // The one call's tokens are shared out: nothing counted twice, nothing lost.
  assert.deepEqual(result.runs.map((run) => [run.record.inputTokens, run.record.outputTokens]), [
    [501, 50],
    [500, 49],
  ]);
});

Deno.test("runPipeline() with trimmed context shows only lines that anchor on the pull request's diff", async () => {
  const base = Array.from({ length: 60 }, (_, line) => `line ${line + 1}`);
  const head = [...base];
  head[9] = "line 10 changed";
  head[40] = "line 41 changed";
  // Wide git context, so trimming has something to remove.
  const diff = await makeGitDiff(
    { "src/lines.txt": { base: base.join("\n") + "\n", head: head.join("\n") + "\n" } },
    { diffArguments: ["-U20"] },
  );
  const cited: { line: number; side: "LEFT" | "RIGHT" }[] = [];
  await using openai = await startFakeOpenAI({
    reply: (request) => {
      // The model cites every numbered line it was shown.
      for (const match of request.messages[1]!.content.matchAll(/^([RL])(\d+) /gm)) {
        cited.push({ line: Number(match[2]), side: match[1] === "R" ? "RIGHT" : "LEFT" });
      }
      return {
        json: {
          findings: cited.map(({ line, side }) => ({
            path: "src/lines.txt",
            line,
            side,
            severity: "info",
            title: `Line ${side} ${line}`,
            body: "Seen.",
          })),
        },
      };
    },
  });
  const files = parseDiff(diff.diff);
  const result = await runPipeline({
    loaded: loadedConfig("pipeline:\n  context_lines: 2\n", { bugs: BUILTIN_PROMPTS.bugs }),
    files,
    title: "Two edits",
    server: server("openai", openai.url),
    createLlm: (model) => createLlmClient(model),
    signal: new AbortController().signal,
    stepConcurrency: 1,
  });
  const shown = openai.requests[0]!.messages[1]!.content;
  assert.match(shown, /^L10 -line 10$/m);
  assert.match(shown, /^R10 \+line 10 changed$/m);
  assert.match(shown, /^R8 {2}line 8$/m);
  assert.doesNotMatch(shown, /^R7 /m, "three lines away is trimmed");
  assert.doesNotMatch(shown, /line 25/, "the run between the two changes is left out");
  assert.equal((shown.match(/^@@/gm) ?? []).length, 2, "the one git hunk is shown as two");
  const { inline, unanchored } = anchorFindings(result.findings, files);
  assert.ok(inline.length >= 10);
  assert.deepEqual(unanchored, []);
});

Deno.test("runLlmStep() calls waiting for a cancelled first call send nothing", async () => {
  const controller = new AbortController();
  await using openai = await startFakeOpenAI({
    reply: () => {
      // The review is superseded while its first call is in flight.
      controller.abort(new Error("Superseded by a newer push"));
      return { delayMs: 5_000, then: { json: { findings: [] } } };
    },
  });
  const client = createLlmClient({
    provider: "openai",
    model: "gpt-4o-mini",
    baseUrl: openai.url,
    apiKey: "k",
  });
  const warmup = createPrefixWarmup();
  const files = parseDiff((await makeGitDiff({ "src/app.ts": { head: largeModule("a") } })).diff);
  const calls = (["bugs", "security", "performance"] as const).map((name) =>
    runLlmStep({
      name,
      client,
      prompt: BUILTIN_PROMPTS[name],
      title: "Add the app",
      files,
      signal: controller.signal,
      warmup,
    })
  );
  const settled = await Promise.allSettled(calls);
  assert.deepEqual(settled.map((result) => result.status), ["rejected", "rejected", "rejected"]);
  assert.equal(openai.requests.length, 1, "only the first call reached the provider");
});

Deno.test("runPipeline() gives every call its chunk's context, in both modes, and records each source once per step", async () => {
  for (const mode of ["separate", "combined"] as const) {
    await using openai = await startFakeOpenAI({ reply: () => ({ json: { findings: [] } }) });
    const diff = await makeGitDiff({ "src/app.ts": { head: "export const a = helper(1);\n" } });
    const asked: string[][] = [];
    const result = await runPipeline({
      loaded: loadedConfig(`pipeline:\n  mode: ${mode}\n`, DEFAULT_PROMPTS),
      files: parseDiff(diff.diff),
      title: "Use the helper",
      server: server("openai", openai.url),
      createLlm: (model) => createLlmClient(model),
      signal: new AbortController().signal,
      contextFor: ({ files, countTokens }) => {
        asked.push(files.map((entry) => String(entry.file.newPath)));
        assert.equal(typeof countTokens("x"), "number");
        return Promise.resolve([
          { kind: "definition", source: "src/helper.ts:1-3", text: "export function helper(n: number) {}" },
        ]);
      },
    });
    assert.ok(openai.requests.length >= 1, mode);
    for (const request of openai.requests) {
      assert.match(
        request.messages[1]!.content,
        /```\n#### definition: src\/helper\.ts:1-3\nexport function helper\(n: number\) \{\}\n```\nCONTEXT END$/,
      );
    }
    assert.ok(asked.every((paths) => paths.join() === "src/app.ts"), mode);
    for (const run of result.runs) {
      assert.deepEqual(
        run.context,
        [{ kind: "definition", source: "src/helper.ts:1-3" }],
        `${mode} ${run.record.name}`,
      );
    }
  }
});
