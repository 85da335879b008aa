/**
 * Honest outcomes, end to end through the real GitHub and OpenAI clients against the local fakes, on both
 * databases: a model that refuses every call, one step of three failing, failures before a review exists
 * (missing token, bad config, a pull request the platform cannot find), a transient failure the queue retries,
 * and append-only history with re-runs that skip the response cache.
 */
import assert from "node:assert/strict";
import { loadServerConfig } from "../config/env.ts";
import { BUILTIN_PROMPTS } from "../config/load.ts";
import { loadAnalytics } from "../db/analytics.ts";
import { createOrganization } from "../db/organizations.ts";
import { createRepo } from "../db/repos.ts";
import { getReview, listRecentReviews } from "../db/reviews.ts";
import { dbTest, type TestDatabase } from "../db/testing.ts";
import { silentLogger } from "../log.ts";
import type { TaskPayloads } from "../queue/mod.ts";
import { createReviewDeps } from "../runtime.ts";
import { FAKE_GITHUB_TOKEN, type FakeGitHub, startFakeGitHub } from "../../tests/fakes/github.ts";
import { makeGitDiff } from "../../tests/fakes/git_diff.ts";
import { type FakeLlmRequest, type FakeReply, startFakeOpenAI } from "../../tests/fakes/openai.ts";
import { type ReviewDeps, type ReviewJob, reviewPullRequest } from "./review_pull_request.ts";

const REPO = "octo-org/outcomes";

interface Context extends AsyncDisposable {
  github: FakeGitHub;
  deps: ReviewDeps;
  repoId: number;
  organizationId: number;
  database: TestDatabase;
  openaiRequests: FakeLlmRequest[];
}

async function setup(
  database: TestDatabase,
  reply: (request: FakeLlmRequest) => FakeReply,
  env: Record<string, string> = {},
): Promise<Context> {
  const github = startFakeGitHub();
  const openai = await startFakeOpenAI({ reply });
  const server = loadServerConfig({
    LOOM_GITHUB_API_URL: github.url,
    LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN,
    LOOM_LLM_PROVIDER: "openai",
    LOOM_LLM_MODEL: "gpt-4o-mini",
    LOOM_LLM_BASE_URL: openai.url,
    LOOM_LLM_API_KEY: "sk-test",
    ...env,
  });
  const organization = await createOrganization(database.db, { name: "Acme" });
  const repo = await createRepo(database.db, {
    platform: "github",
    fullName: REPO,
    webhookSecret: "unused",
    organizationId: organization.id,
  });
  return {
    github,
    database,
    organizationId: organization.id,
    deps: createReviewDeps(server, database.db, silentLogger),
    repoId: repo.id,
    openaiRequests: openai.requests,
    async [Symbol.asyncDispose]() {
      await openai.close();
      await github.close();
    },
  };
}

async function addPullRequest(context: Context, number: number, title = `Change ${number}`) {
  const files = {
    "src/pager.ts": {
      base: "export const size = 10;\nexport const first = 0;\n",
      head: "export const size = 10;\nexport const first = 1;\n",
    },
  };
  const diff = await makeGitDiff(files);
  context.github.state.addPullRequest({
    repo: REPO,
    number,
    title,
    author: "ada",
    headSha: diff.headSha,
    baseSha: diff.baseSha,
    headRef: `change-${number}`,
    diff: diff.diff,
    files,
  });
  return diff;
}

function reviewJob(
  context: Context,
  id: number,
  number: number,
  heads: { headSha: string; baseSha: string },
  options: {
    action?: TaskPayloads["review_pull_request"]["action"];
    attempts?: number;
    maxAttempts?: number;
  } = {},
): ReviewJob {
  return {
    id,
    attempts: options.attempts ?? 1,
    maxAttempts: options.maxAttempts ?? 1,
    payload: {
      platform: "github",
      repoId: context.repoId,
      repo: REPO,
      number,
      headSha: heads.headSha,
      baseSha: heads.baseSha,
      baseRef: "main",
      headRef: `change-${number}`,
      title: `Change ${number}`,
      author: "ada",
      authorIsBot: false,
      draft: false,
      action: options.action ?? "opened",
    },
  };
}

const FINDING = {
  path: "src/pager.ts",
  line: 2,
  side: "RIGHT",
  severity: "warning",
  title: "Pages start at one",
  body: "The first page is skipped.",
};

