import assert from "node:assert/strict";
import { dbTest } from "./testing.ts";
import { createOrganization } from "./organizations.ts";
import { createRepo } from "./repos.ts";
import { finishReview, recordFindings, recordReviewStep, startReview } from "./reviews.ts";
import { getOrgReview, listOrgReviews, loadAnalytics } from "./analytics.ts";
import type { Db } from "./mod.ts";

const DAY = 86_400_000;
const NOW = 100 * DAY + 12 * 3_600_000;

async function review(
  db: Db,
  repoId: number,
  input: { pr: number; startedAt: number; minutes: number; severities: string[] },
) {
  const id = await startReview(db, {
    repoId,
    prNumber: input.pr,
    headSha: `h${input.pr}`,
    title: `PR ${input.pr}`,
    author: "ada",
  }, () => input.startedAt);
  await recordReviewStep(db, id, {
    name: "security",
    provider: "openai",
    model: "m",
    status: "completed",
    inputTokens: 100,
    cachedInputTokens: 60,
    cacheWriteTokens: 10,
    outputTokens: 20,
    costUsd: 0.5,
    cached: false,
    durationMs: 1,
    error: null,
  });
  await recordFindings(
    db,
    id,
    input.severities.map((severity, index) => ({
      step: index % 2 ? "style" : "security",
      path: "a.ts",
      line: index + 1,
      side: "RIGHT" as const,
      severity: severity as "blocker",
      title: "t",
      body: "b",
      fingerprint: `${input.pr}-${index}`,
      placement: "inline" as const,
    })),
  );
  await finishReview(db, id, { status: "completed" }, () => input.startedAt + input.minutes * 60_000);
  return id;
}

dbTest(
  "loadAnalytics() buckets one organization's reviews by UTC day with medians and severities",
  async ({ db }) => {
    const acme = await createOrganization(db, { name: "Acme" });
    const other = await createOrganization(db, { name: "Other" });
    const repo = await createRepo(db, {
      platform: "github",
      fullName: "acme/a",
      webhookSecret: "s",
      organizationId: acme.id,
    });
    const foreign = await createRepo(db, {
      platform: "github",
      fullName: "other/a",
      webhookSecret: "s",
      organizationId: other.id,
    });
    await review(db, repo.id, { pr: 1, startedAt: NOW - 1000, minutes: 2, severities: ["blocker", "info"] });
    await review(db, repo.id, { pr: 2, startedAt: NOW - 2000, minutes: 4, severities: ["warning"] });
    await review(db, repo.id, { pr: 3, startedAt: NOW - 2 * DAY, minutes: 9, severities: [] });
    await review(db, repo.id, { pr: 4, startedAt: NOW - 40 * DAY, minutes: 1, severities: ["blocker"] });
    await review(db, foreign.id, { pr: 5, startedAt: NOW - 1000, minutes: 1, severities: ["blocker"] });
    const data = await loadAnalytics(db, acme.id, { days: 7, now: () => NOW });
    assert.equal(data.days.length, 7);
    assert.equal(data.days.at(-1), 100 * DAY);
    assert.deepEqual(data.reviews, [0, 0, 0, 0, 1, 0, 2]);
    assert.deepEqual(data.medianSeconds, [0, 0, 0, 0, 540, 0, 180]);
    assert.deepEqual(data.findings.blocker.at(-1), 1);
    assert.deepEqual(data.findings.warning.at(-1), 1);
    assert.deepEqual(data.findings.info.at(-1), 1);
    assert.deepEqual(data.tokens.at(-1), 240);
    assert.deepEqual(data.cachedTokens.at(-1), 120);
    assert.deepEqual(data.findingsByStep, [{ step: "security", count: 2 }, { step: "style", count: 1 }]);
    assert.deepEqual(data.totals, {
      reviews: 3,
      findings: 3,
      tokens: 360,
      cachedTokens: 180,
      costUsd: 1.5,
      medianSeconds: 240,
      cachedSteps: 0,
    });
  },
);

dbTest(
  "listOrgReviews() and getOrgReview() see only the organization's repositories",
  async ({ db }) => {
    const acme = await createOrganization(db, { name: "Acme" });
    const other = await createOrganization(db, { name: "Other" });
    const repo = await createRepo(db, {
      platform: "github",
      fullName: "acme/a",
      webhookSecret: "s",
      organizationId: acme.id,
    });
    const foreign = await createRepo(db, {
      platform: "github",
      fullName: "other/a",
      webhookSecret: "s",
      organizationId: other.id,
    });
    const mine = await review(db, repo.id, { pr: 1, startedAt: NOW, minutes: 1, severities: [] });
    const theirs = await review(db, foreign.id, { pr: 2, startedAt: NOW, minutes: 1, severities: [] });
    assert.deepEqual((await listOrgReviews(db, acme.id)).map((row) => row.id), [mine]);
    assert.deepEqual((await listOrgReviews(db, acme.id, { search: "pr 1" })).map((row) => row.id), [mine]);
    assert.deepEqual(await listOrgReviews(db, acme.id, { search: "100%" }), []);
    assert.equal(await getOrgReview(db, acme.id, theirs), null);
    const stored = await getOrgReview(db, acme.id, mine);
    assert.equal(stored?.review.id, mine);
    // Cached prompt tokens are stored per step and summed on the review.
    assert.equal(stored?.review.cachedInputTokens, 60);
    assert.deepEqual(
      stored?.steps.map((step) => [step.inputTokens, step.cachedInputTokens, step.cacheWriteTokens]),
      [[100, 60, 10]],
    );
  },
);
