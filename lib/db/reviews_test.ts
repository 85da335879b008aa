import assert from "node:assert/strict";
import { createRepo } from "./repos.ts";
import {
  finishReview,
  getReview,
  listRecentReviews,
  recordFailedReview,
  recordReviewStep,
  startReview,
} from "./reviews.ts";
import { dbTest } from "./testing.ts";

const step = (name: string, costUsd: number) => ({
  name,
  provider: "openai",
  model: "gpt-4o-mini",
  status: "completed" as const,
  inputTokens: 100,
  outputTokens: 10,
  costUsd,
  cached: false,
  durationMs: 5,
  error: null,
});

dbTest("startReview() keeps one record per job and counts the spend of every attempt", async ({ db }) => {
  const repo = await createRepo(db, { platform: "github", fullName: "octo/app", webhookSecret: "x" });
  const subject = { repoId: repo.id, prNumber: 7, headSha: "a1", title: "t", author: "ada", jobId: 5 };
  const first = await startReview(db, { ...subject, action: "opened" });
  await recordReviewStep(db, first, step("bugs", 0.001));
  // The attempt failed on a transient error and the queue runs the job again.
  const second = await startReview(db, subject);
  assert.equal(second, first, "the job's attempts share its record");
  await recordReviewStep(db, second, step("bugs", 0.002));
  await recordReviewStep(db, second, step("security", 0.004));
  await finishReview(db, second, { status: "completed" });
  const record = await getReview(db, second);
  assert.equal(record?.review.attempts, 2);
  assert.equal(record?.review.action, "opened");
  assert.deepEqual(
    record?.steps.map((shown) => shown.name),
    ["bugs", "security"],
    "the last attempt's steps",
  );
  assert.ok(Math.abs(record!.review.costUsd - 0.007) < 1e-12, "the first attempt's spend is kept");
  assert.equal(record?.review.inputTokens, 300);

  const rerun = await startReview(db, { ...subject, jobId: 6, action: "manual" });
  assert.notEqual(rerun, first, "another job is another record, even for the same head");
  assert.equal((await listRecentReviews(db, { repoId: repo.id })).length, 2);
});

dbTest("recordFailedReview() adds a failed record, or fails the job's own", async ({ db }) => {
  const repo = await createRepo(db, { platform: "github", fullName: "octo/app", webhookSecret: "x" });
  const subject = { repoId: repo.id, prNumber: 7, headSha: "a1", title: "Fix paging", author: "ada" };
  const early = await recordFailedReview(db, {
    ...subject,
    jobId: 1,
    action: "opened",
    error: "GitHub refused Loom's credential (401)",
    nextStep: "Replace the token",
  });
  const started = await startReview(db, { ...subject, jobId: 2 });
  const late = await recordFailedReview(db, { ...subject, jobId: 2, error: "Timed out" });
  assert.equal(late, started);
  const rows = await listRecentReviews(db, { repoId: repo.id });
  assert.deepEqual(
    rows.map((row) => [row.id, row.status, row.error, row.nextStep, row.title]).sort(),
    [
      [early, "failed", "GitHub refused Loom's credential (401)", "Replace the token", "Fix paging"],
      [started, "failed", "Timed out", null, "Fix paging"],
    ].sort(),
  );
});
