import assert from "node:assert/strict";
import { dbTest } from "../db/testing.ts";
import type { Db } from "../db/mod.ts";
import { createOrganization } from "../db/organizations.ts";
import { createRepo } from "../db/repos.ts";
import { reviewPayload } from "./testing.ts";
import {
  cancelRepoReviews,
  claim,
  enqueue,
  fail,
  getJob,
  listWaitingReviews,
  orgQueueHealth,
  PermanentJobError,
  queueStats,
} from "./mod.ts";

const NOW = 1_000_000_000;
const DAY = 86_400_000;

async function twoOrganizations(db: Db) {
  const acme = await createOrganization(db, { name: "Acme" });
  const other = await createOrganization(db, { name: "Other" });
  const repo = (name: string, organizationId: number) =>
    createRepo(db, { platform: "github", fullName: name, webhookSecret: "s", organizationId });
  return { acme, other, mine: await repo("acme/a", acme.id), foreign: await repo("other/a", other.id) };
}

function review(repo: { id: number; fullName: string }, number: number, title = `PR ${number}`) {
  return reviewPayload({ repoId: repo.id, repo: repo.fullName, number, headSha: `h${number}`, title });
}

dbTest(
  "orgQueueHealth() counts only the organization's live jobs and the last day's failures",
  async ({ db }) => {
    const { acme, mine, foreign } = await twoOrganizations(db);
    // Failures: one of mine two days ago (too old), one of mine an hour ago, one foreign an hour ago.
    for (
      const [repo, at] of [[mine, NOW - 2 * DAY], [mine, NOW - 3_600_000], [
        foreign,
        NOW - 3_600_000,
      ]] as const
    ) {
      await enqueue(db, "review_pull_request", review(repo, 90), { maxAttempts: 1, now: () => at });
      const [job] = await claim(db, "w", { leaseMs: 60_000, now: () => at });
      assert.equal(await fail(db, job!, "w", new PermanentJobError("broken"), { now: () => at }), "failed");
    }
    await enqueue(db, "review_pull_request", review(mine, 1), { now: () => NOW - 5000 });
    const [running] = await claim(db, "w", { leaseMs: 60_000, now: () => NOW - 4000 });
    assert.equal(running?.payload.repoId, mine.id);
    await enqueue(db, "review_pull_request", review(mine, 2), { now: () => NOW - 7000 });
    // A retry waiting for its backoff is pending but not due: it counts, and adds no wait.
    await enqueue(db, "review_pull_request", review(mine, 3), { runAt: NOW + 60_000, now: () => NOW });
    for (const number of [4, 5, 6]) {
      await enqueue(db, "review_pull_request", review(foreign, number), { now: () => NOW - 60_000 });
    }
    await enqueue(db, "pull_request_command", {
      platform: "github",
      repoId: mine.id,
      repo: mine.fullName,
      number: 1,
      commentId: "c1",
      body: "@loom review",
      author: "ada",
      deliveryId: "d1",
    }, { now: () => NOW - 1000 });
    assert.deepEqual(await orgQueueHealth(db, acme.id, () => NOW), {
      pending: 3,
      inProgress: 1,
      failed: 1,
      oldestPendingAgeMs: 7000,
    });
    assert.deepEqual(await orgQueueHealth(db, 999_999, () => NOW), {
      pending: 0,
      inProgress: 0,
      failed: 0,
      oldestPendingAgeMs: 0,
    });
  },
);

dbTest(
  "listWaitingReviews() finds the organization's reviews behind more than 500 other pending jobs",
  async ({ db }) => {
    const { acme, other, mine, foreign } = await twoOrganizations(db);
    // A running review of Acme's is not waiting.
    await enqueue(db, "review_pull_request", review(mine, 6), { now: () => NOW - 30_000 });
    const [running] = await claim(db, "w", { leaseMs: 60_000, now: () => NOW - 25_000 });
    assert.equal(running?.payload.number, 6);
    // Another organization's burst is due first. Reading a fixed window of pending jobs and filtering it in the
    // process would see only these and list nothing for Acme.
    await db.transaction(async (tx) => {
      for (let number = 1; number <= 520; number++) {
        await enqueue(tx, "review_pull_request", review(foreign, number), { now: () => NOW - 10_000 });
      }
    });
    await enqueue(db, "review_pull_request", review(mine, 7, "Second"), { now: () => NOW - 1000 });
    await enqueue(db, "review_pull_request", review(mine, 8, "First"), { now: () => NOW - 2000 });
    const waiting = await listWaitingReviews(db, acme.id);
    assert.deepEqual(waiting.map(({ jobId: _, ...rest }) => rest), [
      { repoId: mine.id, repo: "acme/a", prNumber: 8, title: "First", runAt: NOW - 2000, attempts: 0 },
      { repoId: mine.id, repo: "acme/a", prNumber: 7, title: "Second", runAt: NOW - 1000, attempts: 0 },
    ]);
    for (const row of waiting) assert.equal((await getJob(db, row.jobId))?.status, "pending");
    assert.equal((await listWaitingReviews(db, other.id, 5)).length, 5);
    assert.deepEqual(await listWaitingReviews(db, 999_999), []);
  },
);

dbTest(
  "cancelRepoReviews() matches the repository in SQL and leaves other repositories' jobs",
  async ({ db }) => {
    const { mine, foreign } = await twoOrganizations(db);
    const kept = await enqueue(db, "review_pull_request", review(foreign, 1));
    const gone = await enqueue(db, "review_pull_request", review(mine, 2));
    assert.deepEqual(await cancelRepoReviews(db, mine.id, "Repository paused"), [gone.id]);
    assert.equal((await getJob(db, kept.id))?.status, "pending");
    assert.equal((await getJob(db, gone.id))?.status, "cancelled");
  },
);

dbTest("queueStats() counts the due pending jobs and the oldest one's wait", async ({ db }) => {
  await enqueue(db, "review_pull_request", reviewPayload({ number: 1 }), { now: () => NOW - 3000 });
  await enqueue(db, "review_pull_request", reviewPayload({ number: 2 }), { now: () => NOW - 1000 });
  await enqueue(db, "review_pull_request", reviewPayload({ number: 3 }), { runAt: NOW + 1, now: () => NOW });
  const stats = await queueStats(db, () => NOW);
  assert.deepEqual(stats, { byStatus: { pending: 3 }, duePending: 2, oldestPendingAgeMs: 3000 });
});
