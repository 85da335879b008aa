/**
 * A GitLab merge request reviewed end to end in the real process: a token-authenticated merge request hook (the
 * real-shaped fixture, pointed at the seeded project) becomes exactly one review on a local fake GitLab — one
 * discussion whose `position` carries the merge request's `diff_refs` and the added line as `new_line`, and one
 * summary note holding the finding outside the diff. A second push updates that note in place and opens a
 * discussion only for the new finding.
 */
import assert from "node:assert/strict";
import fixture from "../../lib/platforms/gitlab/testdata/merge-request-event.json" with { type: "json" };
import { startFakeGitLab } from "../fakes/gitlab.ts";
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

const PROJECT = "platform-team/cache-service";
const WEBHOOK_TOKEN = "e2e-gitlab-webhook-token";
const SUMMARY_MARKER = "<!-- loom:summary -->";

function mergeRequestHook(input: { headSha: string; oldrev?: string }): string {
  const payload = structuredClone(fixture);
  payload.project.id = 7;
  payload.project.path_with_namespace = PROJECT;
  payload.user.username = "ada";
  const attributes = payload.object_attributes as Record<string, unknown> & typeof payload.object_attributes;
  attributes.iid = 3;
  attributes.title = "Add cache eviction";
  attributes.action = input.oldrev ? "update" : "open";
  attributes.oldrev = input.oldrev ?? null;
  attributes.source_branch = "eviction";
  attributes.target_branch = "main";
  attributes.target_project_id = 7;
  attributes.draft = false;
  attributes.work_in_progress = false;
  attributes.last_commit.id = input.headSha;
  return JSON.stringify(payload);
}

function deliver(loom: LoomProcess, path: string, body: string, deliveryId: string) {
  return postWebhook(loom, path, body, {
    "x-gitlab-event": "Merge Request Hook",
    "x-gitlab-token": WEBHOOK_TOKEN,
    "idempotency-key": deliveryId,
    "x-gitlab-webhook-uuid": crypto.randomUUID(),
  });
}

function seed(gitlab: ReturnType<typeof startFakeGitLab>, diff: GitDiffResult, head: string) {
  gitlab.state.addPullRequest({
    repo: PROJECT,
    number: 3,
    title: "Add cache eviction",
    author: "ada",
    headSha: diff.headSha,
    baseSha: diff.baseSha,
    baseRef: "main",
    headRef: "eviction",
    diff: diff.diff,
    files: { [REVIEWED_PATH]: { base: BASE_SOURCE, head } },
  });
}

/** Discussion positions exactly as Loom sent them (multipart form fields, so every value is a string). */
function postedPositions(gitlab: ReturnType<typeof startFakeGitLab>) {
  return gitlab.requests
    .filter((request) => request.method === "POST" && request.path.endsWith("/discussions"))
    .map((request) => request.body as { body: string; position: Record<string, string> });
}

