import assert from "node:assert/strict";
import { createGitHubClient } from "../platforms/github/mod.ts";
import { silentLogger } from "../log.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../../tests/fakes/github.ts";
import { createReviewProgress, describeFindings, reviewUrl, STATUS_CONTEXT } from "./progress.ts";
import { PROGRESS_MARKER } from "../markers.ts";
import type { ReviewStepRecord } from "../db/reviews.ts";
import type { Finding } from "../findings.ts";
import { generateGitHubAppKey } from "../../tests/support/github_app_key.ts";

const REPO = "octo/app";
const HEAD = "a".repeat(40);
const DIFF = "diff --git a/a.ts b/a.ts\n--- a/a.ts\n+++ b/a.ts\n@@ -1 +1 @@\n-a\n+b\n";

function step(
  name: string,
  status: ReviewStepRecord["status"],
  error: string | null = null,
): ReviewStepRecord {
  return {
    name,
    provider: null,
    model: null,
    status,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    cached: false,
    durationMs: 1,
    error,
  };
}

function finding(severity: Finding["severity"]): Finding {
  return { path: "a.ts", line: 1, side: "RIGHT", severity, title: "T", body: "", step: "bugs" };
}

function setup() {
  const github = startFakeGitHub();
  github.state.addPullRequest({ repo: REPO, number: 5, headSha: HEAD, baseSha: "b".repeat(40), diff: DIFF });
  const client = createGitHubClient({ baseUrl: github.url, token: FAKE_GITHUB_TOKEN, log: silentLogger });
  const ref = { platform: "github" as const, repo: REPO, number: 5 };
  const url = reviewUrl("https://loom.example/", 12);
  return { github, client, ref, url };
}

Deno.test("reviewUrl() links the dashboard's review page", () => {
  assert.equal(reviewUrl("https://loom.example/", 12), "https://loom.example/reviews/12");
});