const unauthorized: FakeReply = { status: 401, body: { error: { message: "Incorrect API key provided" } } };

/** The summary Loom posted, with the progress comment checked to carry it at most by reference. */
function postedSummaries(github: FakeGitHub): string[] {
  return [
    ...github.state.reviews.map((review) => review.body),
    ...github.state.issueComments.map((c) => c.body),
  ]
    .filter((body) => body.includes("## Loom review"));
}

const signal = new AbortController().signal;

dbTest(
  "a model that answers 401 to every call fails the review: no success status, summary says so",
  async (database) => {
    await using context = await setup(database, () => unauthorized);
    const heads = await addPullRequest(context, 1);
    const outcome = await reviewPullRequest(context.deps, reviewJob(context, 1, 1, heads), signal);
    assert.equal(outcome.status, "failed");
    const record = await getReview(database.db, outcome.reviewId!);
    assert.equal(record?.review.status, "failed");
    assert.match(record?.review.error ?? "", /Nothing was reviewed: every step failed \(bugs: .*401/);
    assert.ok(record?.review.nextStep);
    const final = context.github.state.statuses.at(-1)!;
    assert.notEqual(final.state, "success");
    assert.equal(final.state, "failure");
    assert.match(final.description ?? "", /Nothing was reviewed/);
    const [summary] = postedSummaries(context.github);
    assert.match(summary!, /Nothing was reviewed/);
    assert.doesNotMatch(summary!, /No new problems found/);
    assert.notEqual(context.github.state.reviews[0]!.event, "APPROVE");
  },
);

dbTest(
  "one of three steps failing is a partial review that names the step, with on_step_failure",
  async (database) => {
    await using context = await setup(database, (request) => {
      if (!request.structured) return "ok";
      if (request.messages.at(-1)!.content.includes(BUILTIN_PROMPTS.security)) return unauthorized;
      return { json: { findings: [] } };
    });
    const heads = await addPullRequest(context, 2);
    context.github.state.addFile(
      REPO,
      "main",
      ".loom/config.yaml",
      "output:\n  approve_on: no_findings\n  on_step_failure: neutral\n",
    );
    const outcome = await reviewPullRequest(context.deps, reviewJob(context, 2, 2, heads), signal);
    assert.equal(outcome.status, "partial");
    const record = await getReview(database.db, outcome.reviewId!);
    assert.equal(record?.review.status, "partial");
    // Steps run at once and are recorded as they finish.
    assert.deepEqual(record?.steps.map((step) => [step.name, step.status]).sort(), [
      ["bugs", "completed"],
      ["performance", "completed"],
      ["security", "failed"],
    ]);
    assert.match(record?.review.error ?? "", /^Partial review: step security failed/);
    const review = context.github.state.reviews[0]!;
    assert.equal(review.event, "COMMENT", "a partial review never approves, even with no findings");
    assert.match(review.body, /Partial review\*\*: \*\*security\*\* failed/);
    assert.match(review.body, /- \*\*security\*\*: .*401/);
    assert.equal(
      context.github.state.statuses.at(-1)!.state,
      "error",
      "neutral: error, not failure or success",
    );
  },
);

dbTest("a missing platform token is a failed review with its reason and next step", async (database) => {
  await using context = await setup(database, () => ({ json: { findings: [] } }), { LOOM_GITHUB_TOKEN: "" });
  const heads = await addPullRequest(context, 3);
  await assert.rejects(
    reviewPullRequest(context.deps, reviewJob(context, 3, 3, heads, { maxAttempts: 5 }), signal),
    (error: Error & { retryable?: boolean }) =>
      error.retryable === false && /No GitHub credential for .* in organization/.test(error.message),
  );
  const [row] = await listRecentReviews(database.db, { repoId: context.repoId });
  assert.equal(row?.status, "failed");
  assert.equal(row?.prNumber, 3);
  assert.equal(row?.headSha, heads.headSha);
  assert.equal(row?.title, "Change 3");
  assert.match(
    row?.error ?? "",
    /No GitHub credential for .* in organization .*: add one under Settings → API keys/,
  );
  assert.match(
    row?.nextStep ?? "",
    /adds a GitHub token .* under Settings → API keys, then re-runs the review/,
  );
  assert.equal(context.openaiRequests.length, 0);
});

dbTest("a pull request GitHub cannot find is a failed review saying so", async (database) => {
  await using context = await setup(database, () => ({ json: { findings: [] } }));
  const heads = await addPullRequest(context, 4);
  await assert.rejects(reviewPullRequest(context.deps, reviewJob(context, 4, 404, heads), signal));
  const [row] = await listRecentReviews(database.db, { repoId: context.repoId });
  assert.equal(row?.status, "failed");
  assert.equal(row?.prNumber, 404);
  assert.match(row?.error ?? "", /GitHub could not find the pull request or repository \(404\)/);
  assert.match(row?.nextStep ?? "", /still exists/);
});

dbTest(
  "a bad config fails with a record and a status, and its comment is edited when the config is fixed",
  async (database) => {
    await using context = await setup(database, () => ({ json: { findings: [] } }));
    const heads = await addPullRequest(context, 5);
    context.github.state.addFile(REPO, "main", ".loom/config.yaml", "output:\n  max_coments: 3\n");
    await assert.rejects(reviewPullRequest(context.deps, reviewJob(context, 5, 5, heads), signal));
    const [row] = await listRecentReviews(database.db, { repoId: context.repoId });
    assert.equal(row?.status, "failed");
    assert.match(row?.error ?? "", /configuration cannot be used: .*max_coments/);
    assert.match(row?.nextStep ?? "", /Fix \.loom\/config\.yaml on the base branch "main"/);
    const status = context.github.state.statuses.at(-1)!;
    assert.equal(status.state, "error");
    assert.match(status.description ?? "", /Invalid \.loom\/config\.yaml/);
    assert.equal(context.github.state.issueComments.length, 1);

    // Another broken version edits the same comment.
    context.github.state.addFile(REPO, "main", ".loom/config.yaml", "output:\n  max_commentz: 3\n");
    context.deps.configCache = undefined;
    await assert.rejects(reviewPullRequest(context.deps, reviewJob(context, 6, 5, heads), signal));
    assert.equal(context.github.state.issueComments.length, 1, "edited, not a second comment");
    assert.match(context.github.state.issueComments[0]!.body, /max_commentz/);

    context.github.state.addFile(REPO, "main", ".loom/config.yaml", "output:\n  max_comments: 3\n");
    const outcome = await reviewPullRequest(context.deps, reviewJob(context, 7, 5, heads), signal);
    assert.equal(outcome.status, "completed");
    const configComment = context.github.state.issueComments[0]!;
    assert.match(configComment.body, /configuration is valid again/);
    assert.equal(context.github.state.statuses.at(-1)!.state, "success");
    const rows = await listRecentReviews(database.db, { repoId: context.repoId });
    assert.deepEqual(rows.map((review) => review.status), ["completed", "failed", "failed"]);
  },
);

dbTest(
  "an attempt the queue retries leaves the pull request pending; the last one says it could not finish",
  async (database) => {
    await using context = await setup(database, (request) => {
      if (!request.structured) return "ok";
      // A retryable 503 whose retry-after is longer than the client waits reaches the queue at once.
      return { status: 503, headers: { "retry-after": "120" } };
    });
    const heads = await addPullRequest(context, 8);
    await assert.rejects(
      reviewPullRequest(
        context.deps,
        reviewJob(context, 8, 8, heads, { attempts: 1, maxAttempts: 3 }),
        signal,
      ),
    );
    assert.deepEqual(context.github.state.statuses.map((status) => status.state), ["pending"]);
    assert.doesNotMatch(context.github.state.issueComments[0]!.body, /could not finish/);
    const [running] = await listRecentReviews(database.db, { repoId: context.repoId });
    assert.equal(running?.status, "running");
    assert.match(running?.error ?? "", /Attempt 1 failed and is retried/);

    await assert.rejects(
      reviewPullRequest(
        context.deps,
        reviewJob(context, 8, 8, heads, { attempts: 3, maxAttempts: 3 }),
        signal,
      ),
    );
    assert.match(context.github.state.issueComments[0]!.body, /could not finish the review/);
    assert.equal(context.github.state.statuses.at(-1)!.state, "error");
    const [failed] = await listRecentReviews(database.db, { repoId: context.repoId });
    assert.equal(failed?.id, running?.id, "the job's attempts share one record");
    assert.equal(failed?.status, "failed");
    assert.match(failed?.error ?? "", /after 3 attempts/);
    assert.equal(failed?.attempts, 2);
  },
);

dbTest(
  "a timed-out attempt the queue retries leaves the pull request pending; the last one fails the review",
  async (database) => {
    await using context = await setup(database, (request) => {
      if (!request.structured) return "ok";
      return { delayMs: 10_000, then: { json: { findings: [] } } };
    });
    const heads = await addPullRequest(context, 11);
    // What the worker does when the job timeout fires (`JobAbort` with reason "timeout").
    const timedOut = async (attempts: number) => {
      const controller = new AbortController();
      const seen = context.openaiRequests.length;
      const running = reviewPullRequest(
        context.deps,
        reviewJob(context, 30, 11, heads, { attempts, maxAttempts: 2 }),
        controller.signal,
      );
      while (context.openaiRequests.length === seen) await new Promise((resolve) => setTimeout(resolve, 10));
      controller.abort(Object.assign(new Error("Job timed out after 10 ms"), { reason: "timeout" }));
      await assert.rejects(running);
    };
    await timedOut(1);
    const [running] = await listRecentReviews(database.db, { repoId: context.repoId });
    assert.equal(running?.status, "running", "not cancelled: the queue runs it again");
    assert.match(running?.error ?? "", /Attempt 1 failed and is retried: Job timed out/);
    assert.deepEqual(context.github.state.statuses.map((status) => status.state), ["pending"]);

    await timedOut(2);
    const [failed] = await listRecentReviews(database.db, { repoId: context.repoId });
    assert.equal(failed?.id, running?.id);
    assert.equal(failed?.status, "failed");
    assert.match(failed?.error ?? "", /^Job timed out after 10 ms \(after 2 attempts\)/);
    assert.equal(context.github.state.statuses.at(-1)!.state, "error");
  },
);

dbTest(
  "re-runs are new records that ask the model again; analytics add up every run and count cached steps",
  async (database) => {
    await using context = await setup(
      database,
      (request) => request.structured ? { json: { findings: [FINDING] } } : "ok",
      { LOOM_LLM_CACHE_TTL_MS: "600000" },
    );
    const heads = await addPullRequest(context, 9);
    const first = await reviewPullRequest(context.deps, reviewJob(context, 20, 9, heads), signal);
    const calls = context.openaiRequests.length;
    const rerun = await reviewPullRequest(
      context.deps,
      reviewJob(context, 21, 9, heads, { action: "manual" }),
      signal,
    );
    const again = await reviewPullRequest(
      context.deps,
      reviewJob(context, 22, 9, heads, { action: "manual" }),
      signal,
    );
    assert.equal(context.openaiRequests.length, calls * 3, "each re-run asked the model again");
    const ids = [first, rerun, again].map((outcome) => (outcome as { reviewId: number }).reviewId);
    assert.equal(new Set(ids).size, 3, "three records");
    const records = await listRecentReviews(database.db, { repoId: context.repoId });
    assert.deepEqual(records.map((record) => record.action), ["manual", "manual", "opened"]);
    const spent = records.reduce((sum, record) => sum + record.costUsd, 0);
    assert.ok(records.every((record) => record.costUsd > 0), "every run was paid for");

    // Another pull request with the same change and title is answered from the cache: marked, free, counted.
    const twin = await addPullRequest(context, 10, "Change 9");
    const cached = await reviewPullRequest(context.deps, reviewJob(context, 23, 10, twin), signal);
    assert.equal(context.openaiRequests.length, calls * 3, "no model call");
    const cachedRecord = await getReview(database.db, (cached as { reviewId: number }).reviewId);
    assert.ok(cachedRecord!.steps.length > 0);
    assert.ok(
      cachedRecord!.steps.every((step) => step.cached && step.costUsd === 0),
      "cached steps cost nothing",
    );
    assert.equal(cachedRecord?.review.costUsd, 0);

    const analytics = await loadAnalytics(database.db, context.organizationId);
    assert.equal(analytics.totals.reviews, 4);
    assert.ok(Math.abs(analytics.totals.costUsd - spent) < 1e-9, "spend is the sum of every run");
    assert.equal(analytics.totals.cachedSteps, cachedRecord!.steps.length);
  },
);