for (const dialect of ["sqlite", "postgres"] as const) {
  Deno.test(`a GitLab merge request hook becomes one anchored review, updated in place on a push [${dialect}]`, async () => {
    await using context = await setupReviewE2e({
      dialect,
      platform: "gitlab",
      fullName: PROJECT,
      webhookSecret: WEBHOOK_TOKEN,
    });
    await using gitlab = startFakeGitLab();
    seed(gitlab, context.diff, HEAD_SOURCE);
    await using loom = await startLoom({
      ...context.env,
      LOOM_GITLAB_URL: gitlab.url,
      LOOM_GITLAB_TOKEN: gitlab.token,
    });

    const opened = mergeRequestHook({ headSha: context.diff.headSha });
    const first = await deliver(loom, context.webhookPath, opened, "gitlab-delivery-1");
    assert.equal(first.status, 202);
    assert.equal(first.body.outcome, "enqueued");
    assert.equal(
      (await deliver(loom, context.webhookPath, opened, "gitlab-delivery-1")).body.status,
      "duplicate",
    );
    assert.equal(
      (await deliver(loom, context.webhookPath, opened, "gitlab-delivery-2")).body.outcome,
      "duplicate_job",
    );
    const forged = await postWebhook(loom, context.webhookPath, opened, {
      "x-gitlab-event": "Merge Request Hook",
      "x-gitlab-token": "wrong-token",
      "idempotency-key": "gitlab-delivery-3",
    });
    assert.equal(forged.status, 401, "a wrong token is rejected");

    await waitForCompletedJobs(context, loom, 1, () => JSON.stringify(gitlab.state.notes));
    const [firstPosition, ...extraPositions] = postedPositions(gitlab);
    assert.equal(extraPositions.length, 0, "one discussion for the one anchored finding");
    assert.deepEqual(
      { ...firstPosition!.position },
      {
        position_type: "text",
        base_sha: context.diff.baseSha,
        start_sha: context.diff.baseSha,
        head_sha: context.diff.headSha,
        old_path: REVIEWED_PATH,
        new_path: REVIEWED_PATH,
        new_line: "10",
      },
    );
    const [discussion] = gitlab.state.discussions;
    assert.equal(discussion!.position?.new_line, 10);
    assert.match(discussion!.body, new RegExp(ANCHORED_TITLE));
    // Multipart form fields travel with CRLF line breaks, as they do to a real GitLab.
    assert.match(discussion!.body, /```suggestion:-0\+0\r?\n {2}for \(let i = 0; i < keys\.length/);
    assert.match(discussion!.body, /<!-- loom:fp=[0-9a-f]+ -->/);

    const summaries = () => gitlab.state.notes.filter((note) => note.body.includes(SUMMARY_MARKER));
    assert.equal(summaries().length, 1, "one summary note");
    const reviewNotes = () => gitlab.state.notes.filter((note) => isReviewBody(note.body));
    assert.equal(reviewNotes().length, 2, "no review note was posted twice");
    const summary = summaries()[0]!;
    assert.equal(summary.type, null, "the summary is a general note");
    assert.match(summary.body, new RegExp(UNANCHORED_TITLE), "the unanchored finding is in the summary");
    assert.match(summary.body, new RegExp(`<!-- loom:head=${context.diff.headSha} -->`));

    // A second push: a new head with one more problem.
    const pushed = await secondPushDiff();
    seed(gitlab, pushed, SECOND_HEAD_SOURCE);
    gitlab.state.addComparison(PROJECT, context.diff.headSha, pushed.headSha, await pushComparisonDiff());
    const update = mergeRequestHook({ headSha: pushed.headSha, oldrev: context.diff.headSha });
    assert.equal(
      (await deliver(loom, context.webhookPath, update, "gitlab-delivery-4")).body.outcome,
      "enqueued",
    );
    await waitForCompletedJobs(context, loom, 2, () => JSON.stringify(gitlab.state.notes));

    const positions = postedPositions(gitlab);
    assert.equal(positions.length, 2, "only the new finding gets a discussion");
    assert.match(positions[1]!.body, new RegExp(SECOND_PUSH_TITLE));
    assert.equal(positions[1]!.position.new_line, "14");
    assert.equal(positions[1]!.position.head_sha, pushed.headSha);
    assert.equal(
      gitlab.state.discussions.filter((note) => note.body.includes(ANCHORED_TITLE)).length,
      1,
      "the already-posted finding is not repeated",
    );
    assert.equal(summaries().length, 1, "still one summary note");
    assert.equal(summaries()[0]!.id, summary.id, "the summary note was updated in place");
    assert.ok(
      gitlab.requests.some((request) =>
        request.method === "PUT" && request.path.endsWith(`/merge_requests/3/notes/${summary.id}`)
      ),
      "the summary was edited with PUT",
    );
    assert.match(summaries()[0]!.body, new RegExp(`<!-- loom:head=${pushed.headSha} -->`));
    assert.match(summaries()[0]!.body, new RegExp(UNANCHORED_TITLE), "the summary still lists the finding");
    assert.match(summaries()[0]!.body, /### Still open from earlier reviews/, "carried, not listed as new");
    assertIncrementalSummary(summaries()[0]!.body, context.diff.headSha);
    assertNoFindingRepeated(reviewNotes().map((note) => note.body));
    assert.equal(reviewNotes().length, 3, "one summary and two discussions");

    const reviews = await reviewRows(context);
    assert.deepEqual(reviews.map((review) => [review.status, review.headSha]), [
      ["completed", context.diff.headSha],
      ["completed", pushed.headSha],
    ]);
    assert.equal(reviews[0]!.findingsCount, 2);
    assert.ok(reviews[0]!.inputTokens > 0, "token usage recorded");
  });
}
