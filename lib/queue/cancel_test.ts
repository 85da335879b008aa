import assert from "node:assert/strict";
import { dbTest } from "../db/testing.ts";
import { reviewPayload } from "./testing.ts";
import { sql } from "../db/mod.ts";
import { silentLogger } from "../log.ts";
import { createCancelWatch } from "./cancel_watch.ts";
import {
  cancel,
  CANCEL_CHANNEL,
  cancelGroup,
  cancelOwn,
  cancelRepoReviews,
  claim,
  complete,
  endCancelled,
  enqueue,
  getJob,
  reapExpired,
  yieldContendedGroups,
} from "./mod.ts";

const review = (headSha: string) => reviewPayload({ number: 1, headSha });

const clock = (start: number) => {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
};

dbTest("claim() never runs two jobs of one pull request at once", async ({ db }) => {
  const time = clock(1_000);
  const options = { leaseMs: 60_000, now: time.now };
  const first = await enqueue(db, "review_pull_request", review("a"), { groupKey: "pr1", now: time.now });
  const [running] = await claim(db, "w1", options);
  assert.equal(running?.id, first.id);
  const second = await enqueue(db, "review_pull_request", review("b"), { groupKey: "pr1", now: time.now });
  const other = await enqueue(db, "review_pull_request", reviewPayload({ number: 2 }), {
    groupKey: "pr2",
    now: time.now,
  });
  assert.deepEqual((await claim(db, "w2", { ...options, limit: 5 })).map((job) => job.id), [other.id]);
  assert.equal(await complete(db, running!, "w1", { now: time.now }), true);
  assert.equal((await claim(db, "w2", options))[0]?.id, second.id);
});

dbTest(
  "claim() waits for a cancelled run to stop, or for its dead worker's lease to run out",
  async ({ db }) => {
    const time = clock(1_000);
    const options = { leaseMs: 10_000, now: time.now };
    await enqueue(db, "review_pull_request", review("a"), { groupKey: "pr1", now: time.now });
    const [old] = await claim(db, "w1", options);
    const newer = await enqueue(db, "review_pull_request", review("b"), { groupKey: "pr1", now: time.now });
    assert.deepEqual(
      await cancelGroup(db, "pr1", { keepJobId: newer.id, reason: "superseded", now: time.now }),
      [
        old!.id,
      ],
    );
    assert.deepEqual(await claim(db, "w2", options), [], "the old head's run is still stopping");
    assert.equal(await endCancelled(db, old!, "w1", time.now), true);
    const [next] = await claim(db, "w2", options);
    assert.equal(next?.id, newer.id);

    // Worker w2 dies while its cancelled job is stopping: the next job runs once the lease is over.
    const latest = await enqueue(db, "review_pull_request", review("c"), { groupKey: "pr1", now: time.now });
    await cancelGroup(db, "pr1", { keepJobId: latest.id, reason: "superseded", now: time.now });
    assert.deepEqual(await claim(db, "w3", options), []);
    time.advance(10_001);
    assert.equal((await claim(db, "w3", options))[0]?.id, latest.id);
    await reapExpired(db, time.now);
    assert.equal((await getJob(db, next!.id))?.lockedBy, null, "the dead lease is cleared");
  },
);

dbTest("cancelOwn() ends only this worker's run; endCancelled() only a cancelled one", async ({ db }) => {
  await enqueue(db, "review_pull_request", review("a"), { groupKey: "pr1" });
  const [job] = await claim(db, "w1", { leaseMs: 60_000 });
  assert.equal(await endCancelled(db, job!, "w1"), false, "a running job is not cancelled");
  assert.equal(await cancelOwn(db, job!, "w2", "moved"), false);
  assert.equal(await cancelOwn(db, job!, "w1", "Superseded: the head moved"), true);
  const row = await getJob(db, job!.id);
  assert.equal(row?.status, "cancelled");
  assert.equal(row?.lockedBy, null);
  assert.equal(row?.error, "Superseded: the head moved");
});

