/**
 * Token-saving modes end to end through `reviewPullRequest`: the fake OpenAI reports `cached_tokens` for the
 * prefix the default steps share, which is stored per step and per review, priced at the model's cached rate and
 * shown in the summary's cost table; and combined mode (from the base branch's configuration) posts each
 * finding under its step.
 */
import assert from "node:assert/strict";
import { loadServerConfig } from "../config/env.ts";
import { createRepo } from "../db/repos.ts";
import { getReview, listRecentReviews } from "../db/reviews.ts";
import type { Db } from "../db/mod.ts";
import { dbTest } from "../db/testing.ts";
import { costOf } from "../llm/pricing.ts";
import { silentLogger } from "../log.ts";
import { createReviewDeps } from "../runtime.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../../tests/fakes/github.ts";
import { makeGitDiff } from "../../tests/fakes/git_diff.ts";
import { type FakeReplyScript, startFakeOpenAI } from "../../tests/fakes/openai.ts";
import { reviewPullRequest } from "./review_pull_request.ts";

const REPO = "octo-org/tokens";

/**
 * Reviews pull request 1 (`files`) through the GitHub and OpenAI fakes with the real runtime wiring; `config` is
 * the base branch's `.loom/config.yaml`.
 */
async function reviewOnce(
  db: Db,
  options: {
    files: Record<string, { base?: string; head?: string }>;
    reply: FakeReplyScript;
    config?: string;
  },
) {
  const github = startFakeGitHub();
  const openai = await startFakeOpenAI({
    countTokens: (text) => Math.ceil(text.length / 4),
    reply: options.reply,
  });
  const server = loadServerConfig({
    LOOM_GITHUB_API_URL: github.url,
    LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN,
    LOOM_LLM_PROVIDER: "openai",
    LOOM_LLM_MODEL: "gpt-4o-mini",
    LOOM_LLM_BASE_URL: openai.url,
    LOOM_LLM_API_KEY: "sk-test",
    LOOM_LLM_CACHE_TTL_MS: "0",
  });
  const repo = await createRepo(db, { platform: "github", fullName: REPO, webhookSecret: "unused" });
  const diff = await makeGitDiff(options.files);
  if (options.config !== undefined) {
    for (const ref of ["main", diff.baseSha]) {
      github.state.addFile(REPO, ref, ".loom/config.yaml", options.config);
    }
  }
  github.state.addPullRequest({
    repo: REPO,
    number: 1,
    title: "Add values",
    author: "ada",
    headSha: diff.headSha,
    baseSha: diff.baseSha,
    headRef: "values",
    diff: diff.diff,
    files: options.files,
  });
  await reviewPullRequest(createReviewDeps(server, db, silentLogger), {
    id: 1,
    payload: {
      platform: "github",
      repoId: repo.id,
      repo: REPO,
      number: 1,
      headSha: diff.headSha,
      baseSha: diff.baseSha,
      baseRef: "main",
      headRef: "values",
      title: "Add values",
      author: "ada",
      authorIsBot: false,
      draft: false,
      action: "opened",
    },
  }, new AbortController().signal);
  const [summary] = await listRecentReviews(db, { repoId: repo.id });
  return {
    github,
    openai,
    stored: (await getReview(db, summary!.id))!,
    async [Symbol.asyncDispose]() {
      await openai.close();
      await github.close();
    },
  };
}

function values(lines: number): string {
  return Array.from({ length: lines }, (_, line) => `export const value${line} = compute(${line});`).join(
    "\n",
  ) +
    "\n";
}

