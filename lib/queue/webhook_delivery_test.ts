import assert from "node:assert/strict";
import { dbTest } from "../db/testing.ts";
import { reviewPayload } from "./testing.ts";
import { type Db, sql } from "../db/mod.ts";
import { createRepo, type Repo, setRepoPaused } from "../db/repos.ts";
import {
  applyWebhookDelivery,
  type DeliveryAction,
  type HeadCheck,
  type WebhookDelivery,
} from "./webhook_delivery.ts";
import { CANCEL_CHANNEL, claim, createWakeup, endCancelled, getJob, type TaskPayloads } from "./mod.ts";

const GROUP = "github:octo/hello#1";

function payload(headSha: string): TaskPayloads["review_pull_request"] {
  return reviewPayload({ headSha, action: "synchronize" });
}

function review(headSha: string): DeliveryAction {
  return {
    kind: "enqueue_review",
    payload: payload(headSha),
    dedupeKey: `review:${GROUP}@${headSha}`,
    groupKey: GROUP,
    supersedeReason: "Superseded by a newer push",
  };
}

function delivery(repo: Repo, deliveryId: string, action: DeliveryAction): WebhookDelivery {
  return { repo, deliveryId, event: "pull_request.synchronize", action };
}

async function setup(db: Db) {
  const repo = await createRepo(db, {
    platform: "github",
    fullName: "octo/hello",
    webhookSecret: "v1.iv.data",
  });
  const apply = (deliveryId: string, action: DeliveryAction, asRepo: Repo = repo) =>
    applyWebhookDelivery(db, delivery(asRepo, deliveryId, action), () => 1_000);
  const deliveries = () =>
    db.query<{ deliveryId: string; outcome: string; jobId: number | null }>(
      sql`select delivery_id, outcome, job_id from webhook_deliveries order by delivery_id`,
    );
  const jobCount = async () =>
    Number((await db.query<{ count: number }>(sql`select count(*) as count from jobs`))[0]!.count);
  return { repo, apply, deliveries, jobCount };
}

dbTest(
  "applyWebhookDelivery() enqueues a new head and records the delivery with its job",
  async ({ db }) => {
    const { apply, deliveries } = await setup(db);
    const applied = await apply("d1", review("a"));
    assert.equal(applied.outcome, "enqueued");
    assert.equal(applied.created, true);
    const job = await getJob(db, applied.jobId!);
    assert.equal(job?.status, "pending");
    assert.equal(job?.dedupeKey, `review:${GROUP}@a`);
    assert.equal(job?.groupKey, GROUP);
    assert.equal(job?.maxAttempts, 5);
    assert.deepEqual(job?.payload, payload("a"));
    assert.deepEqual(
      (await deliveries()).map((row) => [row.deliveryId, row.outcome, Number(row.jobId)]),
      [["d1", "enqueued", applied.jobId]],
    );
  },
);

dbTest("applyWebhookDelivery() changes nothing for a replayed delivery id", async ({ db }) => {
  const { apply, deliveries, jobCount } = await setup(db);
  const first = await apply("d1", review("a"));
  const before = await deliveries();
  // The replay names another head: it must still change nothing, not even supersede.
  assert.deepEqual(await apply("d1", review("b")), { outcome: "duplicate", created: false });
  assert.deepEqual(await deliveries(), before);
  assert.equal(await jobCount(), 1);
  assert.equal((await getJob(db, first.jobId!))?.status, "pending");
});

dbTest(
  "applyWebhookDelivery() links a redelivery of a live head to its job as duplicate_job",
  async ({ db }) => {
    const { apply, deliveries, jobCount } = await setup(db);
    const first = await apply("d1", review("a"));
    const second = await apply("d2", review("a"));
    assert.deepEqual(second, { outcome: "duplicate_job", jobId: first.jobId, created: false });
    assert.equal(await jobCount(), 1);
    assert.deepEqual(
      (await deliveries()).map((row) => [row.deliveryId, row.outcome, Number(row.jobId)]),
      [["d1", "enqueued", first.jobId], ["d2", "duplicate_job", first.jobId]],
    );
    assert.equal((await getJob(db, first.jobId!))?.status, "pending", "a redelivery supersedes nothing");
  },
);

