/**
 * The review spine end to end, in the real process: a signed GitHub webhook (a real payload from
 * @octokit/webhooks-examples) goes in, and exactly one review with correctly anchored inline comments comes out
 * on a local fake GitHub, reviewed by a local fake OpenAI-compatible server — also when the webhook is delivered
 * twice, and when the worker is killed with SIGKILL in the middle of the review. A push is reviewed incrementally
 * and posts only its new finding: the earlier review body still lists the finding outside the diff.
 */
import assert from "node:assert/strict";
import { sign } from "@octokit/webhooks-methods";
import examples from "@octokit/webhooks-examples" with { type: "json" };
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../fakes/github.ts";
import type { FakeLlmRequest, FakeReply } from "../fakes/openai.ts";
import { type LoomProcess, startLoom, waitFor } from "../support/loom_process.ts";
import {
  assertIncrementalSummary,
  assertNoFindingRepeated,
  BASE_SOURCE,
  findingsReply,
  HEAD_SOURCE,
  jobStates,
  postWebhook,
  pushComparisonDiff,
  REVIEWED_PATH,
  reviewRows,
  SECOND_HEAD_SOURCE,
  SECOND_PUSH_TITLE,
  secondPushDiff,
  setupReviewE2e,
  UNANCHORED_TITLE,
  waitForCompletedJobs,
} from "../support/e2e_review.ts";

const WEBHOOK_SECRET = "e2e-webhook-secret";
const REPO = "octo-org/cache-service";

// deno-lint-ignore no-explicit-any
type Payload = Record<string, any>;

function openedPayload(headSha: string, baseSha: string): Payload {
  const definition = (examples as unknown as { name: string; examples: Payload[] }[])
    .find((item) => item.name === "pull_request");
  const payload = structuredClone(definition!.examples.find((item) => item.action === "opened")!);
  payload.number = 42;
  payload.pull_request.number = 42;
  payload.pull_request.draft = false;
  payload.pull_request.head.sha = headSha;
  payload.pull_request.base.sha = baseSha;
  payload.pull_request.base.ref = "main";
  payload.repository.full_name = REPO;
  payload.repository.name = "cache-service";
  payload.repository.owner.login = "octo-org";
  return payload;
}

async function deliver(loom: LoomProcess, path: string, payload: Payload, deliveryId: string) {
  const body = JSON.stringify(payload);
  return await postWebhook(loom, path, body, {
    "x-github-event": "pull_request",
    "x-github-delivery": deliveryId,
    "x-hub-signature-256": await sign(WEBHOOK_SECRET, body),
  });
}

async function setup(
  dialect: "sqlite" | "postgres",
  reply: (request: FakeLlmRequest) => FakeReply | Promise<FakeReply>,
) {
  const context = await setupReviewE2e({
    dialect,
    platform: "github",
    fullName: REPO,
    webhookSecret: WEBHOOK_SECRET,
    reply,
  });
  const github = startFakeGitHub();
  github.state.addPullRequest({
    repo: REPO,
    number: 42,
    title: "Add cache eviction",
    author: "ada",
    headSha: context.diff.headSha,
    baseSha: context.diff.baseSha,
    baseRef: "main",
    headRef: "eviction",
    diff: context.diff.diff,
    files: { [REVIEWED_PATH]: { base: BASE_SOURCE, head: HEAD_SOURCE } },
  });
  return {
    ...context,
    github,
    env: { ...context.env, LOOM_GITHUB_API_URL: github.url, LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN },
    async [Symbol.asyncDispose]() {
      await github.close();
      await context[Symbol.asyncDispose]();
    },
  };
}