Deno.test("createReviewProgress() posts one comment, edits it per step and becomes the summary when no review carries it", async () => {
  const { github, client, ref, url } = setup();
  await using _ = github;
  const progress = createReviewProgress({ client, ref, headSha: HEAD, url, log: silentLogger });
  await progress.start({ files: 12, steps: ["security", "todos", "style"] });
  assert.equal(github.state.issueComments.length, 1);
  assert.match(
    github.state.issueComments[0]!.body,
    /Loom is reviewing\*\* aaaaaaa: 12 files with 3 steps \(0\/3 done\)/,
  );
  assert.deepEqual(
    github.state.statuses.map((status) => [status.state, status.context, status.targetUrl, status.sha]),
    [["pending", STATUS_CONTEXT, "https://loom.example/reviews/12", HEAD]],
  );

  await Promise.all([
    progress.stepFinished(step("security", "completed")),
    progress.stepFinished(step("todos", "failed", 'Script step "todos" timed out')),
  ]);
  const comment = github.state.issueComments[0]!;
  assert.match(comment.body, /\(2\/3 done\)/, "the last edit includes both steps");
  assert.match(comment.body, /- ✅ security/);
  assert.match(comment.body, /- ⚠️ todos: Script step "todos" timed out/);
  assert.match(comment.body, /- ⏳ style/);

  await progress.finish({
    summary: "## Loom review\n\nAll good.\n<!-- loom:summary head=aaa -->",
    summaryPosted: false,
    state: "success",
    description: "No new problems found",
    conclusion: "success",
    annotations: [],
  });
  assert.equal(github.state.issueComments.length, 1, "never a second comment");
  assert.match(comment.body, /^## Loom review\n\nAll good\./);
  assert.doesNotMatch(
    comment.body,
    /loom:summary|loom:fp/,
    "only the posted review carries read-back markers",
  );
  assert.ok(comment.body.includes(PROGRESS_MARKER));
  assert.deepEqual(github.state.statuses.map((status) => status.state), ["pending", "success"]);
  assert.equal(github.state.statuses.at(-1)!.description, "No new problems found");
});

Deno.test("createReviewProgress() re-uses the progress comment of a retried review and points to the posted summary", async () => {
  const { github, client, ref, url } = setup();
  await using _ = github;
  await createReviewProgress({ client, ref, headSha: HEAD, url, log: silentLogger })
    .start({ files: 1, steps: ["bugs"] });
  const retry = createReviewProgress({ client, ref, headSha: HEAD, url, log: silentLogger });
  await retry.start({ files: 1, steps: ["bugs"] });
  await retry.finish({
    summary: "## Loom review\n\nReviewed 1 file.\n<!-- loom:summary head=aaa -->",
    summaryPosted: true,
    state: "failure",
    description: describeFindings([finding("blocker"), finding("warning"), finding("warning")]),
    conclusion: "failure",
    annotations: [],
  });
  assert.equal(github.state.issueComments.length, 1);
  const body = github.state.issueComments[0]!.body;
  assert.doesNotMatch(
    body,
    /## Loom review/,
    "the posted review carries the summary; the comment does not repeat it",
  );
  assert.match(body, /Loom reviewed aaaaaaa\*\*: 1 blocker, 2 warnings\. The summary is in Loom's review/);
  assert.equal(github.state.statuses.at(-1)!.state, "failure");
  assert.equal(github.state.statuses.at(-1)!.description, "1 blocker, 2 warnings");
});

Deno.test("createReviewProgress() reports a failed review and keeps going on platform errors", async () => {
  const { github, client, ref, url } = setup();
  await using _ = github;
  const progress = createReviewProgress({ client, ref, headSha: HEAD, url, log: silentLogger });
  github.state.failNext("/statuses/", 500);
  await progress.start({ files: 1, steps: ["bugs"] });
  assert.equal(github.state.statuses.length, 0, "the failed status did not stop the comment");
  assert.equal(github.state.issueComments.length, 1);
  await progress.abandon({ reason: "Cannot read the diff", cancelled: false });
  assert.match(
    github.state.issueComments[0]!.body,
    /could not finish the review of aaaaaaa\*\*: Cannot read the diff/,
  );
  assert.equal(github.state.statuses.at(-1)!.state, "error");
});

Deno.test("createReviewProgress() leaves the comment to the newer review when a review is superseded", async () => {
  const { github, client, ref, url } = setup();
  await using _ = github;
  const older = createReviewProgress({ client, ref, headSha: HEAD, url, log: silentLogger });
  await older.start({ files: 1, steps: ["bugs"] });
  const newer = createReviewProgress({ client, ref, headSha: "c".repeat(40), url, log: silentLogger });
  await newer.start({ files: 2, steps: ["bugs"] });
  await older.abandon({ reason: "Superseded by a newer push", cancelled: true });
  assert.equal(github.state.issueComments.length, 1, "one progress comment per pull request");
  assert.match(github.state.issueComments[0]!.body, /reviewing\*\* ccccccc: 2 files/);
  assert.deepEqual(
    github.state.statuses.map((status) => [status.sha.slice(0, 1), status.state]),
    [["a", "pending"], ["c", "pending"], ["a", "error"]],
  );
});

async function appSetup() {
  const key = await generateGitHubAppKey();
  const github = startFakeGitHub({ app: { appId: "8", publicKey: key.publicKey, slug: "loom" } });
  github.state.addPullRequest({ repo: REPO, number: 5, headSha: HEAD, baseSha: "b".repeat(40), diff: DIFF });
  const client = createGitHubClient({
    baseUrl: github.url,
    app: { appId: "8", privateKey: key.pem, installationId: 3 },
    log: silentLogger,
  });
  const ref = { platform: "github" as const, repo: REPO, number: 5 };
  return { github, client, ref, url: reviewUrl("https://loom.example/", 12) };
}

const ANNOTATION = {
  path: "a.ts",
  startLine: 1,
  endLine: 1,
  level: "warning" as const,
  title: "warning: T",
  message: "Why",
};

Deno.test("createReviewProgress() reports through a check run, not a commit status, with a GitHub App", async () => {
  const { github, client, ref, url } = await appSetup();
  await using _ = github;
  const progress = createReviewProgress({ client, ref, headSha: HEAD, url, log: silentLogger });
  await progress.start({ files: 2, steps: ["bugs"] });
  assert.equal(github.state.checkRuns.length, 1);
  const [run] = github.state.checkRuns;
  assert.deepEqual(
    [run!.name, run!.headSha, run!.status, run!.detailsUrl, run!.output?.title],
    [STATUS_CONTEXT, HEAD, "in_progress", url, "Reviewing 2 files"],
  );
  await progress.finish({
    summary: "## Loom review\n\nOne warning.\n<!-- loom:summary -->",
    summaryPosted: true,
    state: "success",
    description: "1 warning",
    conclusion: "success",
    annotations: [ANNOTATION],
  });
  assert.equal(github.state.statuses.length, 0, "no commit status beside the check run");
  assert.equal(run!.status, "completed");
  assert.equal(run!.conclusion, "success");
  assert.equal(run!.output?.title, "1 warning");
  assert.equal(run!.output?.summary, "## Loom review\n\nOne warning.", "without hidden markers");
  assert.deepEqual(run!.annotations.map((item) => [item.path, item.startLine, item.level]), [[
    "a.ts",
    1,
    "warning",
  ]]);
});

Deno.test("createReviewProgress() falls back to the commit status when the App may not write check runs", async () => {
  const { github, client, ref, url } = await appSetup();
  await using _ = github;
  github.state.failNext("/check-runs", 403);
  const progress = createReviewProgress({ client, ref, headSha: HEAD, url, log: silentLogger });
  await progress.start({ files: 1, steps: ["bugs"] });
  await progress.finish({
    summary: "## Loom review",
    summaryPosted: true,
    state: "failure",
    description: "1 blocker",
    conclusion: "failure",
    annotations: [ANNOTATION],
  });
  assert.equal(github.state.checkRuns.length, 0);
  assert.deepEqual(github.state.statuses.map((status) => status.state), ["pending", "failure"]);
});

Deno.test("createReviewProgress() ends the check run of a cancelled or failed review", async () => {
  const { github, client, ref, url } = await appSetup();
  await using _ = github;
  const cancelled = createReviewProgress({ client, ref, headSha: HEAD, url, log: silentLogger });
  await cancelled.start({ files: 1, steps: ["bugs"] });
  await cancelled.abandon({ reason: "Superseded by a newer push", cancelled: true });
  assert.equal(github.state.checkRuns[0]!.conclusion, "cancelled");

  // A review that failed before it started (no check run yet) still leaves one saying why.
  const failed = createReviewProgress({ client, ref, headSha: HEAD, url, log: silentLogger });
  await failed.abandon({ reason: "Cannot read the diff", cancelled: false });
  assert.equal(github.state.checkRuns.length, 2);
  assert.deepEqual(
    [github.state.checkRuns[1]!.conclusion, github.state.checkRuns[1]!.output?.summary],
    ["failure", "Cannot read the diff"],
  );
  // A cancelled review that never started shows nothing.
  await createReviewProgress({ client, ref, headSha: HEAD, url, log: silentLogger })
    .abandon({ reason: "Superseded", cancelled: true });
  assert.equal(github.state.checkRuns.length, 2);
  assert.equal(github.state.statuses.length, 0);
});
