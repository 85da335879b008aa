import assert from "node:assert/strict";
import { dbTest } from "../db/testing.ts";
import { reviewPayload } from "./testing.ts";
import { sql } from "../db/mod.ts";
import {
  cancel,
  cancelGroup,
  claim,
  complete,
  createWakeup,
  enqueue,
  fail,
  getJob,
  heartbeat,
  PermanentJobError,
  prune,
  queueStats,
  reapExpired,
  type TaskPayloads,
} from "./mod.ts";

function payload(number: number, headSha = "abc"): TaskPayloads["review_pull_request"] {
  return reviewPayload({ number, headSha });
}

const clock = (start: number) => {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
};

dbTest("enqueue() with a live dedupe key creates no second job", async ({ db }) => {
  const first = await enqueue(db, "review_pull_request", payload(1), {
    dedupeKey: "github:octo/hello#1@abc",
  });
  const second = await enqueue(db, "review_pull_request", payload(1), {
    dedupeKey: "github:octo/hello#1@abc",
  });
  assert.equal(first.created, true);
  assert.deepEqual(second, { id: first.id, created: false });
  const [job] = await claim(db, "w1", { leaseMs: 60_000 });
  const third = await enqueue(db, "review_pull_request", payload(1), {
    dedupeKey: "github:octo/hello#1@abc",
  });
  assert.deepEqual(third, { id: first.id, created: false }, "an in-progress job still dedupes");
  await complete(db, job!, "w1");
  const count = await db.query<{ count: number }>(sql`select count(*) as count from jobs`);
  assert.equal(Number(count[0]!.count), 1);
});

