/**
 * A Bitbucket Data Center pull request reviewed end to end in the real process: an `X-Hub-Signature`-signed
 * `pr:opened` webhook (Atlassian's documented sample payload) delivered twice becomes exactly one review on a
 * local fake Data Center: one inline comment anchored to the added line (`lineType: ADDED`, `fileType: TO`) and
 * one summary comment holding the finding outside the diff, plus the `loom/review` build status. A push
 * (`pr:from_ref_updated`) is reviewed incrementally and posts only the new finding, a blocker as a blocker
 * comment. `@loom review` from a read-only user is refused; from a user with write access it runs.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import opened from "../../lib/platforms/bitbucket/testdata/server/pr-opened.json" with { type: "json" };
import commentAdded from "../../lib/platforms/bitbucket/testdata/server/pr-comment-added.json" with {
  type: "json",
};
import { startFakeBitbucketServer } from "../fakes/bitbucket_server.ts";
import { type GitDiffResult, makeGitDiff } from "../fakes/git_diff.ts";
import type { FakeLlmRequest, FakeReply } from "../fakes/openai.ts";
import { type LoomProcess, startLoom } from "../support/loom_process.ts";
import {
  ANCHORED_TITLE,
  assertIncrementalSummary,
  assertNoFindingRepeated,
  BASE_SOURCE,
  findingsReply,
  HEAD_SOURCE,
  isReviewBody,
  postWebhook,
  REVIEWED_PATH,
  reviewRows,
  SECOND_HEAD_SOURCE,
  SECOND_PUSH_TITLE,
  secondPushDiff,
  setupReviewE2e,
  UNANCHORED_TITLE,
  waitForCompletedJobs,
} from "../support/e2e_review.ts";

const REPO = "PLAT/cache-service";
const WEBHOOK_SECRET = "e2e-bitbucket-server-webhook-secret";

/** The shared findings, with the second push's finding raised to a blocker. */
function reply(request: FakeLlmRequest): FakeReply {
  const answer = findingsReply(request);
  if (typeof answer === "object" && "json" in answer) {
    for (const finding of (answer.json as { findings: { title: string; severity: string }[] }).findings) {
      if (finding.title === SECOND_PUSH_TITLE) finding.severity = "blocker";
    }
  }
  return answer;
}

/** The fixture's pull request moved to this repository and these commits. */
function pullRequest(headSha: string, baseSha: string) {
  const pr = structuredClone(opened.pullRequest);
  pr.id = 6;
  pr.title = "Add cache eviction";
  for (const ref of [pr.fromRef, pr.toRef]) {
    ref.repository.project.key = "PLAT";
    ref.repository.slug = "cache-service";
  }
  pr.fromRef.latestCommit = headSha;
  pr.fromRef.displayId = "eviction";
  pr.fromRef.id = "refs/heads/eviction";
  pr.toRef.latestCommit = baseSha;
  pr.toRef.displayId = "main";
  pr.toRef.id = "refs/heads/main";
  pr.author.user.name = "ada";
  return pr;
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
    "x-event-key": options.eventKey ?? "pr:opened",
    "x-request-id": deliveryId,
    "x-hub-signature": "sha256=" + createHmac("sha256", secret).update(body).digest("hex"),
  });
}

function commentHook(text: string, author: string, headSha: string, baseSha: string, id: number): string {
  const payload = structuredClone(commentAdded);
  payload.pullRequest = pullRequest(headSha, baseSha) as typeof payload.pullRequest;
  payload.comment.id = id;
  payload.comment.text = text;
  payload.comment.author.name = author;
  payload.comment.author.slug = author;
  payload.actor.name = author;
  return JSON.stringify(payload);
}

