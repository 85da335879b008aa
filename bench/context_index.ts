/**
 * Code index time and memory on a large pull request: a synthetic 5,000-file repository in eight languages
 * (`context_repo.ts`: real import and call structure) and a 500-file change, its diff made by git. Each figure
 * comes from a child process started with the worker's V8 flags (as `deno task worker` runs), which reads the
 * head files into memory (as a worker holds a fetched archive), plans the review's chunks exactly as a step
 * does, gets the head index and selects context for every chunk once, with a budget of half its diff prompt
 * (the blocks' own tokens; their headings and fence come on top).
 *
 * The head index is got two ways: the base commit's index read from the cache and updated with the changed
 * files (what a review does once the repository was indexed), and built from every file (its first review).
 * Reported for each: index and selection time (together: engine time; target under 3 s) as wall and CPU time
 * (on a shared machine CPU time is what the engine costs, wall time also counts waiting), the serialized index
 * (what the per-commit cache stores), and the child's peak resident set (VmHWM; target under 200 MB) against the
 * same child without the engine; loading the grammars and compiling their queries, which a worker does once on
 * its first review, is measured apart before the engine time; and the prompt tokens of all chunks with context against the diff-only
 * prompts a review sends today.
 *
 *   deno run -A bench/context_index.ts [--files 5000] [--changed 500] [--rounds 3] [--languages go,java]
 */
import { parseDiff } from "../lib/diff/mod.ts";
import {
  buildCodeIndex,
  parseCodeIndex,
  selectContext,
  serializeCodeIndex,
  updateCodeIndex,
} from "../lib/codebase/mod.ts";
import { extractFacts } from "../lib/codebase/extract.ts";
import { languageOf } from "../lib/codebase/languages.ts";
import { BUILTIN_PROMPTS } from "../lib/config/load.ts";
import { loadO200kCounter } from "../lib/llm/openai_tokens.ts";
import { autoContextLines, planChunks, trimContext } from "../lib/review/context.ts";
import { buildReviewMessages, type PromptFile, renderNumberedDiff } from "../lib/review/prompt.ts";
import type { CodeContextBlock } from "../lib/codebase/mod.ts";
import { syntheticRepository } from "./context_repo.ts";
import { cpuMs, flag, statusKb } from "./process_stats.ts";

/** Context budget as a share of each chunk's diff prompt, as `deno task eval --context-only` reports it. */
const BUDGET_SHARE = 0.5;

async function readTree(root: string, folder = ""): Promise<{ path: string; text: string }[]> {
  const files: { path: string; text: string }[] = [];
  for await (const entry of Deno.readDir(`${root}/${folder}`)) {
    const path = folder === "" ? entry.name : `${folder}/${entry.name}`;
    if (entry.name === ".git") continue;
    if (entry.isDirectory) files.push(...await readTree(root, path));
    else files.push({ path, text: await Deno.readTextFile(`${root}/${path}`) });
  }
  return files;
}

function callTokens(
  title: string,
  files: readonly PromptFile[],
  blocks: readonly CodeContextBlock[],
  count: (text: string) => number,
): number {
  const messages = buildReviewMessages({
    steps: [{ name: "bugs", prompt: BUILTIN_PROMPTS.bugs }],
    title,
    diff: renderNumberedDiff(files),
    context: blocks,
  });
  return messages.reduce((sum, message) => sum + count(message.content), 0);
}

/** One small file per language: parsing them loads every grammar and compiles its queries. */
const WARM_UP: Record<string, string> = {
  "warm.ts": "export const a = 1;\n",
  "warm.py": "a = 1\n",
  "warm.go": "package warm\n",
  "Warm.java": "class Warm {}\n",
  "warm.rs": "fn a() {}\n",
  "Warm.cs": "class Warm {}\n",
  "warm.rb": "a = 1\n",
  "warm.php": "<?php\n$a = 1;\n",
};

/** Writes one line to stdout, as the other benchmarks do. */
function emit(text: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(text + "\n"));
}

/**
 * What the measured process does: `prepare` builds the base commit's index into `base.index` (the cache a
 * review finds); `baseline` reads and plans without the engine; `cold` builds the head index from every file
 * (a repository's first review); `warm` reads the cached base index and updates it with the changed files, as a
 * review does when its base commit was indexed before.
 */
type Mode = "prepare" | "baseline" | "cold" | "warm";

