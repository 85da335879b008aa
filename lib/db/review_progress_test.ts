import assert from "node:assert/strict";
import { dbTest } from "./testing.ts";
import { createRepo } from "./repos.ts";
import { recordReviewStep, type ReviewStepRecord, startReview } from "./reviews.ts";
import { listLiveSteps, markStepStarted, mergeLiveSteps, planReviewSteps } from "./review_progress.ts";

const record = (name: string, status: ReviewStepRecord["status"] = "completed"): ReviewStepRecord => ({
  name,
  provider: "openai",
  model: "gpt-4o-mini",
  status,
  inputTokens: 100,
  outputTokens: 10,
  costUsd: 0.0017,
  cached: false,
  durationMs: 1200,
  error: status === "failed" ? "HTTP 500" : null,
});

dbTest(
  "listLiveSteps shows planned steps queued, started ones running, finished ones done",
  async ({ db }) => {
    const repo = await createRepo(db, { platform: "github", fullName: "o/r", webhookSecret: "x" });
    const reviewId = await startReview(db, {
      repoId: repo.id,
      prNumber: 1,
      headSha: "abc",
      title: "t",
      author: "a",
    });
    await planReviewSteps(db, reviewId, ["bugs", "security", "style"]);
    const steps = async () =>
      (await listLiveSteps(db, reviewId, [])).map((step) => `${step.name}:${step.state}`);
    assert.deepEqual(await steps(), ["bugs:queued", "security:queued", "style:queued"]);
    await markStepStarted(db, reviewId, "security", () => 1_000);
    assert.deepEqual(await steps(), ["bugs:queued", "security:running", "style:queued"]);
    await recordReviewStep(db, reviewId, record("security", "failed"));
    const finished = [record("security", "failed")];
    const live = await listLiveSteps(db, reviewId, finished);
    assert.deepEqual(live.map((step) => `${step.name}:${step.state}`), [
      "bugs:queued",
      "security:failed",
      "style:queued",
    ]);
    assert.equal(live[1]!.startedAt, 1_000);
    assert.equal(live[1]!.error, "HTTP 500");
    // A retried attempt plans again from scratch.
    await planReviewSteps(db, reviewId, ["bugs"]);
    assert.deepEqual(await steps(), ["bugs:queued"]);
  },
);

Deno.test("mergeLiveSteps keeps finished steps the plan does not name (reviews recorded before plans)", () => {
  const steps = mergeLiveSteps([], [record("legacy")]);
  assert.deepEqual(steps.map((step) => [step.name, step.state, step.costUsd]), [[
    "legacy",
    "completed",
    0.0017,
  ]]);
});