for (const dialect of ["sqlite", "postgres"] as const) {
  Deno.test(`a signed Bitbucket Data Center webhook delivered twice becomes one anchored review; a push posts only the new finding; commands are permission-checked [${dialect}]`, async () => {
    await using context = await setupReviewE2e({
      dialect,
      platform: "bitbucket_server",
      fullName: REPO,
      webhookSecret: WEBHOOK_SECRET,
      reply,
    });
    await using bitbucket = startFakeBitbucketServer();
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
    // Ada may write through a group, which only the users search sees; the token is no repository admin.
    bitbucket.state.grant(REPO, "ada", "REPO_WRITE", { direct: false });
    bitbucket.state.grant(REPO, "eve", "REPO_READ");
    await using loom = await startLoom({
      ...context.env,
      LOOM_BITBUCKET_SERVER_URL: bitbucket.url,
      LOOM_BITBUCKET_SERVER_TOKEN: bitbucket.token,
      // The fake does not rate-limit; pacing comments like production would only slow the test down.
      LOOM_PLATFORM_COMMENT_DELAY_MS: "0",
    });
    const describe = () => JSON.stringify(bitbucket.state.comments(REPO, 6));

    const body = JSON.stringify({
      ...opened,
      pullRequest: pullRequest(context.diff.headSha, context.diff.baseSha),
    });
    const first = await deliver(loom, context.webhookPath, body, "bbdc-delivery-1");
    assert.equal(first.status, 202);
    assert.equal(first.body.outcome, "enqueued");
    assert.equal(
      (await deliver(loom, context.webhookPath, body, "bbdc-delivery-1")).body.status,
      "duplicate",
    );
    assert.equal(
      (await deliver(loom, context.webhookPath, body, "bbdc-delivery-2")).body.outcome,
      "duplicate_job",
    );
    const forged = await deliver(loom, context.webhookPath, body, "bbdc-delivery-3", {
      secret: "not-the-secret",
    });
    assert.equal(forged.status, 401, "a wrong signature is rejected");

    await waitForCompletedJobs(context, loom, 1, describe);
    const posted = bitbucket.requests
      .filter((request) => request.method === "POST" && request.path.endsWith("/pull-requests/6/comments"))
      .map((request) => request.body as { text: string; anchor?: Record<string, unknown>; severity?: string })
      .filter((comment) => isReviewBody(comment.text));
    assert.equal(posted.length, 2, "one inline comment and one summary");
    const [inline, summary] = posted;
    assert.deepEqual(inline!.anchor, {
      path: REVIEWED_PATH,
      line: 10,
      lineType: "ADDED",
      fileType: "TO",
      diffType: "EFFECTIVE",
    });
    assert.equal(inline!.severity, undefined, "a warning is a normal comment");
    assert.match(inline!.text, new RegExp(ANCHORED_TITLE));
    assert.match(inline!.text, /```suggestion\n {2}for \(let i = 0; i < keys\.length/);
    assert.match(inline!.text, /<!-- loom:fp=[0-9a-f]+ -->/);
    assert.equal(summary!.anchor, undefined, "the summary is a general comment");
    assert.match(summary!.text, new RegExp(UNANCHORED_TITLE), "the unanchored finding is in the summary");
    assert.match(summary!.text, new RegExp(`<!-- loom:head=${context.diff.headSha} -->`));
    const stored = bitbucket.state.comments(REPO, 6).filter((comment) => isReviewBody(comment.text));
    assert.equal(stored.length, 2, "no review comment was posted twice");
    const build = bitbucket.state.builds.find((item) => item.sha === context.diff.headSha);
    assert.equal(build?.key, "loom/review");
    assert.equal(build?.state, "SUCCESSFUL");
    // Beside the build status, a Code Insights report on the commit annotates the finding on the diff.
    const report = bitbucket.state.reports.find((item) => item.commit === context.diff.headSha);
    assert.deepEqual(
      [report?.key, report?.result, report?.annotations.map((item) => [item.path, item.line, item.severity])],
      ["loom-review", "PASS", [[REVIEWED_PATH, 10, "MEDIUM"]]],
    );
    assert.match(report!.annotations[0]!.message, new RegExp(ANCHORED_TITLE));
    const [review] = await reviewRows(context);
    assert.equal(review?.status, "completed");
    assert.equal(review?.findingsCount, 2);

    // A push: the new head adds `flushAll`, whose line 14 gets a blocker.
    const pushed = await secondPushDiff();
    seed(pushed, SECOND_HEAD_SOURCE);
    const since = await makeGitDiff({ [REVIEWED_PATH]: { base: HEAD_SOURCE, head: SECOND_HEAD_SOURCE } });
    bitbucket.state.addCommitDiff(REPO, context.diff.headSha, pushed.headSha, since.diff);
    const update = JSON.stringify({
      ...opened,
      eventKey: "pr:from_ref_updated",
      pullRequest: pullRequest(pushed.headSha, pushed.baseSha),
      previousFromHash: context.diff.headSha,
      toHash: pushed.headSha,
    });
    const updated = await deliver(loom, context.webhookPath, update, "bbdc-delivery-4", {
      eventKey: "pr:from_ref_updated",
    });
    assert.equal(updated.body.outcome, "enqueued");
    await waitForCompletedJobs(context, loom, 2, describe);

    const comments = bitbucket.state.comments(REPO, 6).filter((comment) => isReviewBody(comment.text));
    assert.equal(comments.length, 3, "only the new finding gets a comment");
    assert.deepEqual(comments[2]!.anchor, {
      path: REVIEWED_PATH,
      line: 14,
      lineType: "ADDED",
      fileType: "TO",
      diffType: "EFFECTIVE",
    });
    assert.equal(comments[2]!.severity, "BLOCKER", "a blocker is a blocker comment (a task)");
    assert.match(comments[2]!.text, new RegExp(SECOND_PUSH_TITLE));
    assert.equal(comments.filter((comment) => comment.text.includes(ANCHORED_TITLE)).length, 1);
    assert.ok(
      bitbucket.requests.some((request) =>
        request.path.includes(`/diff?since=${context.diff.headSha}&until=${pushed.headSha}`)
      ),
      "the push was reviewed against the commits since the last reviewed head",
    );
    const summaryComment = comments[1]!;
    assert.equal(summaryComment.history.length, 2, "the summary was edited in place");
    assert.match(summaryComment.text, new RegExp(`<!-- loom:head=${pushed.headSha} -->`));
    assert.match(summaryComment.text, new RegExp(UNANCHORED_TITLE), "the summary still lists the finding");
    assert.match(summaryComment.text, /### Still open from earlier reviews/, "carried, not listed as new");
    assertIncrementalSummary(summaryComment.text, context.diff.headSha);
    assertNoFindingRepeated(comments.map((comment) => comment.text));

    // A read-only user's command is refused; a writer's runs a review that repeats nothing.
    const readerCommand = commentHook("@loom review", "eve", pushed.headSha, pushed.baseSha, 900);
    assert.equal(
      (await deliver(loom, context.webhookPath, readerCommand, "bbdc-delivery-5", {
        eventKey: "pr:comment:added",
      }))
        .body.outcome,
      "enqueued",
    );
    await waitForCompletedJobs(context, loom, 3, describe);
    const texts = () => bitbucket.state.comments(REPO, 6).map((comment) => comment.text).join("\n");
    assert.match(texts(), /Thanks for asking, @eve! Only people with write access/);
    assert.ok(
      bitbucket.requests.some((request) =>
        request.path.startsWith("/rest/api/1.0/users?") && request.path.includes("filter=eve") &&
        request.path.includes("permission.1=REPO_WRITE")
      ),
      "the permission was asked of Bitbucket",
    );
    const reviewsBefore = (await reviewRows(context)).length;
    const writerCommand = commentHook("@loom review", "ada", pushed.headSha, pushed.baseSha, 901);
    await deliver(loom, context.webhookPath, writerCommand, "bbdc-delivery-6", {
      eventKey: "pr:comment:added",
    });
    await waitForCompletedJobs(context, loom, 5, describe);
    assert.equal((await reviewRows(context)).length, reviewsBefore + 1, "the writer's command ran a review");
    assert.doesNotMatch(texts(), /Thanks for asking, @ada/);
    assert.equal(
      bitbucket.state.comments(REPO, 6).filter((comment) => isReviewBody(comment.text) && comment.anchor)
        .length,
      2,
      "the review on request repeats no finding inline",
    );
  });
}
