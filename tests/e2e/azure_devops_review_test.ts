/**
 * An Azure DevOps pull request reviewed end to end in the real process: a `git.pullrequest.created` service hook
 * (the real-shaped fixture, pointed at the seeded repository) authenticated with the subscription's Basic
 * credentials becomes exactly one review on a local fake Azure DevOps: one thread whose
 * `threadContext.rightFileStart.line` is the added line, and one summary thread holding the finding outside the
 * diff.
 */
import assert from "node:assert/strict";
import created from "../../lib/platforms/azure_devops/testdata/git.pullrequest.created.json" with {
  type: "json",
};
import updated from "../../lib/platforms/azure_devops/testdata/git.pullrequest.updated.json" with {
  type: "json",
};
import { startFakeAzureDevops } from "../fakes/azure_devops.ts";
import { type LoomProcess, startLoom } from "../support/loom_process.ts";
import {
  ANCHORED_TITLE,
  assertIncrementalSummary,
  assertNoFindingRepeated,
  BASE_SOURCE,
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

const PROJECT = "Platform";
const REPOSITORY = "cache-service";
const REPO = `${PROJECT}/${REPOSITORY}`;
const HOOK_USER = "loom-hook";
const HOOK_PASSWORD = "e2e:azure:hook-password";

/**
 * A `git.pullrequest.created` notification, or `git.pullrequest.updated` when `pushed` (a push to the source
 * branch). The body `id` is Azure DevOps' delivery id; a redelivery of the same event gets a new one.
 */
function serviceHook(deliveryId: string, headSha: string, baseSha: string, pushed = false): string {
  const payload = structuredClone(pushed ? updated : created) as typeof created;
  payload.id = deliveryId;
  const resource = payload.resource;
  resource.repository.name = REPOSITORY;
  resource.repository.project.name = PROJECT;
  resource.pullRequestId = 8;
  resource.status = "active";
  resource.title = "Add cache eviction";
  resource.createdBy.uniqueName = "ada@example.com";
  resource.sourceRefName = "refs/heads/eviction";
  resource.targetRefName = "refs/heads/main";
  resource.lastMergeSourceCommit.commitId = headSha;
  resource.lastMergeTargetCommit.commitId = baseSha;
  return JSON.stringify(payload);
}

function deliver(loom: LoomProcess, path: string, body: string, password = HOOK_PASSWORD) {
  return postWebhook(loom, path, body, { authorization: `Basic ${btoa(`${HOOK_USER}:${password}`)}` });
}

for (const dialect of ["sqlite", "postgres"] as const) {
  Deno.test(`an authenticated Azure DevOps service hook becomes one anchored review, updated in place on a push [${dialect}]`, async () => {
    await using context = await setupReviewE2e({
      dialect,
      platform: "azure_devops",
      fullName: REPO,
      webhookSecret: `basic:${HOOK_USER}:${HOOK_PASSWORD}`,
    });
    await using azure = startFakeAzureDevops();
    azure.state.addPullRequest({
      repo: REPO,
      number: 8,
      title: "Add cache eviction",
      author: "ada@example.com",
      headSha: context.diff.headSha,
      baseSha: context.diff.baseSha,
      baseRef: "main",
      headRef: "eviction",
      files: { [REVIEWED_PATH]: { base: BASE_SOURCE, head: HEAD_SOURCE } },
    });
    await using loom = await startLoom({
      ...context.env,
      LOOM_AZURE_DEVOPS_URL: `${azure.url}/${azure.organization}`,
      LOOM_AZURE_DEVOPS_TOKEN: azure.token,
      // The fake does not rate-limit; pacing comments like production would only slow the test down.
      LOOM_PLATFORM_COMMENT_DELAY_MS: "0",
    });

    const { headSha, baseSha } = context.diff;
    const body = serviceHook("azure-delivery-1", headSha, baseSha);
    const first = await deliver(loom, context.webhookPath, body);
    assert.equal(first.status, 202);
    assert.equal(first.body.outcome, "enqueued");
    assert.equal((await deliver(loom, context.webhookPath, body)).body.status, "duplicate");
    const redelivery = serviceHook("azure-delivery-2", headSha, baseSha);
    assert.equal((await deliver(loom, context.webhookPath, redelivery)).body.outcome, "duplicate_job");
    const forged = await deliver(
      loom,
      context.webhookPath,
      serviceHook("azure-3", headSha, baseSha),
      "wrong",
    );
    assert.equal(forged.status, 401, "wrong Basic credentials are rejected");

    await waitForCompletedJobs(context, loom, 1, () => JSON.stringify(azure.state.threads(REPO, 8)));
    const posted = azure.requests
      .filter((request) => request.method === "POST" && request.path.includes("/pullRequests/8/threads"))
      .map((request) =>
        request.body as {
          comments: { content: string }[];
          status: number;
          threadContext?: Record<string, unknown>;
        }
      )
      .filter((thread) => isReviewBody(thread.comments[0]!.content));
    assert.equal(posted.length, 2, "one inline thread and one summary thread");
    const [inline, summary] = posted;
    assert.deepEqual(inline!.threadContext, {
      filePath: `/${REVIEWED_PATH}`,
      rightFileStart: { line: 10, offset: 1 },
      rightFileEnd: { line: 10, offset: 1 },
    });
    assert.equal(inline!.comments.length, 1);
    assert.match(inline!.comments[0]!.content, new RegExp(ANCHORED_TITLE));
    assert.match(
      inline!.comments[0]!.content,
      /```suggestion\n {2}for \(let i = 0; i < keys\.length/,
      "a committable suggestion, which Azure DevOps offers to apply",
    );
    assert.match(inline!.comments[0]!.content, /<!-- loom:fp=[0-9a-f]+ -->/);
    assert.equal(summary!.threadContext, undefined, "the summary is a general thread");
    const summaryText = summary!.comments[0]!.content;
    assert.match(summaryText, new RegExp(UNANCHORED_TITLE), "the unanchored finding is in the summary");
    assert.equal(summaryText.split("<!-- loom:summary -->").length, 2, "one summary marker");
    assert.match(summaryText, new RegExp(`<!-- loom:head=${headSha} -->`));
    const reviewThreads = () =>
      azure.state.threads(REPO, 8).filter((thread) => isReviewBody(thread.comments[0]!.content));
    assert.equal(reviewThreads().length, 2, "no review thread was posted twice");

    const [review] = await reviewRows(context);
    assert.equal(review?.status, "completed");
    assert.equal(review?.findingsCount, 2);

    // A push to the source branch: a new iteration with one more problem.
    const pushed = await secondPushDiff();
    azure.state.pushCommit(REPO, 8, {
      headSha: pushed.headSha,
      files: { [REVIEWED_PATH]: SECOND_HEAD_SOURCE },
    });
    const update = serviceHook("azure-delivery-4", pushed.headSha, baseSha, true);
    assert.equal((await deliver(loom, context.webhookPath, update)).body.outcome, "enqueued");
    await waitForCompletedJobs(context, loom, 2, () => JSON.stringify(azure.state.threads(REPO, 8)));

    const threads = reviewThreads();
    assert.equal(threads.length, 3, "only the new finding gets a thread");
    const added = threads[2]!;
    assert.match(added.comments[0]!.content, new RegExp(SECOND_PUSH_TITLE));
    assert.deepEqual(
      (added.threadContext as { rightFileStart: unknown }).rightFileStart,
      { line: 14, offset: 1 },
    );
    assert.equal(
      threads.filter((thread) => thread.comments[0]!.content.includes(ANCHORED_TITLE)).length,
      1,
      "the already-posted finding is not repeated",
    );
    const summaryThread = threads.find((thread) => thread.threadContext === undefined)!;
    assert.equal(summaryThread.comments.length, 1);
    const [summaryComment] = summaryThread.comments;
    assert.equal(summaryComment!.history.length, 2, "the summary was edited in place");
    assert.match(summaryComment!.content, new RegExp(`<!-- loom:head=${pushed.headSha} -->`));
    assert.match(
      summaryComment!.content,
      new RegExp(UNANCHORED_TITLE),
      "the summary still lists the finding",
    );
    assert.match(
      summaryComment!.content,
      /### Still open from earlier reviews/,
      "carried, not listed as new",
    );
    assertIncrementalSummary(summaryComment!.content, context.diff.headSha);
    assert.ok(
      azure.requests.some((request) => request.path.includes("/diffs/commits?")),
      "the push was compared",
    );
    assertNoFindingRepeated(threads.flatMap((thread) => thread.comments.map((comment) => comment.content)));
  });
}
