/**
 * Engine overhead for a 500-file pull request: everything the review engine does except waiting for the model —
 * parsing the diff, skipping files, reading context, counting tokens, chunking, rendering and redacting prompts,
 * validating answers, merging, anchoring, dedupe and the summary. The model is the local fake OpenAI server
 * over real HTTP through the official SDK; time with at least one model call in flight counts as LLM time.
 *
 *   deno run -A bench/engine_500_files.ts            # 7 runs, median
 *   deno run -A bench/engine_500_files.ts --runs 3
 */
import { parseArgs } from "node:util";
import { defaultRepoConfig } from "../lib/config/schema.ts";
import { BUILTIN_PROMPTS, type LoadedConfig } from "../lib/config/load.ts";
import { loadServerConfig } from "../lib/config/env.ts";
import { parseDiff } from "../lib/diff/mod.ts";
import { createLlmClient } from "../lib/llm/mod.ts";
import type { LlmClient } from "../lib/llm/types.ts";
import { anchorFindings } from "../lib/review/anchor.ts";
import { runPipeline } from "../lib/review/engine.ts";
import { fingerprint } from "../lib/review/fingerprint.ts";
import { renderSummary } from "../lib/review/format.ts";
import { makeGitDiff } from "../tests/fakes/git_diff.ts";
import { type FakeLlmRequest, type FakeReply, startFakeOpenAI } from "../tests/fakes/openai.ts";

const { values } = parseArgs({ args: Deno.args, options: { runs: { type: "string", default: "7" } } });
const runs = Number(values.runs);

function source(index: number, lines = 12): string {
  return Array.from({ length: lines }, (_, line) => `export const value${index}_${line} = ${line};`).join(
    "\n",
  ) +
    "\n";
}

/** The same shape as the 500-file test in lib/review/review_pull_request_test.ts. */
function pullRequestFiles(): Record<string, { base?: string; head?: string }> {
  const files: Record<string, { base?: string; head?: string }> = {};
  const changed = (text: string) => text.replace(/= 6;/, "= 6 * 7;");
  for (let index = 0; index < 488; index++) {
    files[`src/module${index % 40}/file${index}.ts`] = { base: source(index), head: changed(source(index)) };
  }
  for (let index = 0; index < 5; index++) {
    files[`src/auth/check${index}.ts`] = { base: source(1000 + index), head: changed(source(1000 + index)) };
  }
  files["docs/guide.md"] = { base: "# Guide\n\nOld text.\n", head: "# Guide\n\nNew text.\n" };
  files["docs/faq.md"] = { head: "# FAQ\n" };
  files["tests/file_test.ts"] = { head: source(2000) };
  files["package-lock.json"] = { head: '{ "lockfileVersion": 3 }\n' };
  files["vendor/lib/util.js"] = { head: "module.exports = 1;\n" };
  files["dist/app.min.js"] = { head: "var a=1;\n" };
  files["src/schema.gen.ts"] = { head: "export type A = 1;\n" };
  return files;
}

function reply(request: FakeLlmRequest): FakeReply {
  const user = request.messages.find((message) => message.role === "user")?.content ?? "";
  const findings = user.split(/^### File: /m).slice(1).flatMap((section) => {
    const path = section.slice(0, section.indexOf(" ("));
    const added = /^R(\d+) \+(.*)$/m.exec(section);
    return added
      ? [{
        path,
        line: Number(added[1]),
        side: "RIGHT",
        severity: path.includes("auth") ? "blocker" : "info",
        title: `Check ${added[2]!.trim()}`,
        body: "The new value is not validated.",
      }]
      : [];
  });
  return { json: { findings }, usage: { inputTokens: 1000, outputTokens: 50 } };
}

/** Wraps a client so every chat call's wall-clock interval is recorded. */
function timed(client: LlmClient, intervals: [number, number][]): LlmClient {
  return {
    provider: client.provider,
    model: client.model,
    stream: client.stream.bind(client),
    async chat(messages, options) {
      const start = performance.now();
      try {
        return await client.chat(messages, options);
      } finally {
        intervals.push([start, performance.now()]);
      }
    },
  };
}

