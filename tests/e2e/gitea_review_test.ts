/**
 * A Gitea pull request reviewed end to end in the real process: an HMAC-signed `pull_request` webhook (the
 * real-shaped fixture, pointed at the seeded repository) becomes exactly one batch review on a local fake Gitea,
 * with the inline comment on the added line as `new_position` and the finding outside the diff in its body. A push
 * is reviewed incrementally (the compare `.diff` since the reviewed head) and its new review repeats no finding:
 * Gitea cannot edit the earlier review, whose body still lists the finding outside the diff.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import fixture from "../../lib/platforms/gitea/testdata/pull-request-event.json" with { type: "json" };
import { startFakeGitea } from "../fakes/gitea.ts";
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

const REPO = "infra/cache-service";
const WEBHOOK_SECRET = "e2e-gitea-webhook-secret";

function pullRequestHook(headSha: string, baseSha: string, action = "opened"): string {
  const payload = structuredClone(fixture);
  payload.action = action;
  payload.number = 4;
  payload.pull_request.number = 4;
  payload.pull_request.title = "Add cache eviction";
  payload.pull_request.user.login = "ada";
  payload.pull_request.head.sha = headSha;
  payload.pull_request.head.ref = "eviction";
  payload.pull_request.base.sha = baseSha;
  payload.pull_request.base.ref = "main";
  payload.pull_request.merge_base = baseSha;
  payload.repository.full_name = REPO;
  payload.repository.name = "cache-service";
  return JSON.stringify(payload);
}

function deliver(loom: LoomProcess, path: string, body: string, deliveryId: string, secret = WEBHOOK_SECRET) {
  return postWebhook(loom, path, body, {
    "x-gitea-event": "pull_request",
    "x-gitea-delivery": deliveryId,
    "x-gitea-signature": createHmac("sha256", secret).update(body).digest("hex"),
  });
}

for (const dialect of ["sqlite", "postgres"] as const) {
  Deno.test(`a signed Gitea webhook delivered twice becomes one anchored review, and a push only the new finding [${dialect}]`, async () => {
    await using context = await setupReviewE2e({
      dialect,
      platform: "gitea",
      fullName: REPO,
      webhookSecret: WEBHOOK_SECRET,
    });
    await using gitea = startFakeGitea();
    const seed = (diff: GitDiffResult, head: string) =>
      gitea.state.addPullRequest({
        repo: REPO,
        number: 4,
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
      LOOM_GITEA_URL: gitea.url,
      LOOM_GITEA_TOKEN: gitea.token,
    });

    const body = pullRequestHook(context.diff.headSha, context.diff.baseSha);
    const first = await deliver(loom, context.webhookPath, body, "gitea-delivery-1");
    assert.equal(first.status, 202);
    assert.equal(first.body.outcome, "enqueued");
    assert.equal(
      (await deliver(loom, context.webhookPath, body, "gitea-delivery-1")).body.status,
      "duplicate",
    );
    assert.equal(
      (await deliver(loom, context.webhookPath, body, "gitea-delivery-2")).body.outcome,
      "duplicate_job",
    );
    const forged = await deliver(loom, context.webhookPath, body, "gitea-delivery-3", "not-the-secret");
    assert.equal(forged.status, 401, "a wrong signature is rejected");

    await waitForCompletedJobs(context, loom, 1, () => JSON.stringify(gitea.state.reviews));
    const posted = gitea.requests.filter((request) =>
      request.method === "POST" && request.path === `/repos/${REPO}/pulls/4/reviews`
    );
    assert.equal(posted.length, 1, "exactly one review posted");
    const sent = posted[0]!.body as {
      event: string;
      commit_id: string;
      body: string;
      comments: { path: string; body: string; new_position: number; old_position: number }[];
    };
    assert.equal(sent.event, "COMMENT");
    assert.equal(sent.commit_id, context.diff.headSha);
    assert.equal(sent.comments.length, 1, "one inline comment");
    assert.deepEqual(
      { path: sent.comments[0]!.path, new_position: sent.comments[0]!.new_position },
      { path: REVIEWED_PATH, new_position: 10 },
    );
    assert.equal(sent.comments[0]!.old_position, 0);
    assert.match(sent.comments[0]!.body, new RegExp(ANCHORED_TITLE));
    assert.match(sent.comments[0]!.body, /```diff\n(?:-.*\n)*\+ {2}for \(let i = 0; i < keys\.length/);
    assert.match(sent.comments[0]!.body, /<!-- loom:fp=[0-9a-f]+ -->/);
    assert.match(sent.body, new RegExp(UNANCHORED_TITLE), "the unanchored finding is in the summary");
    assert.equal(sent.body.split("<!-- loom:summary -->").length, 2, "one summary marker");
    assert.match(sent.body, new RegExp(`<!-- loom:head=${context.diff.headSha} -->`));
    assert.equal(gitea.state.reviews.length, 1);
    assert.equal(gitea.state.reviews[0]!.comments[0]!.new_position, 10);
    assert.equal(
      gitea.state.comments.filter((comment) => isReviewBody(comment.body)).length,
      0,
      "the review is not also posted as a comment",
    );

    const [review] = await reviewRows(context);
    assert.equal(review?.status, "completed");
    assert.equal(review?.findingsCount, 2);

    // A second push: Gitea cannot edit a review, so a new one carries only the new inline finding, and its
    // summary lists nothing the first review body already shows.
    const pushed = await secondPushDiff();
    seed(pushed, SECOND_HEAD_SOURCE);
    gitea.state.addComparison(REPO, context.diff.headSha, pushed.headSha, await pushComparisonDiff());
    const update = pullRequestHook(pushed.headSha, pushed.baseSha, "synchronized");
    assert.equal(
      (await deliver(loom, context.webhookPath, update, "gitea-delivery-4")).body.outcome,
      "enqueued",
    );
    await waitForCompletedJobs(context, loom, 2, () => JSON.stringify(gitea.state.reviews));

    assert.equal(gitea.state.reviews.length, 2);
    const second = gitea.state.reviews[1]!;
    assert.equal(second.commitId, pushed.headSha);
    assert.deepEqual(second.comments.map((comment) => comment.new_position), [14]);
    assert.match(second.comments[0]!.body, new RegExp(SECOND_PUSH_TITLE));
    assert.match(second.body, new RegExp(`<!-- loom:head=${pushed.headSha} -->`));
    assert.ok(
      gitea.requests.some((request) =>
        request.path === `/repos/${REPO}/compare/${context.diff.headSha}...${pushed.headSha}.diff`
      ),
      "the push was compared with the reviewed head",
    );
    assertIncrementalSummary(second.body, context.diff.headSha);
    assert.doesNotMatch(second.body, new RegExp(UNANCHORED_TITLE), "the summary does not list it again");
    assertNoFindingRepeated(gitea.state.reviews.flatMap((posted) => [
      posted.body,
      ...posted.comments.map((comment) => comment.body),
    ]));
  });
}