dbTest(
  "applyWebhookDelivery() supersedes the live reviews of older heads, never the new one",
  async ({ db }) => {
    const { apply } = await setup(db);
    const pending = await apply("d1", review("a"));
    const running = await apply("d2", review("b"));
    assert.equal((await getJob(db, pending.jobId!))?.status, "cancelled");
    const [claimed] = await claim(db, "w1", { leaseMs: 60_000 });
    assert.equal(claimed?.id, running.jobId);
    const newest = await apply("d3", review("c"));
    assert.equal(newest.outcome, "enqueued");
    const superseded = await getJob(db, running.jobId!);
    assert.equal(superseded?.status, "cancelled", "an in-progress review is superseded too");
    assert.equal(superseded?.error, "Superseded by a newer push");
    assert.equal((await getJob(db, newest.jobId!))?.status, "pending");
    // The superseded run keeps its lease until its worker has stopped it: the new head waits for that.
    assert.equal(superseded?.lockedBy, "w1");
    assert.deepEqual(await claim(db, "w2", { leaseMs: 60_000 }), []);
    assert.equal(await endCancelled(db, superseded!, "w1"), true);
    assert.equal((await claim(db, "w2", { leaseMs: 60_000 }))[0]?.id, newest.jobId);
  },
);

dbTest(
  "applyWebhookDelivery() records paused and enqueues nothing for a paused repository",
  async ({ db }) => {
    const { repo, apply, deliveries, jobCount } = await setup(db);
    await setRepoPaused(db, repo.id, true);
    // The caller's row still says "not paused": the database's word is the one that counts.
    assert.deepEqual(await apply("d1", review("a")), { outcome: "paused", created: false });
    assert.equal(await jobCount(), 0);
    assert.deepEqual((await deliveries()).map((row) => row.outcome), ["paused"]);
  },
);

dbTest(
  "applyWebhookDelivery() cancels every live job of a closed pull request, and ignores what it is told to",
  async ({ db }) => {
    const { apply, deliveries } = await setup(db);
    const live = await apply("d1", review("a"));
    const closed = await apply("d2", {
      kind: "cancel_group",
      groupKey: GROUP,
      reason: "Pull request closed",
    });
    assert.deepEqual(closed, { outcome: "cancelled", created: false });
    const job = await getJob(db, live.jobId!);
    assert.equal(job?.status, "cancelled");
    assert.equal(job?.error, "Pull request closed");
    assert.deepEqual(await apply("d3", { kind: "ignore" }), { outcome: "ignored", created: false });
    assert.deepEqual(
      (await deliveries()).map((row) => [row.deliveryId, row.outcome, row.jobId === null ? null : 1]),
      [["d1", "enqueued", 1], ["d2", "cancelled", null], ["d3", "ignored", null]],
    );
  },
);

dbTest(
  "applyWebhookDelivery() writes nothing when the repository's secret changed or the repository is gone",
  async ({ db }) => {
    const { repo, apply, deliveries, jobCount } = await setup(db);
    await db.exec(sql`update repos set webhook_secret = ${"v1.new.secret"} where id = ${repo.id}`);
    assert.deepEqual(await apply("d1", review("a")), { outcome: "stale_repo", created: false });
    const rotated = { ...repo, webhookSecret: "v1.new.secret" };
    assert.equal((await apply("d2", review("a"), rotated)).outcome, "enqueued");
    await db.exec(sql`delete from webhook_deliveries`);
    await db.exec(sql`delete from repos where id = ${repo.id}`);
    assert.deepEqual(await apply("d3", review("b"), rotated), { outcome: "stale_repo", created: false });
    assert.deepEqual(await deliveries(), []);
    assert.equal(await jobCount(), 1, "only the delivery that matched the row enqueued");
  },
);

