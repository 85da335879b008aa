/**
 * Prompt tokens a review sends, per pipeline mode, for a 3-, a 40- and a 400-file pull request built like the
 * engine benchmark's (bench/engine_500_files.ts): TypeScript modules with a few changed lines each, some under
 * `src/auth/`, plus docs, a test and files Loom skips. Each review runs the default configuration's three llm
 * steps through the official SDK against the local fake OpenAI, which counts every prompt with the o200k
 * tokenizer and reports `cached_tokens` for a prefix it has already answered (at least 1,024 tokens, in
 * 128-token steps, as OpenAI documents), so the figures are what the wire carried, not what Loom thinks it sent.
 *
 *   deno run -A bench/tokens.ts                          # both modes, model answering after 300 ms
 *   deno run -A bench/tokens.ts --modes default --delay 0
 */
import { parseArgs } from "node:util";
import { loadServerConfig } from "../lib/config/env.ts";
import { BUILTIN_PROMPTS, type LoadedConfig } from "../lib/config/load.ts";
import { parseRepoConfig } from "../lib/config/parse.ts";
import { parseDiff } from "../lib/diff/mod.ts";
import { createLlmClient } from "../lib/llm/mod.ts";
import { runPipeline } from "../lib/review/engine.ts";
import { loadO200kCounter } from "../lib/llm/openai_tokens.ts";
import { makeGitDiff } from "../tests/fakes/git_diff.ts";
import { type FakeLlmRequest, type FakeReply, startFakeOpenAI } from "../tests/fakes/openai.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    modes: { type: "string", default: "default,combined" },
    sizes: { type: "string", default: "3,40,400" },
    delay: { type: "string", default: "300" },
  },
});
const modes = values.modes.split(",");
const sizes = values.sizes.split(",").map(Number);
const delayMs = Number(values.delay);

/** A 50-line module; `changed` rewrites three places, so git shows three hunks. */
function source(index: number, changed: boolean): string {
  return Array.from({ length: 50 }, (_, line) => {
    const value = changed && line % 20 === 6 ? `${line} * 7 + ${index}` : `${line}`;
    return `export const value${index}_${line} = ${value};`;
  }).join("\n") + "\n";
}

/** `count` files: mostly source modules, a few security-sensitive ones, docs, a test and skipped files. */
function pullRequestFiles(count: number): Record<string, { base?: string; head?: string }> {
  const files: Record<string, { base?: string; head?: string }> = {};
  const extras: Record<string, { base?: string; head?: string }> = {
    "docs/guide.md": { base: "# Guide\n\nOld text.\n", head: "# Guide\n\nNew text.\n" },
    "tests/file_test.ts": { head: source(2000, false) },
    "package-lock.json": { head: '{ "lockfileVersion": 3 }\n' },
  };
  const extraPaths = count >= 40 ? Object.keys(extras) : [];
  const auth = Math.max(1, Math.floor(count / 40));
  const plain = count - auth - extraPaths.length;
  for (let index = 0; index < plain; index++) {
    files[`src/module${index % 40}/file${index}.ts`] = {
      base: source(index, false),
      head: source(index, true),
    };
  }
  for (let index = 0; index < auth; index++) {
    files[`src/auth/check${index}.ts`] = {
      base: source(1000 + index, false),
      head: source(1000 + index, true),
    };
  }
  for (const path of extraPaths) files[path] = extras[path]!;
  return files;
}

function reply(request: FakeLlmRequest): FakeReply {
  const user = request.messages.filter((message) => message.role === "user").map((message) => message.content)
    .join("\n");
  const findings = user.split(/^### File: /m).slice(1).flatMap((section) => {
    const path = section.slice(0, section.search(/[ \n]/));
    const added = /^R(\d+) ?\+(.*)$/m.exec(section);
    return added && path.includes("auth")
      ? [{
        path,
        line: Number(added[1]),
        side: "RIGHT",
        severity: "warning",
        title: "Check the new value",
        body: "The new value is not validated.",
      }]
      : [];
  });
  // A combined call's schema asks for each finding's step.
  const format =
    (request.body as { response_format?: { json_schema?: { schema?: unknown } } }).response_format;
  const combined = JSON.stringify(format?.json_schema?.schema ?? {}).includes('"step"');
  const json = {
    findings: combined ? findings.map((finding) => ({ ...finding, step: "security" })) : findings,
  };
  return delayMs > 0 ? { delayMs, then: { json } } : { json };
}

const countTokens = await loadO200kCounter();
const rows: string[] = [];
for (const size of sizes) {
  const files = pullRequestFiles(size);
  const diff = await makeGitDiff(files);
  const heads = new Map(Object.entries(files).map(([path, content]) => [path, content.head ?? null]));
  for (const mode of modes) {
    await using openai = await startFakeOpenAI({ reply, countTokens });
    const server = loadServerConfig({
      LOOM_LLM_PROVIDER: "openai",
      LOOM_LLM_MODEL: "gpt-4o-mini",
      LOOM_LLM_BASE_URL: openai.url,
      LOOM_LLM_API_KEY: "sk-bench",
    });
    const config = parseRepoConfig(mode === "default" ? "" : `pipeline:\n  mode: ${mode}\n`);
    const loaded: LoadedConfig = {
      config,
      prompts: new Map(
        (["bugs", "security", "performance"] as const).map((name) => [name, BUILTIN_PROMPTS[name]]),
      ),
      promptRefs: new Map(),
      personas: new Map(),
      scripts: new Map(),
      source: mode === "default" ? "default" : "repository",
      ref: "main",
    };
    const started = performance.now();
    await runPipeline({
      loaded,
      files: parseDiff(diff.diff),
      title: `A ${size}-file change`,
      server,
      createLlm: (model) => createLlmClient(model),
      signal: new AbortController().signal,
      readHeadFile: (path) => Promise.resolve(heads.get(path) ?? null),
    });
    const elapsed = performance.now() - started;
    let prompt = 0;
    let cached = 0;
    for (const request of openai.requests) {
      prompt += request.usage?.inputTokens ?? 0;
      cached += request.usage?.cachedInputTokens ?? 0;
    }
    rows.push(
      `| ${size} | ${mode} | ${openai.requests.length} | ${prompt} | ${cached} | ${prompt - cached} | ` +
        `${(elapsed / 1000).toFixed(1)} s |`,
    );
  }
}
const report = [
  `tokens: model answers after ${delayMs} ms; prompt tokens as the fake OpenAI counted them (o200k)`,
  "",
  "| files | mode | calls | prompt tokens | cached | uncached | wall time |",
  "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
  ...rows,
];
await Deno.stdout.write(new TextEncoder().encode(report.join("\n") + "\n"));