/** Total length of the union of `intervals`. */
function covered(intervals: [number, number][]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [start, end] = sorted[0] ?? [0, 0];
  for (const [from, to] of sorted.slice(1)) {
    if (from > end) {
      total += end - start;
      [start, end] = [from, to];
    } else end = Math.max(end, to);
  }
  return total + (end - start);
}

const files = pullRequestFiles();
const diff = await makeGitDiff(files);
const heads = new Map(Object.entries(files).map(([path, content]) => [path, content.head ?? null]));
await using openai = await startFakeOpenAI({ reply });
const server = loadServerConfig({
  LOOM_LLM_PROVIDER: "openai",
  LOOM_LLM_MODEL: "gpt-4o-mini",
  LOOM_LLM_BASE_URL: openai.url,
  LOOM_LLM_API_KEY: "sk-bench",
});
const config = defaultRepoConfig();
const loaded: LoadedConfig = {
  config,
  prompts: new Map([
    ["bugs", BUILTIN_PROMPTS.bugs],
    ["security", BUILTIN_PROMPTS.security],
    ["performance", BUILTIN_PROMPTS.performance],
  ]),
  promptRefs: new Map(),
  personas: new Map(),
  scripts: new Map(),
  source: "default",
  ref: "main",
};

async function reviewOnce(serial: boolean) {
  const intervals: [number, number][] = [];
  const started = performance.now();
  const parsed = parseDiff(diff.diff);
  const result = await runPipeline({
    loaded,
    files: parsed,
    title: "A 500-file change",
    server,
    createLlm: (model) => timed(createLlmClient(model), intervals),
    signal: new AbortController().signal,
    readHeadFile: (path) => Promise.resolve(heads.get(path) ?? null),
    chunkTokens: 4000,
    ...(serial ? { stepConcurrency: 1, chunkConcurrency: 1 } : {}),
  });
  const { inline, unanchored } = anchorFindings(result.findings, parsed);
  const fingerprints = new Set(inline.map(fingerprint));
  renderSummary({
    headSha: diff.headSha,
    filesReviewed: result.reviewable.length,
    inline: inline.slice(0, 25),
    unanchored: [...inline.slice(25), ...unanchored],
    alreadyPosted: 0,
    skippedFiles: result.skippedFiles,
    steps: result.runs.map((run) => ({
      ...run.record,
      model: run.record.model ?? undefined,
      error: undefined,
    })),
    costUsd: 0,
  });
  const total = performance.now() - started;
  const llm = covered(intervals);
  return { total, llm, overhead: total - llm, calls: intervals.length, findings: fingerprints.size };
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const report = [
  `engine_500_files: ${
    Object.keys(files).length
  } files, ${diff.diff.length} bytes of diff, ${runs} runs (+1 warm-up)`,
];
for (const serial of [true, false]) {
  await reviewOnce(serial);
  const samples = [];
  for (let run = 0; run < runs; run++) samples.push(await reviewOnce(serial));
  const mode = serial ? "serial (1 step, 1 chunk at a time)" : "default parallelism (3 steps × 4 chunks)";
  report.push(
    `${mode}: calls ${samples[0]!.calls}, total ${median(samples.map((s) => s.total)).toFixed(1)} ms, ` +
      `in LLM ${median(samples.map((s) => s.llm)).toFixed(1)} ms, ` +
      `engine overhead median ${median(samples.map((s) => s.overhead)).toFixed(1)} ms ` +
      `(min ${Math.min(...samples.map((s) => s.overhead)).toFixed(1)}, max ${
        Math.max(...samples.map((s) => s.overhead)).toFixed(1)
      })`,
  );
}
await Deno.stdout.write(new TextEncoder().encode(report.join("\n") + "\n"));
