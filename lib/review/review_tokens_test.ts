/**
 * Cached prompt tokens end to end: the fake OpenAI reports `cached_tokens` for the prefix the default steps
 * share, and `reviewPullRequest` stores them per step and per review, prices them at the model's cached rate and
 * shows them in the summary's cost table.
 */
import assert from "node:assert/strict";
import { loadServerConfig } from "../config/env.ts";
import { createRepo } from "../db/repos.ts";
import { getReview, listRecentReviews } from "../db/reviews.ts";
import { dbTest } from "../db/testing.ts";
import { costOf } from "../llm/pricing.ts";
import { silentLogger } from "../log.ts";
import { createReviewDeps } from "../runtime.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../../tests/fakes/github.ts";
import { makeGitDiff } from "../../tests/fakes/git_diff.ts";
import { startFakeOpenAI } from "../../tests/fakes/openai.ts";
import { reviewPullRequest } from "./review_pull_request.ts";

const REPO = "octo-org/tokens";

dbTest(
  "reviewPullRequest() records cached prompt tokens per step and prices them at the cached rate",
  async ({ db }) => {
    await using github = startFakeGitHub();
    await using openai = await startFakeOpenAI({
      countTokens: (text) => Math.ceil(text.length / 4),
      reply: () => ({ json: { findings: [] } }),
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
    const head = Array.from({ length: 200 }, (_, line) => `export const value${line} = compute(${line});`)
      .join("\n") + "\n";
    const files = { "src/values.ts": { head } };
    const diff = await makeGitDiff(files);
    github.state.addPullRequest({
      repo: REPO,
      number: 1,
      title: "Add values",
      author: "ada",
      headSha: diff.headSha,
      baseSha: diff.baseSha,
      headRef: "values",
      diff: diff.diff,
      files,
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

    const reported = openai.requests.map((request) => request.usage!);
    assert.equal(reported.length, 3);
    assert.equal(reported.filter((usage) => usage.cachedInputTokens! >= 1024).length, 2);
    const [summary] = await listRecentReviews(db, { repoId: repo.id });
    const stored = await getReview(db, summary!.id);
    const steps = stored!.steps;
    assert.deepEqual(
      steps.map((step) => step.cachedInputTokens).sort(),
      reported.map((usage) => usage.cachedInputTokens!).sort(),
    );
    assert.equal(
      stored!.review.cachedInputTokens,
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