dbTest("claim() never gives the same job to two concurrent workers", async ({ db, connect }) => {
  const total = 300;
  for (let index = 0; index < total; index++) {
    await enqueue(db, "review_pull_request", payload(index), { dedupeKey: `key-${index}` });
  }
  const workers = ["a", "b", "c", "d"].map((name) => ({ name, db: connect(), claimed: [] as number[] }));
  await Promise.all(workers.map(async (worker) => {
    while (true) {
      const jobs = await claim(worker.db, worker.name, { leaseMs: 60_000, limit: 3 });
      if (jobs.length === 0) break;
      for (const job of jobs) {
        worker.claimed.push(job.id);
        assert.equal(await complete(worker.db, job, worker.name), true);
      }
      // Real jobs do I/O; yielding to the event loop lets the other in-process workers contend for the lock.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }));
  const all = workers.flatMap((worker) => worker.claimed);
  assert.equal(all.length, total, "every job claimed exactly once");
  assert.equal(new Set(all).size, total, "no job claimed twice");
  assert.ok(workers.filter((worker) => worker.claimed.length > 0).length >= 2, "work was shared");
});

dbTest(
  "claim() takes due jobs by priority, then run time, then id, with late leases in the same order",
  async ({ db }) => {
    const time = clock(1_000_000);
    const job = async (number: number, options: { priority?: number; runAt?: number } = {}) =>
      (await enqueue(db, "review_pull_request", payload(number), { ...options, now: time.now })).id;
    const stalled = await job(1, { priority: 5 });
    const [taken] = await claim(db, "dead-worker", { leaseMs: 1_000, now: time.now });
    assert.equal(taken?.id, stalled);
    const later = await job(2, { runAt: 1_000_500 });
    const urgent = await job(3, { priority: 9, runAt: 1_000_200 });
    const first = await job(4, { runAt: 1_000_100 });
    const second = await job(5, { runAt: 1_000_100 });
    const notDue = await job(6, { priority: 10, runAt: 9_000_000 });
    time.advance(2_000);
    const order: number[] = [];
    for (let round = 0; round < 6; round++) {
      const jobs = await claim(db, "worker", { leaseMs: 60_000_000, now: time.now });
      order.push(...jobs.map((claimed) => claimed.id));
    }
    // The stalled job (priority 5) comes back between the priority-9 job and the priority-0 ones; the job due
    // in the future is not taken.
    assert.deepEqual(order, [urgent, stalled, first, second, later]);
    assert.equal((await getJob(db, notDue))?.status, "pending");
    const batch = await claim(db, "worker", { leaseMs: 60_000, now: () => 9_000_001, limit: 5 });
    assert.deepEqual(batch.map((claimed) => claimed.id), [notDue]);
  },
);

dbTest("a job whose worker died is claimed again after its lease and completes once", async ({ db }) => {
  const time = clock(1_000_000);
  const { id } = await enqueue(db, "review_pull_request", payload(7), { now: time.now });
  const [first] = await claim(db, "dead-worker", { leaseMs: 30_000, now: time.now });
  assert.equal(first?.id, id);
  assert.deepEqual(
    await claim(db, "live-worker", { leaseMs: 30_000, now: time.now }),
    [],
    "lease still held",
  );
  time.advance(30_001);
  const [again] = await claim(db, "live-worker", { leaseMs: 30_000, now: time.now });
  assert.equal(again?.id, id);
  assert.equal(again?.attempts, 2);
  assert.equal(
    await complete(db, first!, "dead-worker", { now: time.now }),
    false,
    "the old owner cannot settle",
  );
  assert.equal(await heartbeat(db, first!, "dead-worker", { leaseMs: 1, now: time.now }), false);
  assert.equal(await complete(db, again!, "live-worker", { now: time.now }), true);
  assert.equal((await getJob(db, id))?.status, "completed");
});

dbTest("heartbeat() keeps the lease so a slow job is not taken over", async ({ db }) => {
  const time = clock(5_000_000);
  await enqueue(db, "review_pull_request", payload(1), { now: time.now });
  const [job] = await claim(db, "w1", { leaseMs: 10_000, now: time.now });
  time.advance(9_000);
  assert.equal(await heartbeat(db, job!, "w1", { leaseMs: 10_000, now: time.now }), true);
  time.advance(9_000);
  assert.deepEqual(await claim(db, "w2", { leaseMs: 10_000, now: time.now }), []);
});

dbTest("fail() retries with growing backoff, then fails permanently after max attempts", async ({ db }) => {
  const time = clock(10_000_000);
  const { id } = await enqueue(db, "review_pull_request", payload(1), { maxAttempts: 3, now: time.now });
  const delays: number[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    const [job] = await claim(db, "w", { leaseMs: 60_000, now: time.now });
    assert.equal(job?.attempts, attempt);
    const outcome = await fail(db, job!, "w", new Error(`HTTP 503 attempt ${attempt}`), {
      now: time.now,
      random: () => 1,
    });
    assert.equal(outcome, attempt < 3 ? "retry" : "failed");
    const stored = await getJob(db, id);
    if (attempt < 3) {
      delays.push(stored!.runAt - time.now());
      assert.deepEqual(
        await claim(db, "w", { leaseMs: 60_000, now: time.now }),
        [],
        "not due before backoff",
      );
      time.advance(stored!.runAt - time.now());
    } else {
      assert.equal(stored?.status, "failed");
      assert.equal(stored?.error, "HTTP 503 attempt 3");
    }
  }
  assert.ok(delays[1]! > delays[0]!, `backoff grows: ${delays.join(", ")}`);
});

dbTest("fail() with a permanent error fails at once and keeps the error", async ({ db }) => {
  const { id } = await enqueue(db, "review_pull_request", payload(1));
  const [job] = await claim(db, "w", { leaseMs: 60_000 });
  const outcome = await fail(
    db,
    job!,
    "w",
    new PermanentJobError("Pull request #1 not found", { cause: 404 }),
  );
  assert.equal(outcome, "failed");
  const stored = await getJob(db, id);
  assert.equal(stored?.status, "failed");
  assert.equal(stored?.attempts, 1);
  assert.match(stored!.error!, /^Pull request #1 not found/);
  const retryableFalse = await enqueue(db, "review_pull_request", payload(2));
  const [second] = await claim(db, "w", { leaseMs: 60_000 });
  assert.equal(await fail(db, second!, "w", Object.assign(new Error("422"), { retryable: false })), "failed");
  assert.equal((await getJob(db, retryableFalse.id))?.status, "failed");
});

dbTest("cancel() stops a pending job and tells the running worker at its heartbeat", async ({ db }) => {
  const pending = await enqueue(db, "review_pull_request", payload(1), { dedupeKey: "a" });
  assert.equal(await cancel(db, pending.id, "closed"), true);
  assert.deepEqual(await claim(db, "w", { leaseMs: 60_000 }), []);
  const running = await enqueue(db, "review_pull_request", payload(2), { dedupeKey: "b" });
  const [job] = await claim(db, "w", { leaseMs: 60_000 });
  assert.equal(await cancel(db, running.id, "closed"), true);
  assert.equal(await heartbeat(db, job!, "w", { leaseMs: 60_000 }), false);
  assert.equal(await complete(db, job!, "w"), false);
  assert.equal((await getJob(db, running.id))?.status, "cancelled");
  assert.equal(await cancel(db, running.id, "again"), false);
});

dbTest("cancelGroup() supersedes older reviews of the same pull request only", async ({ db }) => {
  const old = await enqueue(db, "review_pull_request", payload(1, "old"), {
    dedupeKey: "pr1@old",
    groupKey: "pr1",
  });
  const other = await enqueue(db, "review_pull_request", payload(2), { dedupeKey: "pr2@x", groupKey: "pr2" });
  const newer = await enqueue(db, "review_pull_request", payload(1, "new"), {
    dedupeKey: "pr1@new",
    groupKey: "pr1",
  });
  assert.deepEqual(await cancelGroup(db, "pr1", { keepJobId: newer.id, reason: "superseded" }), [old.id]);
  assert.equal((await getJob(db, other.id))?.status, "pending");
  assert.equal((await getJob(db, newer.id))?.status, "pending");
});

dbTest("reapExpired() fails a job whose last attempt's worker vanished", async ({ db }) => {
  const time = clock(1_000);
  const { id } = await enqueue(db, "review_pull_request", payload(1), { maxAttempts: 1, now: time.now });
  await claim(db, "w", { leaseMs: 100, now: time.now });
  time.advance(101);
  assert.deepEqual(await claim(db, "w2", { leaseMs: 100, now: time.now }), []);
  assert.equal(await reapExpired(db, time.now), 1);
  const job = await getJob(db, id);
  assert.equal(job?.status, "failed");
  assert.match(job!.error!, /Lease expired/);
});

dbTest("prune() removes only finished jobs and deliveries older than the cutoff", async ({ db }) => {
  const time = clock(100_000);
  const done = await enqueue(db, "review_pull_request", payload(1), { now: time.now });
  const [job] = await claim(db, "w", { leaseMs: 1000, now: time.now });
  await complete(db, job!, "w", { now: time.now });
  const live = await enqueue(db, "review_pull_request", payload(2), { now: time.now });
  time.advance(10_000);
  assert.deepEqual(await prune(db, { olderThanMs: 5_000, now: time.now }), { jobs: 1, deliveries: 0 });
  assert.equal(await getJob(db, done.id), null);
  assert.equal((await getJob(db, live.id))?.status, "pending");
  const stats = await queueStats(db, time.now);
  assert.deepEqual(stats.byStatus, { pending: 1 });
  assert.equal(stats.oldestPendingAgeMs, 10_000);
});

dbTest(
  "createWakeup() is woken by an enqueue from another connection on PostgreSQL",
  async ({ db, connect, dialect }) => {
    const wakeup = await createWakeup(db);
    try {
      const woken = wakeup.wait(60_000).then(() => "woken" as const);
      if (dialect === "sqlite") {
        // SQLite has no cross-connection notifications; the embedded worker is woken in-process instead.
        wakeup.wake();
      } else {
        await enqueue(connect(), "review_pull_request", payload(1));
      }
      const guard = new Promise<"stuck">((resolve) => {
        const timer = setTimeout(() => resolve("stuck"), 15_000);
        woken.then(() => clearTimeout(timer));
      });
      assert.equal(await Promise.race([woken, guard]), "woken");
    } finally {
      await wakeup.close();
    }
  },
);
