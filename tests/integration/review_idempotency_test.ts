/**
 * The review task against the fake GitHub and fake OpenAI, in-process: a job retried after its review was posted
 * posts nothing twice, a new head does not repeat findings already on the pull request, and a broken
 * `.loom/config.yaml` gets exactly one explanatory comment and a permanent failure.
 */
import assert from "node:assert/strict";
import { dbTest, type TestDatabase } from "../../lib/db/testing.ts";
import { sql } from "../../lib/db/mod.ts";
import { createRepo } from "../../lib/db/repos.ts";
import { getReview } from "../../lib/db/reviews.ts";
import { loadServerConfig } from "../../lib/config/env.ts";
import { createGitHubClient } from "../../lib/platforms/github/mod.ts";
import { createLlmClient } from "../../lib/llm/mod.ts";
import { silentLogger } from "../../lib/log.ts";
import type { TaskPayloads } from "../../lib/queue/mod.ts";
import { type ReviewDeps, reviewPullRequest } from "../../lib/review/review_pull_request.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../fakes/github.ts";
import { type FakeLlmRequest, type FakeReply, startFakeOpenAI } from "../fakes/openai.ts";
import { makeGitDiff } from "../fakes/git_diff.ts";

const REPO = "octo/shop";
const BASE = "export function total(items: number[]) {\n  return items.reduce((a, b) => a + b, 0);\n}\n";
const HEAD =
  "export function total(items: number[]) {\n  let sum = 0;\n  for (const item of items) sum += item;\n" +
  "  return sum / items.length;\n}\n";

function reply(request: FakeLlmRequest): FakeReply {
  if (!request.structured) return "ok";
  return {
    json: {
      findings: [{
        path: "src/total.ts",
        line: 4,
        side: "RIGHT",
        severity: "blocker",
        title: "Total divides by the item count",
        body: "`total` now returns the average.",
      }],
    },
  };
}

async function setup(database: TestDatabase) {
  const github = startFakeGitHub();
  const openai = await startFakeOpenAI({ reply });
  const diff = await makeGitDiff({ "src/total.ts": { base: BASE, head: HEAD } });
  github.state.addPullRequest({
    repo: REPO,
    number: 5,
    title: "Rewrite total",
    author: "lin",
    headSha: diff.headSha,
    baseSha: diff.baseSha,
    baseRef: "main",
    headRef: "total",
    diff: diff.diff,
    files: { "src/total.ts": { base: BASE, head: HEAD } },
  });
  const repo = await createRepo(database.db, { platform: "github", fullName: REPO, webhookSecret: "unused" });
  const server = loadServerConfig({ LOOM_LLM_BASE_URL: openai.url, LOOM_LLM_API_KEY: "sk-test" });
  const deps: ReviewDeps = {
    db: database.db,
    server,
    log: silentLogger,
    createClient: () => createGitHubClient({ baseUrl: github.url, token: FAKE_GITHUB_TOKEN }),
    createLlm: (model) => createLlmClient(model, { maxRetries: 0 }),
  };
  const payload: TaskPayloads["review_pull_request"] = {
    platform: "github",
    repoId: repo.id,
    repo: REPO,
    number: 5,
    headSha: diff.headSha,
    baseSha: diff.baseSha,
    baseRef: "main",
    headRef: "total",
    title: "Rewrite total",
    author: "lin",
    authorIsBot: false,
    draft: false,
    action: "opened",
  };
  return {
    github,
    openai,
    deps,
    payload,
    async [Symbol.asyncDispose]() {
      await openai.close();
      await github.close();
    },
  };
}

