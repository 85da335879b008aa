/**
 * Worker memory during a 500-file review: the real worker process (`worker/main.ts`) reviews a generated pull
 * request of 500 changed files (real `git diff` output) served by the fake GitHub, with the fake OpenAI model
 * answering every step, while this script samples the process's `/proc/<pid>/status` every 25 ms. Reports the
 * peak resident set (VmHWM, which the kernel tracks between samples too) and the RSS when idle before the job.
 *
 * The worker is started exactly as `deno task worker` starts it (the task's flags included, read from
 * `deno.json`); `--v8-flags <flags>` replaces the task's V8 flags and `--v8-flags none` drops them, to compare.
 *
 *   deno run -A bench/worker_rss.ts [--files 500] [--dialect sqlite|postgres] [--v8-flags none]
 */
import { sql } from "../lib/db/mod.ts";
import { createRepo } from "../lib/db/repos.ts";
import { enqueue, getJob } from "../lib/queue/mod.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../tests/fakes/github.ts";
import { startFakeOpenAI } from "../tests/fakes/openai.ts";
import { type GitDiffFile, makeGitDiff } from "../tests/fakes/git_diff.ts";
import { createE2eDatabase } from "../tests/support/loom_process.ts";

const SECRET_KEY = "bench-secret-key-bench-secret-key-0123456789";
const REPO = "octo-org/large";

function flag(name: string): string | undefined {
  const index = Deno.args.indexOf(name);
  return index >= 0 ? Deno.args[index + 1] : undefined;
}

function source(file: number, variant: number): string {
  return Array.from(
    { length: 60 },
    (_, line) =>
      line % 7 === variant
        ? `export const value${line} = compute(${file}, ${line}, "changed-${variant}");`
        : `export const value${line} = compute(${file}, ${line});`,
  ).join("\n") + "\n";
}

/** `deno task worker`'s arguments after `deno`, with the entry point as an absolute path. */
async function workerArgs(v8Flags: string | undefined): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const [program, ...args] = String(config.tasks.worker).split(/\s+/);
  if (program !== "deno") throw new Error(`The worker task does not start with deno: ${config.tasks.worker}`);
  const withoutFlags = args.filter((arg) => !arg.startsWith("--v8-flags="));
  const flags = v8Flags === undefined
    ? args.filter((arg) => arg.startsWith("--v8-flags="))
    : v8Flags === "none"
    ? []
    : [`--v8-flags=${v8Flags}`];
  return [
    ...withoutFlags.slice(0, 1),
    ...flags,
    ...withoutFlags.slice(1).map((arg) =>
      arg.endsWith(".ts") ? new URL(`../${arg}`, import.meta.url).pathname : arg
    ),
  ];
}

async function memory(pid: number): Promise<{ rssKb: number; hwmKb: number }> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const read = (key: string) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"))?.[1] ?? 0);
  return { rssKb: read("VmRSS"), hwmKb: read("VmHWM") };
}

const files = Number(flag("--files") ?? 500);
const dialect = (flag("--dialect") ?? "sqlite") as "sqlite" | "postgres";
const args = await workerArgs(flag("--v8-flags"));
await using database = await createE2eDatabase(dialect);
// Without the contract check: reading GitHub's description would add its 1.5 s to the review being timed.
await using github = startFakeGitHub({ maxDiffFiles: files + 1, maxDiffLines: files * 100, contract: false });
await using openai = await startFakeOpenAI({
  reply: (request) =>
    request.structured ? { json: { findings: [] }, usage: { inputTokens: 900, outputTokens: 20 } } : "ok",
});
const contents: Record<string, GitDiffFile> = {};
for (let index = 0; index < files; index++) {
  contents[`src/module_${index}.ts`] = { base: source(index, 0), head: source(index, 3) };
}
const diff = await makeGitDiff(contents);
github.state.addPullRequest({
  repo: REPO,
  number: 1,
  title: "Large change",
  author: "ada",
  headSha: diff.headSha,
  baseSha: diff.baseSha,
  baseRef: "main",
  headRef: "large",
  diff: diff.diff,
});
const repo = await createRepo(database.db, { platform: "github", fullName: REPO, webhookSecret: "unused" });

const child = new Deno.Command(Deno.execPath(), {
  args,
  env: {
    LOOM_DATABASE_URL: database.url,
    LOOM_SECRET_KEY: SECRET_KEY,
    LOOM_GITHUB_API_URL: github.url,
    LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN,
    LOOM_LLM_PROVIDER: "openai",
    LOOM_LLM_BASE_URL: openai.url,
    LOOM_LLM_API_KEY: "sk-bench",
    LOOM_LLM_CACHE_TTL_MS: "0",
    LOOM_POLL_INTERVAL_MS: "100",
    LOOM_LOG_LEVEL: "warn",
  },
  stdout: "null",
  stderr: "piped",
}).spawn();
const stderr = new Response(child.stderr).text();
try {
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const idle = await memory(child.pid);
  const started = performance.now();
  const job = await enqueue(database.db, "review_pull_request", {
    platform: "github",
    repoId: repo.id,
    repo: REPO,
    number: 1,
    headSha: diff.headSha,
    baseSha: diff.baseSha,
    baseRef: "main",
    headRef: "large",
    title: "Large change",
    author: "ada",
    authorIsBot: false,
    draft: false,
    action: "opened",
  });
  let peakSampled = 0;
  let status = "pending";
  while (status === "pending" || status === "in_progress") {
    peakSampled = Math.max(peakSampled, (await memory(child.pid)).rssKb);
    await new Promise((resolve) => setTimeout(resolve, 25));
    status = (await getJob(database.db, job.id))!.status;
    if (performance.now() - started > 600_000) throw new Error("The review did not finish within 10 minutes");
  }
  const after = await memory(child.pid);
  const seconds = (performance.now() - started) / 1000;
  const [review] = await database.db.query<{ status: string; filesReviewed?: number }>(
    sql`select status from reviews`,
  );
  const mb = (kb: number) => (kb / 1024).toFixed(1);
  const table = [
    `worker: deno ${args.join(" ")}`,
    "| database | files | job | review | seconds | LLM calls | idle RSS MB | peak sampled RSS MB | VmHWM MB |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    `| ${dialect} | ${files} | ${status} | ${review?.status ?? "none"} | ${
      seconds.toFixed(1)
    } | ${openai.requests.length} | ${mb(idle.rssKb)} | ${mb(peakSampled)} | ${mb(after.hwmKb)} |`,
  ].join("\n");
  await Deno.stdout.write(new TextEncoder().encode(table + "\n"));
} finally {
  child.kill("SIGTERM");
  await child.status;
  const errors = await stderr;
  if (errors.trim()) await Deno.stderr.write(new TextEncoder().encode(errors.slice(-2000) + "\n"));
}
