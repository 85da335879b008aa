import assert from "node:assert/strict";
import { dbTest } from "./testing.ts";
import { createRepo } from "./repos.ts";
import { recordFindings, startReview } from "./reviews.ts";
import {
  ignoredFingerprints,
  ignoreFinding,
  isPullRequestPaused,
  lastReviewJobId,
  listIgnoredFindings,
  listRecordedFindings,
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
  assert.deepEqual([...await ignoredFingerprints(db, key)], ["aaaa1111bbbb2222"]);
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

dbTest("lastReviewJobId() names the job that last reviewed a head", async ({ db }) => {
  const repo = await seedRepo(db);
  const key = { repoId: repo.id, prNumber: 7 };
  assert.equal(await lastReviewJobId(db, key, "a1"), null);
  await startReview(db, { repoId: repo.id, prNumber: 7, headSha: "a1", title: "t", author: "ada", jobId: 3 });
  assert.equal(await lastReviewJobId(db, key, "a1"), 3);
  await startReview(db, { repoId: repo.id, prNumber: 7, headSha: "a1", title: "t", author: "ada", jobId: 9 });
  assert.equal(await lastReviewJobId(db, key, "a1"), 9);
});