dbTest("reviewPullRequest() retried after posting does not post a second review", async (database) => {
  await using context = await setup(database);
  const signal = new AbortController().signal;
  const first = await reviewPullRequest(context.deps, { id: 1, payload: context.payload }, signal);
  assert.equal(first.status, "completed");
  assert.equal(context.github.state.reviews.length, 1);
  assert.equal(
    context.github.state.reviews[0]!.event,
    "REQUEST_CHANGES",
    "a blocker requests changes by default",
  );
  // The same job again, as after a crash between "posted" and "completed": the review row is still running.
  await database.db.exec(sql`update reviews set status = 'running', finished_at = null`);
  const again = await reviewPullRequest(context.deps, { id: 1, payload: context.payload }, signal);
  assert.equal(again.status, "completed");
  assert.equal(again.status === "completed" && again.posted, false);
  assert.equal(context.github.state.reviews.length, 1, "still one review");
  assert.equal(context.github.state.reviewComments.length, 1, "still one inline comment");
  const stored = await getReview(database.db, first.status === "completed" ? first.reviewId : 0);
  assert.equal(stored?.review.status, "completed");
  assert.equal(
    stored?.findings.length,
    0,
    "the finding was already posted, so the re-run records nothing new",
  );
});

dbTest(
  "reviewPullRequest() skips a head it already reviewed when a webhook re-sends it",
  async (database) => {
    await using context = await setup(database);
    const signal = new AbortController().signal;
    await reviewPullRequest(context.deps, { id: 1, payload: context.payload }, signal);
    const requests = context.openai.requests.length;
    const edited = await reviewPullRequest(context.deps, {
      id: 2,
      payload: { ...context.payload, action: "synchronize" },
    }, signal);
    assert.equal(edited.status, "skipped");
    assert.equal(context.openai.requests.length, requests, "no LLM call for a head already reviewed");
  },
);

dbTest("reviewPullRequest() does not repeat findings on a new head", async (database) => {
  await using context = await setup(database);
  const signal = new AbortController().signal;
  await reviewPullRequest(context.deps, { id: 1, payload: context.payload }, signal);
  const newHead = await makeGitDiff({ "src/total.ts": { base: BASE, head: "// Sums the items.\n" + HEAD } });
  context.github.state.addPullRequest({
    repo: REPO,
    number: 5,
    title: "Rewrite total",
    author: "lin",
    headSha: newHead.headSha,
    baseSha: newHead.baseSha,
    baseRef: "main",
    headRef: "total",
    diff: newHead.diff,
  });
  const second = await reviewPullRequest(
    context.deps,
    { id: 2, payload: { ...context.payload, headSha: newHead.headSha, action: "synchronize" } },
    signal,
  );
  assert.equal(second.status, "completed");
  assert.equal(
    context.github.state.reviewComments.length,
    1,
    "the same finding (shifted a line) is not posted again",
  );
  assert.match(context.github.state.reviews.at(-1)!.body, /not repeated/);
});

dbTest("reviewPullRequest() explains a broken config once and fails permanently", async (database) => {
  await using context = await setup(database);
  context.github.state.addFile(REPO, "main", ".loom/config.yaml", "version: 1\noutput:\n  max_coments: 3\n");
  const signal = new AbortController().signal;
  for (let attempt = 0; attempt < 2; attempt++) {
    await assert.rejects(
      reviewPullRequest(context.deps, { id: 1, payload: context.payload }, signal),
      // `retryable: false` is what makes the queue fail the job at once.
      (error: Error & { retryable?: boolean }) =>
        error.retryable === false && /max_coments/.test(error.message),
    );
  }
  assert.equal(context.github.state.issueComments.length, 1, "one explanatory comment");
  assert.match(context.github.state.issueComments[0]!.body, /max_comments/, "with a did-you-mean suggestion");
  assert.equal(context.github.state.reviews.length, 0);
});

dbTest("reviewPullRequest() skips closed pull requests and superseded heads", async (database) => {
  await using context = await setup(database);
  const signal = new AbortController().signal;
  const stale = await reviewPullRequest(
    context.deps,
    { id: 1, payload: { ...context.payload, headSha: "0".repeat(40) } },
    signal,
  );
  assert.equal(stale.status, "skipped");
  assert.match(stale.status === "skipped" ? stale.reason : "", /Superseded/);
  context.github.state.pullRequests.get(`${REPO}#5`)!.state = "closed";
  const closed = await reviewPullRequest(context.deps, { id: 2, payload: context.payload }, signal);
  assert.equal(closed.status, "skipped");
  assert.equal(context.github.state.reviews.length, 0);
});
