/**
 * Queue throughput on both databases: enqueue jobs/s, and drain jobs/s with one and two workers (each worker its
 * own connection, claiming one job at a time and completing it, as the worker loop does).
 *
 *   deno run -A bench/queue.ts [--jobs 5000]
 *
 * PostgreSQL comes from LOOM_TEST_DATABASE_URL (default the local `test` database), in a throwaway schema.
 */
import { setImmediate } from "node:timers";
import { createTestDatabase } from "../lib/db/testing.ts";
import type { Db } from "../lib/db/mod.ts";
import { claim, complete, enqueue, type TaskPayloads } from "../lib/queue/mod.ts";
import { reviewPayload } from "../lib/queue/testing.ts";

/** A review job's payload for pull request `number`. */
export function benchPayload(number: number): TaskPayloads["review_pull_request"] {
  return reviewPayload({ repo: "octo/bench", number, headSha: `sha${number}`, title: "Benchmark" });
}

/** Enqueues `count` jobs one by one (as webhooks do) and returns jobs/s. */
export async function fill(db: Db, count: number, offset = 0): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < count; index++) {
    await enqueue(db, "review_pull_request", benchPayload(offset + index), {
      dedupeKey: `bench-${offset + index}`,
    });
  }
  return count / ((performance.now() - started) / 1000);
}

/** Claims and completes jobs on every connection in parallel until none is left; returns jobs/s. */
export async function drain(workers: Db[]): Promise<{ perSecond: number; claimed: number }> {
  let claimed = 0;
  const started = performance.now();
  await Promise.all(workers.map(async (db, index) => {
    const id = `bench-worker-${index}`;
    while (true) {
      const [job] = await claim(db, id, { leaseMs: 60_000 });
      if (!job) break;
      await complete(db, job, id);
      claimed++;
      // A real worker does I/O between jobs; yielding lets in-process workers interleave fairly. setImmediate,
      // not setTimeout(0): nested timers are clamped to 4 ms, which would measure the clamp, not the queue.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }));
  return { perSecond: claimed / ((performance.now() - started) / 1000), claimed };
}

if (import.meta.main) {
  const jobsFlag = Deno.args.indexOf("--jobs");
  const jobs = jobsFlag >= 0 ? Number(Deno.args[jobsFlag + 1]) : 5000;
  const rows: string[] = [];
  for (const dialect of ["sqlite", "postgres"] as const) {
    await using database = await createTestDatabase(dialect);
    const enqueueRate = await fill(database.db, jobs);
    const one = await drain([database.connect()]);
    await fill(database.db, jobs, jobs);
    const two = await drain([database.connect(), database.connect()]);
    if (one.claimed !== jobs || two.claimed !== jobs) {
      throw new Error(`Lost jobs: ${one.claimed}, ${two.claimed}`);
    }
    rows.push(
      `| ${dialect} | ${jobs} | ${enqueueRate.toFixed(0)} | ${one.perSecond.toFixed(0)} | ${
        two.perSecond.toFixed(0)
      } |`,
    );
  }
  const out = [
    "| database | jobs | enqueue jobs/s | drain jobs/s, 1 worker | drain jobs/s, 2 workers |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
  await Deno.stdout.write(new TextEncoder().encode(out + "\n"));
}