dbTest(
  "reviewPullRequest() records cached prompt tokens per step and prices them at the cached rate",
  async ({ db }) => {
    await using run = await reviewOnce(db, {
      files: { "src/values.ts": { head: values(200) } },
      reply: () => ({ json: { findings: [] } }),
    });
    const { openai, github, stored } = run;
    const reported = openai.requests.map((request) => request.usage!);
    assert.equal(reported.length, 3);
    assert.equal(reported.filter((usage) => usage.cachedInputTokens! >= 1024).length, 2);
    const steps = stored.steps;
    assert.deepEqual(
      steps.map((step) => step.cachedInputTokens).sort(),
      reported.map((usage) => usage.cachedInputTokens!).sort(),
    );
    assert.equal(
      stored.review.cachedInputTokens,
      reported.reduce((sum, usage) => sum + usage.cachedInputTokens!, 0),
    );
    for (const step of steps) {
      const usage = {
        inputTokens: step.inputTokens,
        outputTokens: step.outputTokens,
        cachedInputTokens: step.cachedInputTokens,
      };
      // gpt-4o-mini: $0.15 per million input tokens, $0.075 per million cached ones.
      const expected =
        ((step.inputTokens - step.cachedInputTokens!) * 0.15 + step.cachedInputTokens! * 0.075 +
          step.outputTokens * 0.6) / 1_000_000;
      assert.equal(step.costUsd.toFixed(10), expected.toFixed(10));
      assert.equal(step.costUsd.toFixed(10), costOf("openai", "gpt-4o-mini", usage).usd.toFixed(10));
      if (step.cachedInputTokens! > 0) {
        assert.ok(step.costUsd < costOf("openai", "gpt-4o-mini", { ...usage, cachedInputTokens: 0 }).usd);
      }
    }
    const [posted] = github.state.reviews;
    for (const step of steps) {
      assert.match(
        posted!.body,
        new RegExp(
          `\\| ${step.name} \\| gpt-4o-mini \\| 1 \\| 0 \\| ${step.inputTokens} \\| ${step.cachedInputTokens} \\|`,
        ),
      );
    }
  },
);

dbTest(
  "reviewPullRequest() in combined mode asks once and posts each finding under its step and cap",
  async ({ db }) => {
    const config = `pipeline:
  mode: combined
pipelines:
  default:
    - name: bugs
      severity: warning
    - name: security
      paths:
        include: ["src/auth/**"]
`;
    const finding = (step: string, path: string, line: number, title: string) => ({
      step,
      path,
      line,
      side: "RIGHT",
      severity: "blocker",
      title,
      body: "Explained.",
    });
    await using run = await reviewOnce(db, {
      config,
      files: { "src/values.ts": { head: values(20) }, "src/auth/token.ts": { head: values(10) } },
      reply: () => ({
        json: {
          findings: [
            finding("bugs", "src/values.ts", 3, "Off by one in compute"),
            finding("security", "src/auth/token.ts", 5, "Token compared in variable time"),
            // security does not cover src/values.ts: dropped.
            finding("security", "src/values.ts", 9, "Not the security step's file"),
          ],
        },
      }),
    });
    const { openai, github, stored } = run;
    assert.equal(openai.requests.length, 1);
    const [review] = github.state.reviews;
    const comments = review!.comments.map((comment) => comment.body);
    assert.equal(comments.length, 2);
    const bugs = comments.find((body) => body.includes("Off by one in compute"))!;
    assert.match(bugs, /Warning/, "capped at the bugs step's warning");
    assert.match(bugs, /Loom · bugs/);
    const security = comments.find((body) => body.includes("Token compared in variable time"))!;
    assert.match(security, /Blocker/);
    assert.match(security, /Loom · security/);
    assert.ok(!JSON.stringify(review).includes("Not the security step's file"));
    // The one call's usage is split between the two steps' records.
    const usage = openai.requests[0]!.usage!;
    assert.deepEqual(stored.steps.map((step) => [step.name, step.status]), [["bugs", "completed"], [
      "security",
      "completed",
    ]]);
    assert.equal(stored.steps.reduce((sum, step) => sum + step.inputTokens, 0), usage.inputTokens);
    assert.equal(stored.steps.reduce((sum, step) => sum + step.outputTokens, 0), usage.outputTokens);
  },
);