function assertOneAnchoredReview(context: Awaited<ReturnType<typeof setup>>) {
  const reviews = context.github.state.reviews;
  assert.equal(reviews.length, 1, "exactly one review posted");
  const [review] = reviews;
  assert.equal(review!.commitId, context.diff.headSha);
  assert.equal(review!.event, "COMMENT");
  assert.equal(review!.comments.length, 1, "one inline comment");
  const [comment] = review!.comments;
  assert.equal(comment!.path, "src/cache.ts");
  assert.equal(comment!.line, 10);
  assert.equal(comment!.side, "RIGHT");
  assert.match(comment!.body, /Off-by-one in evict loop/);
  assert.match(comment!.body, /```suggestion\n {2}for \(let i = 0; i < keys\.length/);
  assert.match(comment!.body, /<!-- loom:fp=[0-9a-f]+ -->/);
  assert.match(review!.body, /Document the TTL choice/, "the unanchored finding is in the summary");
  assert.match(review!.body, new RegExp(`<!-- loom:summary -->\n<!-- loom:head=${context.diff.headSha} -->`));
}

for (const dialect of ["sqlite", "postgres"] as const) {
  Deno.test(`a signed webhook delivered twice becomes exactly one anchored review [${dialect}]`, async () => {
    await using context = await setup(dialect, findingsReply);
    await using loom = await startLoom(context.env);
    const payload = openedPayload(context.diff.headSha, context.diff.baseSha);
    const first = await deliver(loom, context.webhookPath, payload, "delivery-1");
    assert.equal(first.status, 202);
    assert.equal(first.body.outcome, "enqueued");
    const replay = await deliver(loom, context.webhookPath, payload, "delivery-1");
    assert.equal(replay.body.status, "duplicate");
    const redelivery = await deliver(loom, context.webhookPath, payload, "delivery-2");
    assert.equal(redelivery.body.outcome, "duplicate_job");

    await waitForCompletedJobs(context, loom, 1, () => JSON.stringify(context.github.state.reviews));
    assertOneAnchoredReview(context);
    const [review] = await reviewRows(context);
    assert.equal(review?.status, "completed");
    assert.equal(review?.findingsCount, 2);
    assert.ok(review!.inputTokens > 0, "token usage recorded");

    // A push: GitHub keeps every review body, so the new review lists nothing the first one shows.
    const pushed = await secondPushDiff();
    context.github.state.addPullRequest({
      repo: REPO,
      number: 42,
      title: "Add cache eviction",
      author: "ada",
      headSha: pushed.headSha,
      baseSha: pushed.baseSha,
      baseRef: "main",
      headRef: "eviction",
      diff: pushed.diff,
      files: { [REVIEWED_PATH]: { base: BASE_SOURCE, head: SECOND_HEAD_SOURCE } },
    });
    context.github.state.addComparison(
      REPO,
      context.diff.headSha,
      pushed.headSha,
      await pushComparisonDiff(),
    );
    const synchronize: Payload = {
      ...openedPayload(pushed.headSha, pushed.baseSha),
      action: "synchronize",
      before: context.diff.headSha,
      after: pushed.headSha,
    };
    assert.equal(
      (await deliver(loom, context.webhookPath, synchronize, "delivery-3")).body.outcome,
      "enqueued",
    );
    await waitForCompletedJobs(context, loom, 2, () => JSON.stringify(context.github.state.reviews));
    const reviews = context.github.state.reviews;
    assert.equal(reviews.length, 2);
    assert.deepEqual(reviews[1]!.comments.map((comment) => comment.line), [14]);
    assert.match(reviews[1]!.comments[0]!.body, new RegExp(SECOND_PUSH_TITLE));
    assertIncrementalSummary(reviews[1]!.body, context.diff.headSha);
    assert.doesNotMatch(reviews[1]!.body, new RegExp(UNANCHORED_TITLE), "the summary does not list it again");
    assertNoFindingRepeated(
      reviews.flatMap((posted) => [posted.body, ...posted.comments.map((c) => c.body)]),
    );
  });

  Deno.test(`a worker killed mid-review loses nothing and posts exactly once [${dialect}]`, async () => {
    let stall = true;
    let reachedLlm!: () => void;
    const llmReached = new Promise<void>((resolve) => (reachedLlm = resolve));
    await using context = await setup(dialect, (request) => {
      if (stall && request.structured) {
        reachedLlm();
        // Long enough that the first process is killed while waiting for the model.
        return { delayMs: 120_000 };
      }
      return findingsReply(request);
    });
    // The killed process's short lease is what frees its job for the second process.
    const first = await startLoom({ ...context.env, LOOM_JOB_LEASE_MS: "1500" });
    try {
      const payload = openedPayload(context.diff.headSha, context.diff.baseSha);
      assert.equal(
        (await deliver(first, context.webhookPath, payload, "delivery-1")).body.outcome,
        "enqueued",
      );
      await llmReached;
    } finally {
      await first.kill("SIGKILL");
    }
    stall = false;
    assert.deepEqual(
      (await jobStates(context)).map((job) => job.status),
      ["in_progress"],
      "claimed by the dead worker",
    );

    await using second = await startLoom(context.env);
    await waitFor(
      async () => (await jobStates(context))[0]?.status === "completed" ? true : undefined,
      () => `job never completed after the restart:\n${second.logs()}`,
    );
    assertOneAnchoredReview(context);
    assert.equal((await jobStates(context))[0]?.attempts, 2, "the second process took over after the lease");
  });
}
