/**
 * LLM and platform faults (429, 500, hung requests) on the real review task and worker loop: transient ones are
 * retried and the review completes once; persistent ones are retried up to the job's attempts and the job fails
 * with an error an operator can read — and nothing half-done is posted.
 */
import assert from "node:assert/strict";
import { dbTest } from "../../lib/db/testing.ts";
import { sql } from "../../lib/db/mod.ts";
import { metricValue } from "../../lib/metrics.ts";
import { createReviewEnv, findings, REPO } from "./_review_env.ts";

dbTest("a review survives LLM 429s with retry-after and posts exactly once", async ({ db }) => {
  let limited = 0;
  await using env = await createReviewEnv(db, (request) => {
    if (request.structured && limited < 2) {
      limited++;
      return { status: 429, headers: { "retry-after": "0" } };
    }
    return findings(request);
  });
  const id = await env.enqueueReview();
  await env.runUntil(async () => (await env.job(id)).status === "completed");
  assert.equal(limited, 2);
  assert.deepEqual(await env.job(id), { status: "completed", attempts: 1, error: null });
  assert.equal(env.github.state.reviews.length, 1);
  assert.match(env.github.state.reviews[0]!.comments[0]!.body, /Subtraction in add\(\)/);
  const answered = env.openai.requests.filter((request) => request.structured).length - limited;
  assert.equal(
    await metricValue(env.metrics.llmTokens, { provider: "openai", direction: "input" }),
    300 * answered,
  );
  assert.equal(
    await metricValue(env.metrics.jobsProcessed, { type: "review_pull_request", outcome: "completed" }),
    1,
  );
});

dbTest(
  "a review whose LLM keeps answering 500 is retried, then fails with a readable error",
  async ({ db }) => {
    await using env = await createReviewEnv(
      db,
      (request) => request.structured ? { status: 500, headers: { "retry-after": "0" } } : "ok",
    );
    const id = await env.enqueueReview(2);
    await env.runUntil(async () => (await env.job(id)).status === "failed");
    const job = await env.job(id);
    assert.equal(job.attempts, 2, "every attempt was used");
    assert.match(job.error ?? "", /500/);
    assert.match(job.error ?? "", /gpt-4o-mini|openai/i, "the error names the model or provider");
    // Per attempt, each LLM step of the default pipeline makes three calls: the first try and two retries.
    const calls = env.openai.requests.filter((request) => request.structured).length;
    const steps = calls / (3 * 2);
    assert.ok(Number.isInteger(steps) && steps >= 1, `${calls} calls`);
    assert.equal(env.github.state.reviews.length, 0, "nothing half-done is posted");
    const [review] = await db.query<{ status: string; error: string }>(
      sql`select status, error from reviews order by id desc limit 1`,
    );
    assert.equal(review?.status, "failed");
    assert.equal(
      await metricValue(env.metrics.jobsProcessed, { type: "review_pull_request", outcome: "retry" }),
      1,
    );
    assert.equal(
      await metricValue(env.metrics.jobsProcessed, { type: "review_pull_request", outcome: "failed" }),
      1,
    );
    assert.equal(
      await metricValue(env.metrics.llmErrors, { provider: "openai", retryable: "true" }),
      steps * 2,
    );
  },
);

dbTest(
  "a review whose LLM never answers times out, is retried, then fails naming the timeout",
  async ({ db }) => {
    await using env = await createReviewEnv(db, (request) => request.structured ? { delayMs: 60_000 } : "ok");
    const id = await env.enqueueReview(2);
    await env.runUntil(async () => (await env.job(id)).status === "failed", { jobTimeoutMs: 1_500 });
    const job = await env.job(id);
    assert.equal(job.attempts, 2);
    assert.equal(job.error, "Job timed out after 1500 ms");
    assert.equal(env.github.state.reviews.length, 0);
  },
);

dbTest("a review retries GitHub 429 and 500 answers and completes once", async ({ db }) => {
  await using env = await createReviewEnv(db, findings);
  env.github.state.failNext(`/repos/${REPO}/pulls/7`, 500);
  env.github.state.failNext(`/repos/${REPO}/pulls/7`, 429, {
    "retry-after": "1",
    "x-ratelimit-remaining": "0",
  });
  const id = await env.enqueueReview(4);
  await env.runUntil(async () => (await env.job(id)).status === "completed");
  const job = await env.job(id);
  assert.equal(job.status, "completed");
  assert.equal(job.attempts, 3, "two failed attempts, then success");
  assert.equal(env.github.state.reviews.length, 1, "exactly one review");
});

dbTest(
  "a review whose GitHub keeps failing exhausts its attempts with the platform's error",
  async ({ db }) => {
    await using env = await createReviewEnv(db, findings);
    for (let index = 0; index < 10; index++) env.github.state.failNext(`/repos/${REPO}/pulls/7`, 502);
    const id = await env.enqueueReview(2);
    await env.runUntil(async () => (await env.job(id)).status === "failed");
    const job = await env.job(id);
    assert.equal(job.attempts, 2);
    assert.match(
      job.error ?? "",
      /^Cannot get pull request "octo-org\/fault-service#7": GitHub answered 502/,
    );
    assert.equal(env.github.state.reviews.length, 0);
  },
);