/** The measured process: prints one JSON line of figures. */
async function child(folder: string, mode: Mode): Promise<void> {
  const countTokens = await loadO200kCounter();
  const files = await readTree(`${folder}/repo`);
  if (mode === "prepare") {
    const base = new Map((await readTree(`${folder}/base`)).map((file) => [file.path, file.text]));
    const index = await buildCodeIndex(
      files.map((file) => ({ ...file, text: base.get(file.path) ?? file.text })),
    );
    await Deno.writeTextFile(`${folder}/base.index`, serializeCodeIndex(index));
    return;
  }
  const diff = await Deno.readTextFile(`${folder}/pr.diff`);
  const cached = mode === "warm" ? await Deno.readTextFile(`${folder}/base.index`) : "";
  const texts = new Map(files.map((file) => [file.path, file.text]));
  const readFile = (path: string) => Promise.resolve(texts.get(path) ?? null);
  const parsed = parseDiff(diff);
  const lines = autoContextLines(parsed.length);
  const plan = planChunks(parsed.map((file) => trimContext(file, lines)), { countTokens });
  const rssReadyKb = statusKb("VmRSS");
  const title = "Add the first score of each dependency";
  let diffPrompt = 0;
  for (const chunk of plan.chunks) diffPrompt += callTokens(title, chunk.files, [], countTokens);
  if (mode === "baseline") {
    emit(JSON.stringify({ chunks: plan.chunks.length, diffPrompt, rssReadyKb, hwmKb: statusKb("VmHWM") }));
    return;
  }
  // A worker loads each grammar and compiles its queries once, on its first review; measured apart.
  const warmStarted = performance.now();
  const cpuWarmStarted = cpuMs();
  for (const [path, text] of Object.entries(WARM_UP)) {
    await extractFacts(languageOf(path)!, text, { references: false });
    await extractFacts(languageOf(path)!, text);
  }
  const warmMs = performance.now() - warmStarted;
  const warmCpuMs = cpuMs() - cpuWarmStarted;
  const changed = new Set(parsed.map((file) => file.newPath));
  const started = performance.now();
  const cpuStarted = cpuMs();
  const index = mode === "cold"
    ? await buildCodeIndex(files)
    : await updateCodeIndex(parseCodeIndex(cached), files.filter((file) => changed.has(file.path)), []);
  const built = performance.now();
  const cpuBuilt = cpuMs();
  let withContext = 0;
  let blockTokens = 0;
  let blocks = 0;
  let omitted = 0;
  const kinds: Record<string, number> = {};
  for (const chunk of plan.chunks) {
    const promptTokens = callTokens(title, chunk.files, [], countTokens);
    const selection = await selectContext({
      index,
      files: chunk.files.map((entry) => entry.file),
      readFile,
      budgetTokens: Math.floor(BUDGET_SHARE * promptTokens),
      countTokens,
    });
    blocks += selection.blocks.length;
    omitted += selection.omitted.blocks;
    for (const block of selection.blocks) kinds[block.kind] = (kinds[block.kind] ?? 0) + 1;
    blockTokens += selection.blocks.reduce((sum, block) => sum + block.tokens, 0);
    withContext += callTokens(title, chunk.files, selection.blocks, countTokens);
  }
  const selected = performance.now();
  const cpuSelected = cpuMs();
  const hwmKb = statusKb("VmHWM");
  const serialized = serializeCodeIndex(index);
  emit(JSON.stringify({
    chunks: plan.chunks.length,
    warmMs,
    warmCpuMs,
    indexMs: built - started,
    selectMs: selected - built,
    indexCpuMs: cpuBuilt - cpuStarted,
    selectCpuMs: cpuSelected - cpuBuilt,
    serializedBytes: new TextEncoder().encode(serialized).length,
    diffPrompt,
    withContext,
    blockTokens,
    blocks,
    omitted,
    kinds,
    rssReadyKb,
    hwmKb,
  }));
}