dbTest("cancel() and cancelGroup() announce the cancelled ids to listeners", async (database) => {
  // PostgreSQL: another process's connection; SQLite: the handle shared with the embedded worker.
  const listener = database.dialect === "postgres" ? database.connect() : database.db;
  const heard: string[] = [];
  const unlisten = await listener.listen(CANCEL_CHANNEL, (payload) => heard.push(payload));
  try {
    const one = await enqueue(database.db, "review_pull_request", review("a"), { groupKey: "pr1" });
    const two = await enqueue(database.db, "review_pull_request", review("b"), { groupKey: "pr2" });
    const three = await enqueue(database.db, "review_pull_request", review("c"), { groupKey: "pr2" });
    await cancel(database.db, one.id, "closed");
    await cancelGroup(database.db, "pr2", { reason: "closed" });
    const deadline = Date.now() + 5_000;
    while (heard.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(heard, [String(one.id), `${two.id},${three.id}`]);
  } finally {
    await unlisten?.();
  }
});

dbTest("createCancelWatch() stops a running job when told, re-reading its row first", async (database) => {
  const { db } = database;
  await enqueue(db, "review_pull_request", review("a"), { groupKey: "pr1" });
  const [job] = await claim(db, "w1", { leaseMs: 60_000 });
  // Polling is slowed to a minute: only the notification can be what stops the job here.
  const watch = await createCancelWatch(db, { workerId: "w1", pollMs: 60_000, log: silentLogger });
  try {
    let cancelled = 0;
    watch.watch(job!, () => cancelled++);
    // A notification naming a job that is still running stops nothing.
    await db.notify(CANCEL_CHANNEL, String(job!.id));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(cancelled, 0);
    const canceller = database.dialect === "postgres" ? database.connect() : db;
    await cancelGroup(canceller, "pr1", { reason: "closed" });
    const deadline = Date.now() + 1_500;
    while (cancelled === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(cancelled, 1, "told within a second");
  } finally {
    await watch.close();
  }
});

dbTest("createCancelWatch() polls for a cancellation nobody announced", async ({ db }) => {
  await enqueue(db, "review_pull_request", review("a"), { groupKey: "pr1" });
  const [job] = await claim(db, "w1", { leaseMs: 60_000 });
  const watch = await createCancelWatch(db, { workerId: "w1", pollMs: 50, log: silentLogger });
  try {
    let cancelled = 0;
    watch.watch(job!, () => cancelled++);
    await db.exec(sql`update jobs set status = 'cancelled' where id = ${job!.id}`);
    const deadline = Date.now() + 5_000;
    while (cancelled === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(cancelled, 1);
  } finally {
    await watch.close();
  }
});

dbTest(
  "cancelRepoReviews() cancels the live reviews of one repository only, and announces them",
  async ({ db }) => {
    const heard: string[] = [];
    const unlisten = await db.listen(CANCEL_CHANNEL, (ids) => heard.push(ids));
    try {
      const mine = await enqueue(db, "review_pull_request", reviewPayload({ repoId: 7, number: 1 }), {
        groupKey: "a#1",
      });
      const running = await enqueue(db, "review_pull_request", reviewPayload({ repoId: 7, number: 2 }), {
        groupKey: "a#2",
      });
      await claim(db, "w1", { leaseMs: 60_000, limit: 1 });
      const other = await enqueue(db, "review_pull_request", reviewPayload({ repoId: 8, number: 1 }), {
        groupKey: "b#1",
      });
      const cancelled = await cancelRepoReviews(db, 7, "Repository paused");
      assert.deepEqual(cancelled.toSorted(), [mine.id, running.id].toSorted());
      assert.equal((await getJob(db, other.id))?.status, "pending");
      assert.equal((await getJob(db, running.id))?.error, "Repository paused");
      const deadline = Date.now() + 5_000;
      while (heard.length < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.deepEqual(heard.toSorted(), [String(mine.id), String(running.id)].toSorted());
    } finally {
      await unlisten?.();
    }
  },
);

dbTest(
  "claim() from many connections at once never hands out two jobs of one pull request",
  async (database) => {
    // Ten groups of three pending jobs each, taken by six claimers on their own connections at the same instant,
    // over and over: a claimer holds what it took for a moment, then completes it.
    const groups = 10;
    for (let job = 0; job < groups * 3; job++) {
      await enqueue(database.db, "review_pull_request", reviewPayload({ number: job % groups }), {
        groupKey: `pr${job % groups}`,
      });
    }
    const held = new Map<string, string>();
    const overlaps: string[] = [];
    let done = 0;
    const claimer = async (workerId: string) => {
      const db = database.connect();
      while (done < groups * 3) {
        const [job] = await claim(db, workerId, { leaseMs: 60_000 });
        if (!job) {
          await new Promise((resolve) => setTimeout(resolve, 2));
          continue;
        }
        const holder = held.get(job.groupKey!);
        if (holder) overlaps.push(`${job.groupKey} held by ${holder} and ${workerId}`);
        held.set(job.groupKey!, workerId);
        await new Promise((resolve) => setTimeout(resolve, 3));
        held.delete(job.groupKey!);
        assert.equal(await complete(db, job, workerId), true);
        done++;
      }
    };
    await Promise.all(Array.from({ length: 6 }, (_, index) => claimer(`w${index}`)));
    assert.deepEqual(overlaps, []);
    const [row] = await database.db.query<{ count: number }>(
      sql`select count(*) as count from jobs where status = 'completed' and attempts = 1`,
    );
    assert.equal(Number(row!.count), groups * 3, "a yielded claim spends no attempt");
  },
);

dbTest(
  "yieldContendedGroups() hands back a job whose pull request another worker took at the same instant",
  async ({ db }) => {
    const time = clock(1_000);
    const options = { leaseMs: 60_000, now: time.now };
    const first = await enqueue(db, "review_pull_request", review("a"), { groupKey: "pr1", now: time.now });
    const second = await enqueue(db, "review_pull_request", review("b"), { groupKey: "pr1", now: time.now });
    const [taken] = await claim(db, "w1", options);
    assert.equal(taken?.id, first.id);
    // What two simultaneous PostgreSQL claims leave behind: each read the group as free and took one job of it.
    await db.exec(sql`update jobs set status = 'in_progress', locked_by = 'w2', locked_until = ${61_000},
    attempts = 1 where id = ${second.id}`);
    const raced = (await getJob(db, second.id))!;
    assert.deepEqual([...await yieldContendedGroups(db, [raced], "w2", time.now())], [second.id]);
    const handedBack = (await getJob(db, second.id))!;
    assert.equal(handedBack.status, "pending");
    assert.equal(handedBack.attempts, 0);
    // The worker that looks second keeps its job: the other one has yielded.
    assert.deepEqual([...await yieldContendedGroups(db, [taken!], "w1", time.now())], []);
    assert.equal((await getJob(db, first.id))!.status, "in_progress");
  },
);

dbTest("claim() of several jobs takes one job of each pull request", async ({ db }) => {
  const first = await enqueue(db, "review_pull_request", review("a"), { groupKey: "pr1" });
  await enqueue(db, "review_pull_request", review("b"), { groupKey: "pr1" });
  const other = await enqueue(db, "review_pull_request", reviewPayload({ number: 2 }), { groupKey: "pr2" });
  const loose = await enqueue(db, "review_pull_request", reviewPayload({ number: 3 }));
  const taken = await claim(db, "w1", { leaseMs: 60_000, limit: 5 });
  assert.deepEqual(taken.map((job) => job.id), [first.id, other.id, loose.id]);
});
