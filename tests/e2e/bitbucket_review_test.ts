/**
 * A Bitbucket Cloud pull request reviewed end to end in the real process: an `X-Hub-Signature`-signed
 * `pullrequest:created` webhook (the real-shaped fixture with Bitbucket's 12-character hashes) becomes exactly one
 * review on a local fake Bitbucket: one inline comment with `inline.to` on the added line, and one summary
 * comment holding the finding outside the diff.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import fixture from "../../lib/platforms/bitbucket/testdata/cloud/pull-request-created.json" with {
  type: "json",
};
import { startFakeBitbucket } from "../fakes/bitbucket.ts";
import type { GitDiffResult } from "../fakes/git_diff.ts";
import { type LoomProcess, startLoom } from "../support/loom_process.ts";
import {
  ANCHORED_TITLE,
  assertIncrementalSummary,
  assertNoFindingRepeated,
  BASE_SOURCE,
  HEAD_SOURCE,
  isReviewBody,
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

const REPO = "acme-team/cache-service";
const WEBHOOK_SECRET = "e2e-bitbucket-webhook-secret";

function pullRequestHook(headSha: string, baseSha: string): string {
  const payload = structuredClone(fixture) as typeof fixture & { pullrequest: { draft?: boolean } };
  payload.repository.full_name = REPO;
  payload.repository.name = "cache-service";
  payload.pullrequest.id = 6;
  payload.pullrequest.title = "Add cache eviction";
  payload.pullrequest.state = "OPEN";
  payload.pullrequest.draft = false;
  payload.pullrequest.author.nickname = "ada";
  // Bitbucket webhooks carry abbreviated hashes; Loom resolves and compares them by prefix.
  payload.pullrequest.source.commit.hash = headSha.slice(0, 12);
  payload.pullrequest.source.branch.name = "eviction";
  payload.pullrequest.destination.commit.hash = baseSha.slice(0, 12);
  payload.pullrequest.destination.branch.name = "main";
  return JSON.stringify(payload);
}

function deliver(
  loom: LoomProcess,
  path: string,
  body: string,
  deliveryId: string,
  options: { secret?: string; eventKey?: string } = {},
) {
  const secret = options.secret ?? WEBHOOK_SECRET;
  return postWebhook(loom, path, body, {
    "x-event-key": options.eventKey ?? "pullrequest:created",
    "x-request-uuid": deliveryId,
    "x-hub-signature": "sha256=" + createHmac("sha256", secret).update(body).digest("hex"),
  });
}

for (const dialect of ["sqlite", "postgres"] as const) {
  Deno.test(`a signed Bitbucket webhook delivered twice becomes one anchored review, updated in place on a push [${dialect}]`, async () => {
    await using context = await setupReviewE2e({
      dialect,
      platform: "bitbucket",
      fullName: REPO,
      webhookSecret: WEBHOOK_SECRET,
    });
    await using bitbucket = startFakeBitbucket();
    const seed = (diff: GitDiffResult, head: string) =>
      bitbucket.state.addPullRequest({
        repo: REPO,
        number: 6,
        title: "Add cache eviction",
        author: "ada",
        headSha: diff.headSha,
        baseSha: diff.baseSha,
        baseRef: "main",
        headRef: "eviction",
        diff: diff.diff,
        files: { [REVIEWED_PATH]: { base: BASE_SOURCE, head } },
      });
    seed(context.diff, HEAD_SOURCE);
    await using loom = await startLoom({
      ...context.env,
      LOOM_BITBUCKET_URL: bitbucket.apiUrl,
      LOOM_BITBUCKET_TOKEN: bitbucket.token,
      // The fake does not rate-limit; pacing comments like production would only slow the test down.
      LOOM_PLATFORM_COMMENT_DELAY_MS: "0",
    });

    const body = pullRequestHook(context.diff.headSha, context.diff.baseSha);
    const first = await deliver(loom, context.webhookPath, body, "{bitbucket-delivery-1}");
    assert.equal(first.status, 202);
    assert.equal(first.body.outcome, "enqueued");
    assert.equal(
      (await deliver(loom, context.webhookPath, body, "{bitbucket-delivery-1}")).body.status,
      "duplicate",
    );
    assert.equal(
      (await deliver(loom, context.webhookPath, body, "{bitbucket-delivery-2}")).body.outcome,
      "duplicate_job",
    );
    const forged = await deliver(loom, context.webhookPath, body, "{bitbucket-delivery-3}", {
      secret: "not-the-secret",
    });
    assert.equal(forged.status, 401, "a wrong signature is rejected");

    await waitForCompletedJobs(
      context,
      loom,
      1,
      () => JSON.stringify(bitbucket.state.comments(REPO, 6)),
    );
    const posted = bitbucket.requests
      .filter((request) => request.method === "POST" && request.path.endsWith("/pullrequests/6/comments"))
      .map((request) => request.body as { content: { raw: string }; inline?: Record<string, unknown> })
      .filter((comment) => isReviewBody(comment.content.raw));
    assert.equal(posted.length, 2, "one inline comment and one summary");
    const [inline, summary] = posted;
    assert.deepEqual(inline!.inline, { path: REVIEWED_PATH, to: 10 });
    assert.match(inline!.content.raw, new RegExp(ANCHORED_TITLE));
    assert.match(inline!.content.raw, /```diff\n(?:-.*\n)*\+ {2}for \(let i = 0; i < keys\.length/);
    assert.match(inline!.content.raw, /<!-- loom:fp=[0-9a-f]+ -->/);
    assert.equal(summary!.inline, undefined, "the summary is a general comment");
    assert.match(
      summary!.content.raw,
      new RegExp(UNANCHORED_TITLE),
      "the unanchored finding is in the summary",
    );
    assert.equal(summary!.content.raw.split("<!-- loom:summary -->").length, 2, "one summary marker");
    assert.match(summary!.content.raw, new RegExp(`<!-- loom:head=${context.diff.headSha} -->`));

    const stored = bitbucket.state.comments(REPO, 6).filter((comment) => isReviewBody(comment.body));
    assert.equal(stored.length, 2, "no review comment was posted twice");
    assert.deepEqual(stored[0]!.inline, { path: REVIEWED_PATH, from: null, to: 10 });
    assert.equal(
      bitbucket.state.reviews.length,
      0,
      "a COMMENT verdict neither approves nor requests changes",
    );

    const [review] = await reviewRows(context);
    assert.equal(review?.status, "completed");
    assert.equal(review?.headSha, context.diff.headSha, "the full hash is stored");
    assert.equal(review?.findingsCount, 2);

    // Beside the build status, a Code Insights report on the commit annotates the finding on the diff.
    assert.equal(bitbucket.state.reports.length, 1);
    const [report] = bitbucket.state.reports;
    assert.deepEqual(
      [report!.id, report!.commit, report!.result, report!.annotations.length],
      ["loom-review", context.diff.headSha, "PASSED", 1],
    );
    assert.deepEqual(
      [report!.annotations[0]!.path, report!.annotations[0]!.line, report!.annotations[0]!.severity],
      [REVIEWED_PATH, 10, "MEDIUM"],
    );
    assert.match(report!.annotations[0]!.summary, new RegExp(ANCHORED_TITLE));
    assert.deepEqual(
      bitbucket.state.statuses.filter((status) => status.sha === context.diff.headSha).map((status) =>
        status.state
      ),
      ["SUCCESSFUL"],
      "the build status stays",
    );

    // A second push: a new head with one more problem.
    const pushed = await secondPushDiff();
    seed(pushed, SECOND_HEAD_SOURCE);
    bitbucket.state.addComparison(REPO, context.diff.headSha, pushed.headSha, await pushComparisonDiff());
    const update = pullRequestHook(pushed.headSha, pushed.baseSha);
    const updated = await deliver(loom, context.webhookPath, update, "{bitbucket-delivery-4}", {
      eventKey: "pullrequest:updated",
    });
    assert.equal(updated.body.outcome, "enqueued");
    await waitForCompletedJobs(context, loom, 2, () => JSON.stringify(bitbucket.state.comments(REPO, 6)));

    const comments = bitbucket.state.comments(REPO, 6).filter((comment) => isReviewBody(comment.body));
    assert.equal(comments.length, 3, "only the new finding gets a comment");
    assert.deepEqual(comments[2]!.inline, { path: REVIEWED_PATH, from: null, to: 14 });
    assert.match(comments[2]!.body, new RegExp(SECOND_PUSH_TITLE));
    assert.equal(
      comments.filter((comment) => comment.body.includes(ANCHORED_TITLE)).length,
      1,
      "the already-posted finding is not repeated",
    );
    const summaryComment = comments[1]!;
    assert.equal(summaryComment.history.length, 2, "the summary was edited in place");
    assert.ok(
      bitbucket.requests.some((request) =>
        request.method === "PUT" && request.path.endsWith(`/pullrequests/6/comments/${summaryComment.id}`)
      ),
    );
    assert.match(summaryComment.body, new RegExp(`<!-- loom:head=${pushed.headSha} -->`));
    assert.match(summaryComment.body, new RegExp(UNANCHORED_TITLE), "the summary still lists the finding");
    assert.match(summaryComment.body, /### Still open from earlier reviews/, "carried, not listed as new");
    assertIncrementalSummary(summaryComment.body, context.diff.headSha);
    assertNoFindingRepeated(comments.map((comment) => comment.body));
  });
}