async function git(directory: string, args: string[]): Promise<string> {
  const output = await new Deno.Command("git", {
    args: ["-c", "core.autocrlf=false", ...args],
    cwd: directory,
    env: { GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`);
  return new TextDecoder().decode(output.stdout);
}

async function writeAll(root: string, files: Iterable<[string, string]>): Promise<void> {
  for (const [path, text] of files) {
    await Deno.mkdir(`${root}/${path.slice(0, path.lastIndexOf("/") + 1)}`, { recursive: true });
    await Deno.writeTextFile(`${root}/${path}`, text);
  }
}

/** `deno task worker`'s V8 flags, read from `deno.json`. */
async function workerFlags(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  return String(config.tasks.worker).split(/\s+/).filter((arg) => arg.startsWith("--v8-flags="));
}

type Figures = Record<string, number> & { kinds?: Record<string, number> };

async function runChild(folder: string, mode: Mode): Promise<Figures> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...await workerFlags(),
      new URL(import.meta.url).pathname,
      "--child",
      folder,
      "--mode",
      mode,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(`The measured process failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  return mode === "prepare"
    ? {}
    : JSON.parse(new TextDecoder().decode(output.stdout).trim().split("\n").at(-1)!);
}

async function main(): Promise<void> {
  if (Deno.args.includes("--child")) return await child(flag("--child", ""), flag("--mode", "cold") as Mode);
  const fileCount = Number(flag("--files", "5000"));
  const changed = Number(flag("--changed", "500"));
  const rounds = Number(flag("--rounds", "3"));
  const languages = flag("--languages", "");
  const repository = syntheticRepository(fileCount, changed, {
    ...(languages === "" ? {} : { languages: languages.split(",") }),
  });
  const folder = await Deno.makeTempDir({ prefix: "loom_bench_context_" });
  try {
    const repo = `${folder}/repo`;
    await Deno.mkdir(repo);
    await git(repo, ["init", "--quiet"]);
    await writeAll(
      repo,
      [...repository.head].map(([path, text]) => [path, repository.base.get(path) ?? text]),
    );
    await git(repo, ["add", "--all"]);
    await writeAll(repo, [...repository.base.keys()].map((path) => [path, repository.head.get(path)!]));
    const diff = await git(repo, ["diff", "--no-color"]);
    await Deno.writeTextFile(`${folder}/pr.diff`, diff);
    await writeAll(`${folder}/base`, repository.base);
    await runChild(folder, "prepare");
    const lines = [...repository.head.values()].reduce((sum, text) => sum + text.split("\n").length - 1, 0);
    const bytes = [...repository.head.values()].reduce((sum, text) => sum + text.length, 0);
    const cpu = (await Deno.readTextFile("/proc/cpuinfo")).match(/^model name\s*:\s*(.+)$/m)?.[1] ??
      "unknown CPU";
    const out = emit;
    out(
      `command: deno run -A bench/context_index.ts --files ${fileCount} --changed ${changed} --rounds ${rounds}` +
        (languages === "" ? "" : ` --languages ${languages}`),
    );
    out(
      `machine: ${cpu}, ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}, V8 ${Deno.version.v8}`,
    );
    out(
      `repository: ${repository.head.size} files, ${lines} lines, ${(bytes / 1e6).toFixed(1)} MB; modules ` +
        Object.entries(repository.languages).map(([language, count]) => `${language} ${count}`).join(", "),
    );
    out(`pull request: ${repository.base.size} changed files, diff ${(diff.length / 1e3).toFixed(0)} kB`);
    out("");
    out(
      "| round | index | engine ms (CPU) | index ms (CPU) | select ms (CPU) | grammars ms (CPU) | chunks | index MB | " +
        "RSS ready MB | VmHWM MB | VmHWM no engine MB | load |",
    );
    out(
      "| ----- | ----- | --------------- | -------------- | --------------- | ----------------- | ------ | -------- | " +
        "------------ | -------- | ------------------ | ---- |",
    );
    let last: Figures = {};
    for (let round = 1; round <= rounds; round++) {
      // Alternated, so load on the machine hits the engine and the baseline alike.
      const baseline = await runChild(folder, "baseline");
      for (const mode of ["warm", "cold"] as const) {
        last = await runChild(folder, mode);
        const mb = (kb: number) => (kb / 1024).toFixed(0);
        const both = (wall: number, cpu: number) => `${wall.toFixed(0)} (${cpu.toFixed(0)})`;
        const load = (await Deno.readTextFile("/proc/loadavg")).split(" ")[0];
        out(
          `| ${round} | ${mode === "warm" ? "base cached, updated" : "built from every file"} | ` +
            `${both(last.indexMs! + last.selectMs!, last.indexCpuMs! + last.selectCpuMs!)} | ` +
            `${both(last.indexMs!, last.indexCpuMs!)} | ${both(last.selectMs!, last.selectCpuMs!)} | ` +
            `${both(last.warmMs!, last.warmCpuMs!)} | ` +
            `${last.chunks} | ${(last.serializedBytes! / 1e6).toFixed(1)} | ${mb(last.rssReadyKb!)} | ` +
            `${mb(last.hwmKb!)} | ${mb(baseline.hwmKb!)} | ${load} |`,
        );
      }
    }
    out("");
    out(
      `prompt tokens over all chunks: diff only ${last.diffPrompt} (today), with context ${last.withContext} ` +
        `(${
          (last.withContext! / last.diffPrompt!).toFixed(2)
        }×, of which the blocks themselves ${last.blockTokens}); ` +
        `${last.blocks} blocks given ` +
        `(${Object.entries(last.kinds ?? {}).map(([kind, count]) => `${kind} ${count}`).join(", ")}), ` +
        `${last.omitted} left out by the budget`,
    );
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}

await main();
