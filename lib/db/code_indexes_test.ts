import assert from "node:assert/strict";
import { createRepo } from "./repos.ts";
import { cachedCommits, dropCodeIndex, readCodeIndex, saveCodeIndex } from "./code_indexes.ts";
import { getReview, recordReviewStep, startReview } from "./reviews.ts";
import { recordStepContexts } from "./step_context.ts";
import { dbTest } from "./testing.ts";

const index = (repoId: number, commitSha: string, data = `{"c":"${commitSha}"}`) => ({
  repoId,
  commitSha,
  format: 1,
  data,
  files: 2,
  complete: true,
});

dbTest(
  "saveCodeIndex() keeps an index per repository, commit and format, found in the order asked",
  async ({ db }) => {
    const repo = await createRepo(db, { platform: "github", fullName: "octo/app", webhookSecret: "x" });
    const other = await createRepo(db, { platform: "github", fullName: "octo/other", webhookSecret: "x" });
    await saveCodeIndex(db, index(repo.id, "base"));
    await saveCodeIndex(db, index(repo.id, "head1"));
    await saveCodeIndex(db, { ...index(repo.id, "head1", "replaced"), complete: false });
    assert.equal(
      await readCodeIndex(db, other.id, ["base"], 1),
      null,
      "another repository's commit is not shared",
    );
    assert.equal(await readCodeIndex(db, repo.id, ["base"], 2), null, "another format is never read");
    const found = await readCodeIndex(db, repo.id, ["head2", "head1", "base"], 1);
    assert.deepEqual(found, {
      repoId: repo.id,
      commitSha: "head1",
      format: 1,
      data: "replaced",
      files: 2,
      complete: false,
    });
    assert.deepEqual(
      await cachedCommits(db, repo.id, ["base", "head1", "head2"], 1),
      new Set(["base", "head1"]),
    );
    await dropCodeIndex(db, { repoId: repo.id, commitSha: "base", format: 1 });
    assert.equal(await readCodeIndex(db, repo.id, ["base"], 1), null);
  },
);

dbTest("saveCodeIndex() keeps the most recently used indexes of a repository only", async ({ db }) => {
  const repo = await createRepo(db, { platform: "github", fullName: "octo/app", webhookSecret: "x" });
  const other = await createRepo(db, { platform: "github", fullName: "octo/other", webhookSecret: "x" });
  let now = 1_000;
  const clock = () => now++;
  await saveCodeIndex(db, index(other.id, "o1"), { keep: 2, now: clock });
  for (const sha of ["c1", "c2", "c3"]) await saveCodeIndex(db, index(repo.id, sha), { keep: 2, now: clock });
  assert.deepEqual(await cachedCommits(db, repo.id, ["c1", "c2", "c3"], 1), new Set(["c2", "c3"]));
  // Reading c2 makes it the most recently used: the next save drops c3.
  assert.ok(await readCodeIndex(db, repo.id, ["c2"], 1, clock));
  await saveCodeIndex(db, index(repo.id, "c4"), { keep: 2, now: clock });
  assert.deepEqual(await cachedCommits(db, repo.id, ["c1", "c2", "c3", "c4"], 1), new Set(["c2", "c4"]));
  assert.deepEqual(
    await cachedCommits(db, other.id, ["o1"], 1),
    new Set(["o1"]),
    "other repositories keep theirs",
  );
});

dbTest("recordStepContexts() stores each step's context sources for the review page", async ({ db }) => {
  const repo = await createRepo(db, { platform: "github", fullName: "octo/app", webhookSecret: "x" });
  const reviewId = await startReview(db, {
    repoId: repo.id,
    prNumber: 7,
    headSha: "a1",
    title: "t",
    author: "ada",
  });
  const record = {
    provider: "openai",
    model: "m",
    status: "completed" as const,
    inputTokens: 1,
    outputTokens: 1,
    costUsd: 0,
    cached: false,
    durationMs: 1,
    error: null,
  };
  await recordReviewStep(db, reviewId, { ...record, name: "bugs" });
  await recordReviewStep(db, reviewId, { ...record, name: "security" });
  const sources = [
    { kind: "definition", source: "src/util.ts:3-9" },
    { kind: "caller", source: "src/main.ts:12-20" },
  ];
  await recordStepContexts(db, reviewId, [
    { record: { name: "bugs" }, context: sources },
    { record: { name: "security" }, context: [] },
  ]);
  const found = await getReview(db, reviewId);
  assert.deepEqual(found?.steps.map((step) => [step.name, step.context]), [["bugs", sources], [
    "security",
    [],
  ]]);
});