dbTest(
  "applyWebhookDelivery() wakes workers in other processes once the new job is committed",
  async ({ db, connect, dialect }) => {
    const { repo } = await setup(db);
    const listener = connect();
    const wakeup = await createWakeup(listener);
    try {
      const woken = wakeup.wait(60_000).then(async () => {
        // A woken worker must find the job: the notification goes out with the commit, not before.
        const [job] = await claim(listener, "w1", { leaseMs: 60_000 });
        return job?.dedupeKey;
      });
      const applied = await applyWebhookDelivery(db, delivery(repo, "d1", review("a")));
      assert.equal(applied.created, true);
      // SQLite has no cross-connection notifications; the embedded worker is woken in-process instead.
      if (dialect === "sqlite") wakeup.wake();
      const guard = new Promise<"stuck">((resolve) => {
        const timer = setTimeout(() => resolve("stuck"), 15_000);
        woken.then(() => clearTimeout(timer));
      });
      assert.equal(await Promise.race([woken, guard]), `review:${GROUP}@a`);
    } finally {
      await wakeup.close();
    }
  },
);

dbTest(
  "applyWebhookDelivery() announces the jobs it supersedes or cancels to their workers at commit",
  async (database) => {
    const { repo } = await setup(database.db);
    const listener = database.dialect === "postgres" ? database.connect() : database.db;
    const heard: string[] = [];
    const unlisten = await listener.listen(CANCEL_CHANNEL, (ids) => heard.push(ids));
    try {
      const first = await applyWebhookDelivery(database.db, delivery(repo, "d1", review("a")));
      const second = await applyWebhookDelivery(database.db, delivery(repo, "d2", review("b")));
      await applyWebhookDelivery(database.db, {
        repo,
        deliveryId: "d3",
        event: "pull_request.closed",
        action: { kind: "cancel_group", groupKey: GROUP, reason: "Pull request closed" },
      });
      const deadline = Date.now() + 5_000;
      while (heard.length < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.deepEqual(heard, [String(first.jobId), String(second.jobId)]);
    } finally {
      await unlisten?.();
    }
  },
);

dbTest(
  "applyWebhookDelivery() asks for the platform's word before replacing a live job; a stale event changes nothing",
  async ({ db }) => {
    const { repo, deliveries } = await setup(db);
    const apply = (deliveryId: string, action: DeliveryAction, headCheck: HeadCheck) =>
      applyWebhookDelivery(db, { ...delivery(repo, deliveryId, action), headCheck }, () => 1_000);
    const closed: DeliveryAction = { kind: "cancel_group", groupKey: GROUP, reason: "Pull request closed" };
    const a = await apply("d1", review("a"), "unchecked");
    assert.equal(a.outcome, "enqueued", "nothing live to replace: no question asked");
    assert.deepEqual(await apply("d2", review("b"), "unchecked"), { outcome: "needs_check", created: false });
    assert.deepEqual(
      (await deliveries()).map((row) => row.deliveryId),
      ["d1"],
      "nothing written before the check",
    );

    // The platform says head b is not the pull request's head: a replayed or late event.
    assert.deepEqual(await apply("d2", review("b"), "stale"), { outcome: "stale", created: false });
    assert.equal((await getJob(db, a.jobId!))?.status, "pending", "the live review is untouched");

    // A close the platform could not confirm cancels nothing; a confirmed push supersedes as before.
    assert.equal((await apply("d3", closed, "unchecked")).outcome, "needs_check");
    assert.equal((await apply("d3", closed, "unknown")).outcome, "unverified");
    assert.equal((await getJob(db, a.jobId!))?.status, "pending");
    const c = await apply("d4", review("c"), "current");
    assert.equal(c.outcome, "enqueued");
    assert.equal((await getJob(db, a.jobId!))?.status, "cancelled");
    // A push the platform could not confirm is reviewed but supersedes nothing.
    const d = await apply("d5", review("d"), "unknown");
    assert.equal(d.outcome, "enqueued");
    assert.equal((await getJob(db, c.jobId!))?.status, "pending");
    assert.deepEqual(
      (await deliveries()).map((row) => [row.deliveryId, row.outcome]),
      [["d1", "enqueued"], ["d2", "stale"], ["d3", "unverified"], ["d4", "enqueued"], ["d5", "enqueued"]],
    );
  },
);
