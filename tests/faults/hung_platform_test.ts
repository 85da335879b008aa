/**
 * A platform request that never answers must not pin its job: the job times out, stops heartbeating, gives its
 * lease back through the queue's retry, and is reviewed once when the platform answers again — long before the
 * lease (a minute here) would have run out.
 */
import assert from "node:assert/strict";
import { dbTest } from "../../lib/db/testing.ts";
import { sql } from "../../lib/db/mod.ts";
import { createLogger } from "../../lib/log.ts";
import { enqueue, getJob } from "../../lib/queue/mod.ts";
import { reviewPayload } from "../../lib/queue/testing.ts";
import { runWorker, type TaskRegistry } from "../../worker/run_worker.ts";
import { createReviewEnv, findings } from "./_review_env.ts";

const LEASE_MS = 60_000;

dbTest(
  "a GitHub request that never answers times the job out, and it is reviewed once afterwards",
  async ({ db }) => {
    await using env = await createReviewEnv(db, findings);
    // The first read of the pull request hangs; the platform answers every later request.
    const release = env.github.state.holdNext("/pulls/7");
    const id = await env.enqueueReview(3);
    const started = Date.now();
    try {
      await env.runUntil(async () => (await env.job(id)).status === "completed", {
        jobTimeoutMs: 1_500,
        leaseMs: LEASE_MS,
        timeoutMs: 30_000,
      });
    } finally {
      release();
    }
    const elapsed = Date.now() - started;
    assert.ok(elapsed < LEASE_MS / 2, `reviewed after ${elapsed} ms: the lease was waited out`);
    const job = await env.job(id);
    assert.equal(job.attempts, 2, "the hung attempt failed and was retried once");
    assert.ok(
      env.logs.some((line) =>
        line.message === "Job failed; will retry" && /timed out/.test(JSON.stringify(line))
      ),
      "the first attempt ended by its timeout",
    );
    assert.equal(env.github.state.reviews.length, 1, "reviewed exactly once");
  },
);

dbTest(
  "a task that ignores its signal is left behind after its timeout; its job is retried at once",
  async ({ db }) => {
    const { id } = await enqueue(db, "review_pull_request", reviewPayload({ number: 1 }), { maxAttempts: 3 });
    let runs = 0;
    const tasks = {
      review_pull_request: () => {
        runs++;
        // The first run hangs and never looks at its signal; the second finishes.
        return runs === 1 ? new Promise<void>(() => {}) : Promise.resolve();
      },
      pull_request_command: () => Promise.resolve(),
      describe_pull_request: () => Promise.resolve(),
    } as TaskRegistry;
    const stop = new AbortController();
    const worker = runWorker({
      db,
      log: createLogger({ level: "error", write: () => {} }),
      tasks,
      leaseMs: LEASE_MS,
      jobTimeoutMs: 500,
      abandonAfterMs: 300,
      pollIntervalMs: 20,
      signal: stop.signal,
    });
    try {
      const deadline = Date.now() + 20_000;
      let leaseSeen: number | null = null;
      while ((await getJob(db, id))?.status !== "completed") {
        assert.ok(Date.now() < deadline, `job ${JSON.stringify(await getJob(db, id))} did not complete`);
        const [row] = await db.query<{ lockedUntil: number | null }>(
          sql`select locked_until from jobs where id = ${id} and status = 'in_progress'`,
        );
        if (row?.lockedUntil && leaseSeen === null) leaseSeen = Number(row.lockedUntil);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(runs, 2);
      assert.ok(leaseSeen !== null && Date.now() < leaseSeen, "completed while the first lease still ran");
    } finally {
      stop.abort();
      await worker;
    }
  },
);
