/**
 * Loom's PostgreSQL queue beside graphile-worker, in one run, on the same PostgreSQL server, with the same job
 * count and the same concurrency: Loom's drain (`bench/queue.ts`, one connection per worker, claim one job and
 * complete it) and graphile-worker's own perf test (`PERF_TEST` below: `add_job` for every job, then `runOnce`
 * with `concurrency` N), each in its own schema, alternating so load on the machine hits both alike.
 *
 *   deno run -A bench/graphile_compare.ts [--jobs 2000] [--rounds 2]
 *
 * graphile-worker 0.18.0 (and `pg`) are installed with npm into `bench/graphile/` (git-ignored) on first use and
 * run by the same Deno binary with its Node compatibility.
 */
import { createTestDatabase, TEST_POSTGRES_URL } from "../lib/db/testing.ts";
import { drain, fill } from "./queue.ts";

const GRAPHILE = new URL("./graphile/", import.meta.url).pathname;

/** Written into `bench/graphile/` beside the graphile-worker it imports (the repository's checks never see it). */
const PERF_TEST =
  `// graphile-worker's own performance test (its repository's perfTest/: queue N jobs of the no-op task
// \`log_if_999\` with \`graphile_worker.add_job\` in one statement, then time \`runOnce\` draining them), as a script
// the Loom comparison can run against the same PostgreSQL. Written into bench/graphile/ and run there, beside
// the graphile-worker it installs; prints one JSON line.
//
//   deno run -A --no-config --node-modules-dir=manual graphile_perf.mjs <connectionString> <schema> <jobs> <concurrency>
import process from "node:process";
import { Logger, runMigrations, runOnce } from "graphile-worker";
import pg from "pg";

const [connectionString, schema, jobsText, concurrencyText] = process.argv.slice(2);
const jobs = Number(jobsText);
const concurrency = Number(concurrencyText);
const logger = new Logger(() => () => {});
const options = { connectionString, schema, concurrency, logger, noHandleSignals: true };

await runMigrations(options);
const client = new pg.Client({ connectionString });
await client.connect();
try {
  const enqueueStarted = performance.now();
  await client.query(
    \`select \${schema}.add_job('log_if_999', json_build_object('id', i)) from generate_series(1, $1::int) i\`,
    [jobs],
  );
  const enqueueMs = performance.now() - enqueueStarted;
  const started = performance.now();
  await runOnce(options, {
    log_if_999: (payload) => {
      if (payload.id === 999) process.stdout.write("");
    },
  });
  const drainMs = performance.now() - started;
  const { rows } = await client.query(\`select count(*)::int as left from \${schema}._private_jobs\`);
  process.stdout.write(
    JSON.stringify({
      jobs,
      concurrency,
      left: rows[0].left,
      enqueuePerSecond: jobs / (enqueueMs / 1000),
      drainPerSecond: jobs / (drainMs / 1000),
    }) + "\\n",
  );
} finally {
  await client.query(\`drop schema if exists \${schema} cascade\`);
  await client.end();
}
`;

function flag(name: string, fallback: number): number {
  const index = Deno.args.indexOf(name);
  return index >= 0 ? Number(Deno.args[index + 1]) : fallback;
}

async function command(program: string, args: string[], cwd: string): Promise<string> {
  const output = await new Deno.Command(program, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  const decoder = new TextDecoder();
  if (!output.success) {
    throw new Error(`Cannot run ${program} ${args.join(" ")}: ${decoder.decode(output.stderr)}`);
  }
  return decoder.decode(output.stdout);
}

async function installGraphile(): Promise<void> {
  await Deno.mkdir(GRAPHILE, { recursive: true });
  await Deno.writeTextFile(`${GRAPHILE}graphile_perf.mjs`, PERF_TEST);
  try {
    await Deno.stat(`${GRAPHILE}node_modules/graphile-worker/package.json`);
    return;
  } catch {
    // Not installed yet.
  }
  await Deno.writeTextFile(`${GRAPHILE}package.json`, JSON.stringify({ private: true, type: "module" }));
  await command("npm", ["install", "--no-audit", "--no-fund", "graphile-worker@0.18.0", "pg@8"], GRAPHILE);
}

async function graphile(jobs: number, concurrency: number): Promise<{ enqueue: number; drain: number }> {
  const schema = `gw_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const out = await command(Deno.execPath(), [
    "run",
    "-A",
    "--no-config",
    "--node-modules-dir=manual",
    "graphile_perf.mjs",
    TEST_POSTGRES_URL,
    schema,
    String(jobs),
    String(concurrency),
  ], GRAPHILE);
  const result = JSON.parse(out.trim().split("\n").at(-1)!);
  if (result.left !== 0) throw new Error(`graphile-worker left ${result.left} jobs`);
  return { enqueue: result.enqueuePerSecond, drain: result.drainPerSecond };
}

async function loom(jobs: number, concurrency: number): Promise<{ enqueue: number; drain: number }> {
  await using database = await createTestDatabase("postgres");
  const enqueue = await fill(database.db, jobs);
  const result = await drain(Array.from({ length: concurrency }, () => database.connect()));
  if (result.claimed !== jobs) throw new Error(`Loom drained ${result.claimed} of ${jobs} jobs`);
  return { enqueue, drain: result.perSecond };
}

const jobs = flag("--jobs", 2000);
const rounds = flag("--rounds", 2);
await installGraphile();
const rows: string[] = [];
for (const concurrency of [1, 2]) {
  const loomRuns: number[] = [];
  const graphileRuns: number[] = [];
  for (let round = 0; round < rounds; round++) {
    loomRuns.push((await loom(jobs, concurrency)).drain);
    graphileRuns.push((await graphile(jobs, concurrency)).drain);
  }
  const best = (values: number[]) => Math.max(...values);
  rows.push(
    `| ${concurrency} | ${jobs} | ${loomRuns.map((value) => value.toFixed(0)).join(" / ")} | ${
      graphileRuns.map((value) => value.toFixed(0)).join(" / ")
    } | ${(best(graphileRuns) / best(loomRuns)).toFixed(2)}× |`,
  );
}
const table = [
  "| workers | jobs | Loom drain jobs/s (each round) | graphile-worker drain jobs/s (each round) | graphile ÷ Loom (best) |",
  "| --- | --- | --- | --- | --- |",
  ...rows,
].join("\n");
await Deno.stdout.write(new TextEncoder().encode(table + "\n"));
