import assert from "node:assert/strict";
import { dbTest } from "../lib/db/testing.ts";
import { sql } from "../lib/db/mod.ts";
import { cancel, createWakeup, enqueue, getJob, type TaskPayloads } from "../lib/queue/mod.ts";
import { silentLogger } from "../lib/log.ts";
import { runWorker, type TaskRegistry } from "./run_worker.ts";

const payload = (number: number): TaskPayloads["review_pull_request"] => ({
  platform: "github",
  repoId: 1,
  repo: "octo/hello",
  number,
  headSha: "h",
  baseSha: "b",
  baseRef: "main",
  headRef: "f",
  title: "t",
  author: "a",
  authorIsBot: false,
  draft: false,
  action: "opened",
});

/** These tests enqueue only reviews; a command job reaching the worker would be a bug. */
function noCommands(): Promise<void> {
  return Promise.reject(new Error("No command jobs are enqueued in this test"));
}

dbTest("runWorker() completes, retries and fails jobs, then stops on its signal", async ({ db }) => {
  const ok = await enqueue(db, "review_pull_request", payload(1));
  const flaky = await enqueue(db, "review_pull_request", payload(2), { maxAttempts: 2 });
  const broken = await enqueue(db, "review_pull_request", payload(3), { maxAttempts: 1 });
  const seen: number[] = [];
  const stop = new AbortController();
  const tasks: TaskRegistry = {
    pull_request_command: noCommands,
    describe_pull_request: () => Promise.resolve(),
    review_pull_request: async (job) => {
      seen.push(job.payload.number);
      if (job.payload.number === 2 && job.attempts === 1) throw new Error("HTTP 502 from the platform");
      if (job.payload.number === 3) throw new Error("Always broken");
      const states = await Promise.all([ok, flaky, broken].map((item) => getJob(db, item.id)));
      if (states.every((state) => ["completed", "failed"].includes(state!.status) || state!.id === job.id)) {
        queueMicrotask(() => stop.abort());
      }
    },
  };
  // Retries are due immediately so the test needs no clock.
  await runWorker({
    db,
    log: silentLogger,
    tasks,
    signal: stop.signal,
    pollIntervalMs: 20,
    concurrency: 2,
    now: () => Date.now() + 10 * 60_000,
  });
  assert.equal((await getJob(db, ok.id))?.status, "completed");
  assert.equal((await getJob(db, flaky.id))?.status, "completed");
  assert.equal((await getJob(db, flaky.id))?.attempts, 2);
  const failed = await getJob(db, broken.id);
  assert.equal(failed?.status, "failed");
  assert.equal(failed?.error, "Always broken");
  assert.deepEqual(seen.filter((number) => number === 2).length, 2);
});

dbTest("runWorker() aborts a running task when its job is cancelled", async ({ db }) => {
  const { id } = await enqueue(db, "review_pull_request", payload(1));
  const stop = new AbortController();
  let abortedWith: unknown;
  const tasks: TaskRegistry = {
    pull_request_command: noCommands,
    describe_pull_request: () => Promise.resolve(),
    review_pull_request: async (_job, { signal }) => {
      await cancel(db, id, "Pull request closed");
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      abortedWith = signal.reason;
      stop.abort();
    },
  };
  await runWorker({ db, log: silentLogger, tasks, signal: stop.signal, leaseMs: 150, pollIntervalMs: 20 });
  assert.match(String(abortedWith), /cancelled or taken over/);
  assert.equal((await getJob(db, id))?.status, "cancelled");
});

dbTest("runWorker() releases an unfinished job at shutdown without spending an attempt", async ({ db }) => {
  const { id } = await enqueue(db, "review_pull_request", payload(1));
  const stop = new AbortController();
  const wakeup = await createWakeup();
  const tasks: TaskRegistry = {
    pull_request_command: noCommands,
    describe_pull_request: () => Promise.resolve(),
    review_pull_request: async (_job, { signal }) => {
      stop.abort();
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    },
  };
  await runWorker({ db, log: silentLogger, tasks, signal: stop.signal, shutdownGraceMs: 10, wakeup });
  await wakeup.close();
  const job = await getJob(db, id);
  assert.equal(job?.status, "pending");
  assert.equal(job?.attempts, 0);
});

for (const ending of ["returns", "throws"] as const) {
  dbTest(`runWorker() lets go of a job cancelled just before its task ${ending}`, async ({ db }) => {
    const { id } = await enqueue(db, "review_pull_request", payload(1));
    const stop = new AbortController();
    const tasks: TaskRegistry = {
      pull_request_command: noCommands,
      describe_pull_request: () => Promise.resolve(),
      review_pull_request: async () => {
        // The cancellation commits as the task ends, before its notification reaches the worker: the job keeps
        // this worker's lease (as `cancel` leaves it), and `complete` or `fail` finds it no longer in progress.
        await db.exec(
          sql`update jobs set status = 'cancelled', error = 'Pull request closed' where id = ${id}`,
        );
        stop.abort();
        if (ending === "throws") throw new Error("HTTP 502 from the platform");
      },
    };
    // Neither the heartbeat nor the poll runs during the test: only the loop's own settling can free the lease.
    await runWorker({
      db,
      log: silentLogger,
      tasks,
      signal: stop.signal,
      leaseMs: 600_000,
      cancelPollMs: 600_000,
    });
    const job = await getJob(db, id);
    assert.equal(job?.status, "cancelled");
    assert.equal(
      job?.lockedBy,
      null,
      "the pull request's next job is not held back by the cancelled one's lease",
    );
    assert.equal(job?.lockedUntil, null);
  });
}
