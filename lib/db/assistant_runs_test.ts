import assert from "node:assert/strict";
import { listOrgReviews, loadAnalytics } from "./analytics.ts";
import { recordAssistantRun } from "./assistant_runs.ts";
import { createOrganization } from "./organizations.ts";
import { createRepo } from "./repos.ts";
import { finishReview, getReview, startReview } from "./reviews.ts";
import { dbTest } from "./testing.ts";

const NOW = Date.UTC(2026, 2, 4, 12);

async function setup(db: Parameters<typeof createRepo>[0]) {
  const org = await createOrganization(db, { name: "Acme" });
  const repo = await createRepo(db, {
    platform: "github",
    fullName: "octo/app",
    webhookSecret: "x",
    organizationId: org.id,
  });
  return { org, repo };
}

const RUN = {
  prNumber: 7,
  headSha: "a1",
  kind: "describe" as const,
  title: "Fix paging",
  author: "ada",
  provider: "openai",
  model: "gpt-4o-mini",
  usage: { inputTokens: 1200, outputTokens: 300, cachedInputTokens: 200 },
  costUsd: 0.0021,
  status: "completed" as const,
  summary: "Updated the description",
  startedAt: NOW,
  finishedAt: NOW + 2500,
};

dbTest(
  "recordAssistantRun() puts a describe run in the history with its kind, model, tokens and cost",
  async ({ db }) => {
    const { org, repo } = await setup(db);
    const review = await startReview(db, {
      repoId: repo.id,
      prNumber: 7,
      headSha: "a1",
      title: "Fix paging",
      author: "ada",
    }, () => NOW - 1000);
    await finishReview(db, review, { status: "completed" }, () => NOW - 500);
    const id = await recordAssistantRun(db, { ...RUN, repoId: repo.id });

    const found = await getReview(db, id);
    assert.equal(found?.review.kind, "describe");
    assert.equal(found?.review.status, "completed");
    assert.equal(found?.review.summary, "Updated the description");
    assert.equal(found?.review.inputTokens, 1200);
    assert.equal(found?.review.cachedInputTokens, 200);
    assert.equal(found?.review.outputTokens, 300);
    assert.ok(Math.abs(found!.review.costUsd - 0.0021) < 1e-12);
    assert.equal(found?.review.finishedAt, NOW + 2500);
    assert.deepEqual(
      found?.steps.map((step) => [step.name, step.provider, step.model, step.inputTokens, step.durationMs]),
      [["describe", "openai", "gpt-4o-mini", 1200, 2500]],
    );
    assert.equal((await getReview(db, review))?.review.kind, "review", "a review stays a review");

    const all = await listOrgReviews(db, org.id);
    assert.deepEqual(all.map((row) => row.kind), ["describe", "review"]);
    assert.deepEqual((await listOrgReviews(db, org.id, { kind: "describe" })).map((row) => row.id), [id]);
    assert.deepEqual((await listOrgReviews(db, org.id, { kind: "review" })).map((row) => row.id), [review]);

    const analytics = await loadAnalytics(db, org.id, { days: 1, now: () => NOW });
    assert.equal(analytics.totals.tokens, 1500, "the run's tokens count in analytics");
    assert.ok(Math.abs(analytics.totals.costUsd - 0.0021) < 1e-12, "and its cost");
  },
);

dbTest("recordAssistantRun() gives every attempt of one job one row and adds their spend", async ({ db }) => {
  const { org, repo } = await setup(db);
  const first = await recordAssistantRun(db, {
    ...RUN,
    repoId: repo.id,
    jobId: 41,
    status: "failed",
    error: "The model answered with something that is not the description's shape",
    summary: null,
  });
  const second = await recordAssistantRun(db, { ...RUN, repoId: repo.id, jobId: 41 });
  assert.equal(second, first, "a retried job keeps its row");
  const found = await getReview(db, second);
  assert.equal(found?.review.attempts, 2);
  assert.equal(found?.review.status, "completed");
  assert.equal(found?.review.error, null, "the last attempt's outcome");
  assert.equal(found?.review.inputTokens, 2400, "the failed attempt's tokens were paid for too");
  assert.ok(Math.abs(found!.review.costUsd - 0.0042) < 1e-12);
  assert.equal(found?.steps.length, 1, "the page shows the last attempt's step");

  const ask = await recordAssistantRun(db, { ...RUN, repoId: repo.id, jobId: 41, kind: "ask" });
  assert.notEqual(ask, first, "another kind of run of the same job is its own row");
  const other = await recordAssistantRun(db, { ...RUN, repoId: repo.id, jobId: 42 });
  assert.notEqual(other, first, "another job is another run");
  assert.equal((await listOrgReviews(db, org.id)).length, 3);
});

dbTest("recordAssistantRun() records a run that called no model", async ({ db }) => {
  const { repo } = await setup(db);
  const id = await recordAssistantRun(db, {
    ...RUN,
    repoId: repo.id,
    kind: "ask",
    provider: null,
    model: null,
    usage: { inputTokens: 0, outputTokens: 0 },
    costUsd: 0,
    status: "skipped",
    error: "No model is configured for answers",
    summary: null,
  });
  const found = await getReview(db, id);
  assert.equal(found?.review.status, "skipped");
  assert.equal(found?.review.error, "No model is configured for answers");
  assert.equal(found?.steps[0]?.status, "skipped");
  assert.equal(found?.review.costUsd, 0);
});
