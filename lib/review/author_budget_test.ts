/**
 * The per-author hourly budget on public repositories, end to end through the real GitHub client, the fake
 * GitHub and the fake OpenAI server: a stranger's automatic reviews and command replies beyond the budget make
 * no model call and post nothing, and leave a visible reason; other authors, private repositories, maintainers,
 * `@loom review` and the next hour are unaffected.
 */
import assert from "node:assert/strict";
import { loadServerConfig } from "../config/env.ts";
import { createRepo } from "../db/repos.ts";
import { getReview } from "../db/reviews.ts";
import { dbTest, type TestDatabase } from "../db/testing.ts";
import { silentLogger } from "../log.ts";
import { createReviewDeps } from "../runtime.ts";
import { handlePullRequestCommand } from "../commands/handle.ts";
import { createGitHubClient } from "../platforms/github/mod.ts";
import { createLlmClient } from "../llm/mod.ts";
import type { TaskPayloads } from "../queue/mod.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../../tests/fakes/github.ts";
import { makeGitDiff } from "../../tests/fakes/git_diff.ts";
import { startFakeOpenAI } from "../../tests/fakes/openai.ts";
import { BUDGET_WINDOW_MS } from "../db/author_budget.ts";
import { reviewPullRequest } from "./review_pull_request.ts";

const PUBLIC_REPO = "octo/public";
const PRIVATE_REPO = "octo/private";
const START = Date.UTC(2026, 0, 5, 12);

async function setup(database: TestDatabase) {
  const github = startFakeGitHub();
  const openai = await startFakeOpenAI({
    reply: (request) => request.structured ? { json: { findings: [] } } : "An answer.",
  });
  const server = loadServerConfig({
    LOOM_GITHUB_API_URL: github.url,
    LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN,
    LOOM_LLM_BASE_URL: openai.url,
    LOOM_LLM_API_KEY: "sk-test",
    LOOM_LLM_CACHE_TTL_MS: "0",
    LOOM_PUBLIC_AUTHOR_HOURLY_BUDGET: "2",
  });
  const repos = {
    [PUBLIC_REPO]: await createRepo(database.db, {
      platform: "github",
      fullName: PUBLIC_REPO,
      webhookSecret: "x",
    }),
    [PRIVATE_REPO]: await createRepo(database.db, {
      platform: "github",
      fullName: PRIVATE_REPO,
      webhookSecret: "x",
    }),
  };
  let clock = START;
  const now = () => clock;
  let nextNumber = 1;
  /** Opens a pull request by `author` and runs its automatic review; `extra` overrides the job payload. */
  const review = async (
    author: string,
    extra: Partial<TaskPayloads["review_pull_request"]> & { repo?: string } = {},
  ) => {
    const repoName = extra.repo ?? PUBLIC_REPO;
    const number = nextNumber++;
    const files = {
      "src/app.ts": { base: "export const a = 1;\n", head: `export const a = ${number + 1};\n` },
    };
    const diff = await makeGitDiff(files);
    github.state.addPullRequest({
      repo: repoName,
      number,
      title: `Change ${number}`,
      author,
      headSha: diff.headSha,
      baseSha: diff.baseSha,
      diff: diff.diff,
      files,
    });
    const outcome = await reviewPullRequest({ ...createReviewDeps(server, database.db, silentLogger), now }, {
      id: 1000 + number,
      payload: {
        platform: "github",
        repoId: repos[repoName as keyof typeof repos].id,
        repo: repoName,
        number,
        headSha: diff.headSha,
        baseSha: diff.baseSha,
        baseRef: "main",
        headRef: "change",
        title: `Change ${number}`,
        author,
        authorIsBot: false,
        draft: false,
        action: "opened",
        repoPublic: repoName === PUBLIC_REPO,
        ...extra,
      },
    }, new AbortController().signal);
    return { outcome, number, repoId: repos[repoName as keyof typeof repos].id };
  };
  let nextComment = 1;
  /** Runs `@loom pause` from `author` (without write access) on pull request 1 of the public repository. */
  const command = (author: string) =>
    handlePullRequestCommand({
      db: database.db,
      server,
      log: silentLogger,
      now,
      createClient: () =>
        createGitHubClient({ baseUrl: github.url, token: FAKE_GITHUB_TOKEN, log: silentLogger }),
      createLlm: (model) => createLlmClient({ ...model, baseUrl: openai.url, apiKey: "sk-test" }),
    }, {
      id: 1,
      payload: {
        platform: "github",
        repoId: repos[PUBLIC_REPO].id,
        repo: PUBLIC_REPO,
        number: 1,
        commentId: String(nextComment++),
        body: "@loom pause",
        author,
        deliveryId: "d",
        repoPublic: true,
      },
    }, new AbortController().signal);
  return {
    github,
    openai,
    review,
    command,
    advance(ms: number) {
      clock += ms;
    },
    async [Symbol.asyncDispose]() {
      await openai.close();
      await github.close();
    },
  };
}

