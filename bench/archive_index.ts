/**
 * The code index of a repository's first review, as the worker gets it: the head tree downloaded as one archive
 * from the (fake) GitHub API through the GitHub client (`getArchive`: tarball redirect, codeload, gzip and tar read
 * as they arrive) and streamed file by file into `buildCodeIndex`, then serialised for the per-commit cache.
 * The repository is the synthetic 5,000-file one of `context_index.ts` (eight languages). The measured process
 * runs with the worker's V8 flags and reports wall time, CPU time, the archive's size and the peak resident set
 * (VmHWM) against the same process that only loads the grammars — the figure that says whether streaming keeps
 * the worker under its 200 MB with the repository never held whole.
 *
 *   deno run -A bench/archive_index.ts [--files 5000] [--rounds 3]
 */
import { createGitHubClient } from "../lib/platforms/github/client.ts";
import { buildCodeIndex, serializeCodeIndex } from "../lib/codebase/mod.ts";
import { silentLogger } from "../lib/log.ts";
import { indexWants } from "../lib/review/code_index_source.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../tests/fakes/github.ts";
import { syntheticRepository } from "./context_repo.ts";
import { cpuMs, flag, statusKb } from "./process_stats.ts";

function emit(text: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(text + "\n"));
}

const HEAD = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
const PR = { platform: "github" as const, repo: "octo/big", number: 1 };

/** The measured process: downloads and indexes (or, for `baseline`, only warms the grammars). */
async function child(url: string, mode: "baseline" | "index"): Promise<void> {
  // Every grammar loaded and its queries compiled, as a worker has after its first review.
  await buildCodeIndex([
    { path: "w.ts", text: "export const a = 1;\n" },
    { path: "w.py", text: "a = 1\n" },
    { path: "w.go", text: "package w\n" },
    { path: "W.java", text: "class W {}\n" },
    { path: "w.rs", text: "fn a() {}\n" },
    { path: "W.cs", text: "class W {}\n" },
    { path: "w.rb", text: "a = 1\n" },
    { path: "w.php", text: "<?php\n$a = 1;\n" },
  ]);
  const rssBefore = statusKb("VmRSS");
  const wall = performance.now();
  const cpu = cpuMs();
  let figures: Record<string, number> = {};
  if (mode === "index") {
    const client = createGitHubClient({ baseUrl: url, token: FAKE_GITHUB_TOKEN, log: silentLogger });
    const archive = await client.getArchive(PR, HEAD, { limits: { wanted: indexWants } });
    const index = await buildCodeIndex(archive.files);
    const serialized = serializeCodeIndex(index);
    figures = {
      files: archive.stats.files,
      archiveMb: archive.stats.bytes / 1024 / 1024,
      serializedMb: new TextEncoder().encode(serialized).length / 1024 / 1024,
    };
  }
  emit(JSON.stringify({
    ...figures,
    wallMs: performance.now() - wall,
    cpuMs: cpuMs() - cpu,
    rssBeforeMb: rssBefore / 1024,
    peakMb: statusKb("VmHWM") / 1024,
  }));
}

async function workerFlags(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  return String(config.tasks.worker).split(/\s+/).filter((arg) => arg.startsWith("--v8-flags="));
}

async function runChild(url: string, mode: string): Promise<Record<string, number>> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...await workerFlags(),
      new URL(import.meta.url).pathname,
      "--child",
      url,
      "--mode",
      mode,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
  return JSON.parse(new TextDecoder().decode(output.stdout).trim().split("\n").at(-1)!);
}

if (Deno.args.includes("--child")) {
  await child(flag("--child", ""), flag("--mode", "index") as "baseline" | "index");
} else {
  const files = Number(flag("--files", "5000"));
  const rounds = Number(flag("--rounds", "3"));
  const repository = syntheticRepository(files, 0);
  await using github = startFakeGitHub({ contract: false });
  for (const [path, text] of repository.head) github.state.addFile(PR.repo, HEAD, path, text);
  const baseline = await runChild(github.url, "baseline");
  emit(`Archive → index, ${repository.head.size} files (${JSON.stringify(repository.languages)})`);
  emit(`baseline (grammars loaded, no repository): peak ${baseline.peakMb!.toFixed(0)} MB`);
  emit("| round | files | archive MB | index MB | wall ms | CPU ms | peak RSS MB |");
  emit("| ----- | ----- | ---------- | -------- | ------- | ------ | ----------- |");
  for (let round = 1; round <= rounds; round++) {
    const result = await runChild(github.url, "index");
    emit(
      `| ${round} | ${result.files} | ${result.archiveMb!.toFixed(1)} | ${
        result.serializedMb!.toFixed(1)
      } | ` +
        `${result.wallMs!.toFixed(0)} | ${result.cpuMs!.toFixed(0)} | ${result.peakMb!.toFixed(0)} |`,
    );
  }
}
