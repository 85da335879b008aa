/**
 * The database goes away while jobs flow, and the workers recover on their own.
 *
 * PostgreSQL: the shared server is never restarted (other tests use it); instead two workers reach it through a
 * TCP proxy that this test cuts — every open connection is closed and new ones are refused, as during a
 * restart or failover — and then restores. SQLite has no server to lose; its failure mode under load is
 * "database is locked", so a second writer process holds the write lock in bursts longer than the workers'
 * busy timeout. In both cases every job must end `completed`, none failed or stuck, and only a job that was
 * running at the moment of the fault may run a second time (its completion could not be recorded).
 */
import assert from "node:assert/strict";
import { reviewPayload } from "../../lib/queue/testing.ts";
import { createPostgresDb, createSqliteDb, type Db, sql } from "../../lib/db/mod.ts";
import { createTestDatabase } from "../../lib/db/testing.ts";
import { createLogger } from "../../lib/log.ts";
import { enqueue, type TaskPayloads } from "../../lib/queue/mod.ts";
import { runWorker, type TaskRegistry } from "../../worker/run_worker.ts";
import { startCuttableProxy } from "./_cuttable_proxy.ts";

const JOBS = 240;

function payload(number: number): TaskPayloads["review_pull_request"] {
  return reviewPayload({ repo: "octo/outage", number, headSha: `sha${number}`, title: "Outage" });
}

/**
 * Leases long enough that, on a loaded CI machine, a 15 ms job never outlives its lease by itself: every extra
 * run the assertions allow must come from the fault.
 */
const LEASE_MS = 3_000;

interface Run {
  executions: Map<number, number>;
  errors: string[];
}

/** Runs `workers` loops that "review" for 15 ms per job until every job is completed or `timeoutMs` passes. */
async function drainThrough(
  observer: Db,
  workers: Db[],
  fault: (completed: () => Promise<number>) => Promise<void>,
  timeoutMs = 90_000,
): Promise<Run> {
  const executions = new Map<number, number>();
  const errors: string[] = [];
  const log = createLogger({
    level: "warn",
    write: (line) => errors.push((JSON.parse(line) as { message: string }).message),
  });
  const tasks: TaskRegistry = {
    review_pull_request: async (job) => {
      executions.set(job.id, (executions.get(job.id) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 15));
    },
    pull_request_command: () => Promise.resolve(),
    describe_pull_request: () => Promise.resolve(),
  } as TaskRegistry;
  const stop = new AbortController();
  const loops = workers.map((db, index) =>
    runWorker({
      db,
      log,
      tasks,
      workerId: `outage-${index}`,
      concurrency: 2,
      leaseMs: LEASE_MS,
      pollIntervalMs: 50,
      shutdownGraceMs: 2_000,
      signal: stop.signal,
    })
  );
  const completed = async () => {
    const [row] = await observer.query<{ count: number }>(
      sql`select count(*) as count from jobs where status = 'completed'`,
    );
    return Number(row!.count);
  };
  try {
    await fault(completed);
    const deadline = Date.now() + timeoutMs;
    while ((await completed()) < JOBS) {
      if (Date.now() > deadline) throw new Error(`Only ${await completed()} of ${JOBS} jobs completed`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    stop.abort();
    await Promise.all(loops);
  }
  return { executions, errors };
}

async function until(check: () => Promise<boolean>) {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("Timed out waiting for jobs to flow");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** `inFlightAtFault`: job runs that can overlap the fault (concurrent slots × separate fault windows). */
async function assertEveryJobCompletedOnce(db: Db, run: Run, inFlightAtFault: number) {
  const rows = await db.query<{ id: number; status: string }>(sql`select id, status from jobs order by id`);
  assert.equal(rows.length, JOBS);
  assert.deepEqual(rows.filter((row) => row.status !== "completed"), [], "every job completed");
  assert.equal(run.executions.size, JOBS, "every job ran");
  // A run whose completion could not be recorded is run again; only runs in flight during a fault qualify.
  const extraRuns = [...run.executions.values()].reduce((sum, count) => sum + count - 1, 0);
  assert.ok(
    extraRuns <= inFlightAtFault,
    `${extraRuns} extra runs, at most ${inFlightAtFault} were in flight`,
  );
}

Deno.test("workers recover when every PostgreSQL connection is cut under load [postgres]", async () => {
  await using database = await createTestDatabase("postgres");
  const url = new URL(database.url);
  const proxy = startCuttableProxy({ hostname: url.hostname, port: Number(url.port || 5432) });
  url.port = String(proxy.port);
  const workers = [0, 1].map(() => createPostgresDb(url.toString(), { schema: database.schema, max: 2 }));
  try {
    for (let index = 0; index < JOBS; index++) {
      await enqueue(database.db, "review_pull_request", payload(index), {
        dedupeKey: `o${index}`,
        maxAttempts: 5,
      });
    }
    const run = await drainThrough(database.db, workers, async (completed) => {
      await until(async () => (await completed()) >= JOBS / 4);
      proxy.cut();
      // Longer than a lease, so the runs the cut interrupted are taken over once it ends.
      await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 500));
      proxy.restore();
    });
    assert.ok(
      run.errors.some((message) =>
        /Cannot claim jobs|Cannot record|Heartbeat failed|Job failed/.test(message)
      ),
      `the cut was felt by the workers: ${[...new Set(run.errors)].join(", ")}`,
    );
    await assertEveryJobCompletedOnce(database.db, run, 4);
  } finally {
    for (const db of workers) await db.close().catch(() => {});
    await proxy.close();
  }
});

/** Holds SQLite's write lock from another process: `cycles` times `holdMs` locked, then `gapMs` free. */
async function lockStorm(path: string, options: { cycles: number; holdMs: number; gapMs: number }) {
  const code = `
    import { DatabaseSync } from "node:sqlite";
    const db = new DatabaseSync(${JSON.stringify(path)});
    db.exec("PRAGMA busy_timeout = 5000");
    const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    for (let cycle = 0; cycle < ${options.cycles}; cycle++) {
      db.exec("BEGIN IMMEDIATE");
      sleep(${options.holdMs});
      db.exec("COMMIT");
      sleep(${options.gapMs});
    }
    db.close();
  `;
  const output = await new Deno.Command(Deno.execPath(), { args: ["eval", code], stderr: "piped" }).output();
  if (!output.success) throw new Error(`Lock storm failed: ${new TextDecoder().decode(output.stderr)}`);
}

Deno.test("workers recover from SQLITE_BUSY storms caused by another writer process [sqlite]", async () => {
  await using database = await createTestDatabase("sqlite");
  // A short busy timeout so the storm's 400 ms holds surface as "database is locked" errors in the workers.
  const workers = [0, 1].map(() => createSqliteDb(database.url, { busyTimeoutMs: 100 }));
  try {
    for (let index = 0; index < JOBS; index++) {
      await enqueue(database.db, "review_pull_request", payload(index), {
        dedupeKey: `o${index}`,
        maxAttempts: 5,
      });
    }
    const run = await drainThrough(database.db, workers, async (completed) => {
      await until(async () => (await completed()) >= JOBS / 4);
      await lockStorm(database.url, { cycles: 6, holdMs: 400, gapMs: 60 });
    });
    assert.ok(
      run.errors.some((message) =>
        /Cannot claim jobs|Cannot record|Heartbeat failed|Job failed/.test(message)
      ),
      `the storm was felt by the workers: ${[...new Set(run.errors)].join(", ")}`,
    );
    await assertEveryJobCompletedOnce(database.db, run, 4 * 6);
  } finally {
    for (const db of workers) await db.close();
  }
});