dbTest(
  "reviewPullRequest() on a public repository skips the review beyond an author's hourly budget, with no model call",
  async (database) => {
    await using context = await setup(database);
    assert.equal((await context.review("mallory")).outcome.status, "completed");
    assert.equal((await context.review("mallory")).outcome.status, "completed");
    const calls = context.openai.requests.length;
    const reviewsPosted = context.github.state.reviews.length;
    const statusesSet = context.github.state.statuses.length;
    assert.ok(calls >= 2, "each allowed review called the model");

    const third = await context.review("mallory");

    assert.equal(third.outcome.status, "skipped");
    assert.match(
      (third.outcome as { reason: string }).reason,
      /@mallory caused 2 automatic reviews.*limit is 2/,
    );
    assert.equal(context.openai.requests.length, calls, "no model call");
    assert.equal(context.github.state.reviews.length, reviewsPosted, "nothing posted");
    assert.equal(context.github.state.statuses.length, statusesSet, "no commit status");
    assert.equal(
      context.github.state.issueComments.filter((comment) => comment.number === third.number).length,
      0,
      "no progress comment either",
    );
    const reviewId = (third.outcome as { reviewId?: number }).reviewId;
    assert.ok(reviewId !== undefined, "the skip has a review record");
    const record = (await getReview(database.db, reviewId))?.review;
    assert.equal(record?.status, "skipped", "the review history shows the skip");
    assert.match(record?.error ?? "", /Hourly budget spent: @mallory/);
    assert.match(record?.nextStep ?? "", /@loom review/);
  },
);

dbTest(
  "reviewPullRequest() budgets per author and public repository only: other authors, private repositories, maintainers and @loom review run",
  async (database) => {
    await using context = await setup(database);
    await context.review("mallory");
    await context.review("mallory");
    assert.equal((await context.review("mallory")).outcome.status, "skipped");

    assert.equal((await context.review("ada")).outcome.status, "completed", "another author");
    assert.equal(
      (await context.review("Mallory", { repo: PRIVATE_REPO })).outcome.status,
      "completed",
      "private",
    );
    assert.equal(
      (await context.review("mallory", { repoPublic: undefined })).outcome.status,
      "completed",
      "a webhook that did not say counts as private",
    );
    assert.equal(
      (await context.review("MALLORY", { action: "manual" })).outcome.status,
      "completed",
      "@loom review",
    );
    assert.equal(
      (await context.review("mallory", { authorCanWrite: true })).outcome.status,
      "completed",
      "the webhook says the author can write",
    );
    context.github.state.setPermission(PUBLIC_REPO, "mallory", "write");
    assert.equal((await context.review("mallory")).outcome.status, "completed", "the platform says so");
  },
);

dbTest("reviewPullRequest() reviews the author again once the hour has passed", async (database) => {
  await using context = await setup(database);
  await context.review("mallory");
  context.advance(10 * 60_000);
  await context.review("mallory");
  assert.equal((await context.review("mallory")).outcome.status, "skipped");

  context.advance(BUDGET_WINDOW_MS - 10 * 60_000 + 1);
  const calls = context.openai.requests.length;
  assert.equal(
    (await context.review("mallory")).outcome.status,
    "completed",
    "the first spend left the hour",
  );
  assert.ok(context.openai.requests.length > calls);
  assert.equal((await context.review("mallory")).outcome.status, "skipped", "the second is still inside it");
});

dbTest(
  "handlePullRequestCommand() replies count against the same budget: a stranger's refusals stop at the limit",
  async (database) => {
    await using context = await setup(database);
    await context.review("mallory");
    assert.equal((await context.command("mallory")).status, "denied", "the second spend is replied to");
    const replies = context.github.state.issueComments.length;

    const third = await context.command("mallory");

    assert.equal(third.status, "ignored");
    assert.match((third as { reason: string }).reason, /Hourly budget spent: @mallory/);
    assert.equal(context.github.state.issueComments.length, replies, "no reply posted");
    assert.equal(
      (await context.review("mallory")).outcome.status,
      "skipped",
      "replies used the review budget",
    );
    assert.equal((await context.command("eve")).status, "denied", "another commenter is still answered");
  },
);
