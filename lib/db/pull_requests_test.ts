import assert from "node:assert/strict";
import { dbTest } from "./testing.ts";
import { createRepo } from "./repos.ts";
import { finishReview, recordFindings, startReview } from "./reviews.ts";
import {
  ignoreFinding,
  isPullRequestPaused,
  listIgnoredFindings,
  listRecordedFindings,
  readPullRequestState,
  setPullRequestPaused,
} from "./pull_requests.ts";

async function seedRepo(db: Parameters<typeof createRepo>[0]) {
  return await createRepo(db, { platform: "github", fullName: "octo/app", webhookSecret: "x" });
}

dbTest("setPullRequestPaused() pauses and resumes one pull request only", async ({ db }) => {
  const repo = await seedRepo(db);
  const key = { repoId: repo.id, prNumber: 7 };
  assert.equal(await isPullRequestPaused(db, key), false);
  await setPullRequestPaused(db, key, true, { by: "ada", now: () => 1 });
  assert.equal(await isPullRequestPaused(db, key), true);
  assert.equal(await isPullRequestPaused(db, { repoId: repo.id, prNumber: 8 }), false);
  await setPullRequestPaused(db, key, false, { by: "ada", now: () => 2 });
  assert.equal(await isPullRequestPaused(db, key), false);
});

dbTest("ignoreFinding() keeps one record per fingerprint and pull request", async ({ db }) => {
  const repo = await seedRepo(db);
  const key = { repoId: repo.id, prNumber: 7 };
  await ignoreFinding(db, key, { fingerprint: "aaaa1111bbbb2222", title: "Off-by-one", by: "ada" }, () => 10);
  await ignoreFinding(db, key, { fingerprint: "aaaa1111bbbb2222", title: "Again", by: "bob" }, () => 20);
  await ignoreFinding(db, { repoId: repo.id, prNumber: 9 }, {
    fingerprint: "cccc3333dddd4444",
    title: "Other",
    by: "ada",
  });
  assert.deepEqual(await listIgnoredFindings(db, key), [
    { fingerprint: "aaaa1111bbbb2222", title: "Off-by-one", ignoredBy: "ada", createdAt: 10 },
  ]);
  assert.deepEqual([...(await readPullRequestState(db, key, "a1")).ignored], ["aaaa1111bbbb2222"]);
});

dbTest("listRecordedFindings() returns each finding of the pull request's reviews once", async ({ db }) => {
  const repo = await seedRepo(db);
  const finding = {
    path: "src/a.ts",
    line: 3,
    side: "RIGHT" as const,
    severity: "warning" as const,
    title: "Off-by-one in loop",
    body: "…",
    step: "bugs",
    fingerprint: "aaaa1111bbbb2222",
    placement: "inline" as const,
  };
  for (const headSha of ["a1", "b2"]) {
    const reviewId = await startReview(db, {
      repoId: repo.id,
      prNumber: 7,
      headSha,
      title: "t",
      author: "ada",
    });
    await recordFindings(db, reviewId, [finding]);
  }
  const other = await startReview(db, {
    repoId: repo.id,
    prNumber: 8,
    headSha: "c3",
    title: "t",
    author: "ada",
  });
  await recordFindings(db, other, [{ ...finding, fingerprint: "eeee5555ffff6666", title: "Elsewhere" }]);
  assert.deepEqual(await listRecordedFindings(db, { repoId: repo.id, prNumber: 7 }), [
    { fingerprint: "aaaa1111bbbb2222", title: "Off-by-one in loop", path: "src/a.ts", step: "bugs" },
  ]);
});

dbTest(
  "readPullRequestState() reads pause, the head's reviews and ignored findings of one pull request",
  async ({ db }) => {
    const repo = await seedRepo(db);
    const key = { repoId: repo.id, prNumber: 7 };
    assert.deepEqual(await readPullRequestState(db, key, "a1"), {
      paused: false,
      headReviewed: false,
      lastJobId: null,
      ignored: new Set(),
    });
    const first = await startReview(db, {
      repoId: repo.id,
      prNumber: 7,
      headSha: "a1",
      title: "t",
      author: "ada",
      jobId: 3,
    });
    assert.equal((await readPullRequestState(db, key, "a1")).lastJobId, 3);
    assert.equal((await readPullRequestState(db, key, "a1")).headReviewed, false, "still running");
    await finishReview(db, first, { status: "completed" });
    assert.equal((await readPullRequestState(db, key, "a1")).headReviewed, true);
    await startReview(db, {
      repoId: repo.id,
      prNumber: 7,
      headSha: "a1",
      title: "t",
      author: "ada",
      jobId: 9,
    });
    await setPullRequestPaused(db, key, true, { by: "ada" });
    await ignoreFinding(db, key, { fingerprint: "aaaa1111bbbb2222", title: "Off-by-one", by: "ada" });
    const state = await readPullRequestState(db, key, "a1");
    assert.deepEqual([state.paused, state.lastJobId, state.ignored], [
      true,
      9,
      new Set(["aaaa1111bbbb2222"]),
    ]);
    const other = await readPullRequestState(db, { repoId: repo.id, prNumber: 8 }, "a1");
    assert.deepEqual(other, { paused: false, headReviewed: false, lastJobId: null, ignored: new Set() });
    assert.equal((await readPullRequestState(db, key, "b2")).headReviewed, false, "another head");
  },
);
