/**
 * The summary is posted exactly once per run on every platform: the review (or, where the platform has no batch
 * review, Loom's summary comment) carries it, and the progress comment ends as one line pointing to it instead of
 * a second copy. Counted on all five platform fakes, after a first run and after a re-run of the same head.
 */
import assert from "node:assert/strict";
import { loadServerConfig } from "../../lib/config/env.ts";
import { createRepo } from "../../lib/db/repos.ts";
import { dbTest } from "../../lib/db/testing.ts";
import { silentLogger } from "../../lib/log.ts";
import type { PlatformId } from "../../lib/platforms/types.ts";
import type { TaskPayloads } from "../../lib/queue/mod.ts";
import { reviewPullRequest } from "../../lib/review/review_pull_request.ts";
import { createReviewDeps } from "../../lib/runtime.ts";
import { startFakeAzureDevops } from "../fakes/azure_devops.ts";
import { startFakeBitbucket } from "../fakes/bitbucket.ts";
import { makeGitDiff } from "../fakes/git_diff.ts";
import { startFakeGitea } from "../fakes/gitea.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../fakes/github.ts";
import { startFakeGitLab } from "../fakes/gitlab.ts";
import { startFakeBitbucketServer } from "../fakes/bitbucket_server.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";

const PATH = "src/pager.ts";
const BASE = "export const size = 10;\nexport const first = 0;\n";
const HEAD = "export const size = 10;\nexport const first = 1;\n";

/** One platform fake: where Loom finds it, and every comment body on the pull request. */
interface PlatformUnderTest extends AsyncDisposable {
  platform: PlatformId;
  repo: string;
  env: Record<string, string>;
  seed(pr: { number: number; headSha: string; baseSha: string; diff: string }): void;
  bodies(number: number): string[];
}

function startPlatform(platform: PlatformId): PlatformUnderTest {
  const files = { [PATH]: { base: BASE, head: HEAD } };
  const common = { title: "Start pages at one", author: "ada", baseRef: "main", headRef: "pages", files };
  switch (platform) {
    case "github": {
      const github = startFakeGitHub();
      const repo = "octo-org/pager";
      return {
        platform,
        repo,
        env: { LOOM_GITHUB_API_URL: github.url, LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN },
        seed: (pr) => github.state.addPullRequest({ ...common, ...pr, repo }),
        bodies: (number) => [
          ...github.state.reviews.filter((review) => review.number === number).map((review) => review.body),
          ...github.state.issueComments.filter((comment) => comment.number === number).map((c) => c.body),
        ],
        [Symbol.asyncDispose]: () => github.close(),
      };
    }
    case "gitlab": {
      const gitlab = startFakeGitLab();
      const repo = "octo-group/pager";
      return {
        platform,
        repo,
        env: { LOOM_GITLAB_URL: gitlab.url, LOOM_GITLAB_TOKEN: gitlab.token },
        seed: (pr) => gitlab.state.addPullRequest({ ...common, ...pr, repo }),
        bodies: () => gitlab.state.notes.map((note) => note.body),
        [Symbol.asyncDispose]: () => gitlab.close(),
      };
    }
    case "gitea": {
      const gitea = startFakeGitea();
      const repo = "infra/pager";
      return {
        platform,
        repo,
        env: { LOOM_GITEA_URL: gitea.url, LOOM_GITEA_TOKEN: gitea.token },
        seed: (pr) => gitea.state.addPullRequest({ ...common, ...pr, repo }),
        bodies: () => [
          ...gitea.state.reviews.map((review) => review.body),
          ...gitea.state.comments.map((comment) => comment.body),
        ],
        [Symbol.asyncDispose]: () => gitea.close(),
      };
    }
    case "bitbucket": {
      const bitbucket = startFakeBitbucket();
      const repo = "acme-team/pager";
      return {
        platform,
        repo,
        env: {
          LOOM_BITBUCKET_URL: bitbucket.apiUrl,
          LOOM_BITBUCKET_TOKEN: bitbucket.token,
          LOOM_PLATFORM_COMMENT_DELAY_MS: "0",
        },
        seed: (pr) => bitbucket.state.addPullRequest({ ...common, ...pr, repo }),
        bodies: (number) => bitbucket.state.comments(repo, number).map((comment) => comment.body),
        [Symbol.asyncDispose]: () => bitbucket.close(),
      };
    }
    case "bitbucket_server": {
      const bitbucket = startFakeBitbucketServer();
      const repo = "ACME/pager";
      return {
        platform,
        repo,
        env: {
          LOOM_BITBUCKET_SERVER_URL: bitbucket.url,
          LOOM_BITBUCKET_SERVER_TOKEN: bitbucket.token,
          LOOM_PLATFORM_COMMENT_DELAY_MS: "0",
        },
        seed: (pr) => bitbucket.state.addPullRequest({ ...common, ...pr, repo }),
        bodies: (number) => bitbucket.state.comments(repo, number).map((comment) => comment.text),
        [Symbol.asyncDispose]: () => bitbucket.close(),
      };
    }
    case "azure_devops": {
      const azure = startFakeAzureDevops();
      const repo = "Platform/pager";
      return {
        platform,
        repo,
        env: {
          LOOM_AZURE_DEVOPS_URL: `${azure.url}/${azure.organization}`,
          LOOM_AZURE_DEVOPS_TOKEN: azure.token,
          LOOM_PLATFORM_COMMENT_DELAY_MS: "0",
        },
        seed: (pr) => azure.state.addPullRequest({ ...common, ...pr, author: "ada@example.com", repo }),
        bodies: (number) =>
          azure.state.threads(repo, number).flatMap((thread) =>
            thread.comments.map((comment) => comment.content)
          ),
        [Symbol.asyncDispose]: () => azure.close(),
      };
    }
  }
}

const PLATFORMS: PlatformId[] = [
  "github",
  "gitlab",
  "gitea",
  "bitbucket",
  "bitbucket_server",
  "azure_devops",
];

for (const platform of PLATFORMS) {
  dbTest(`reviewPullRequest() posts the summary exactly once per run on ${platform}`, async (database) => {
    await using fake = startPlatform(platform);
    await using openai = await startFakeOpenAI({
      reply: (request) =>
        request.structured
          ? {
            json: {
              findings: [{
                path: PATH,
                line: 2,
                side: "RIGHT",
                severity: "warning",
                title: "Pages start at one",
                body: "The first page is skipped.",
              }],
            },
          }
          : "ok",
    });
    const server = loadServerConfig({
      ...fake.env,
      LOOM_LLM_PROVIDER: "openai",
      LOOM_LLM_MODEL: "gpt-4o-mini",
      LOOM_LLM_BASE_URL: openai.url,
      LOOM_LLM_API_KEY: "sk-test",
    });
    const repo = await createRepo(database.db, { platform, fullName: fake.repo, webhookSecret: "unused" });
    const deps = createReviewDeps(server, database.db, silentLogger);
    const diff = await makeGitDiff({ [PATH]: { base: BASE, head: HEAD } });
    fake.seed({ number: 4, headSha: diff.headSha, baseSha: diff.baseSha, diff: diff.diff });
    const job = (id: number, action: TaskPayloads["review_pull_request"]["action"]) => ({
      id,
      payload: {
        platform,
        repoId: repo.id,
        repo: fake.repo,
        number: 4,
        headSha: diff.headSha,
        baseSha: diff.baseSha,
        baseRef: "main",
        headRef: "pages",
        title: "Start pages at one",
        author: "ada",
        authorIsBot: false,
        draft: false,
        action,
      },
    });
    const summaries = () => fake.bodies(4).filter((body) => body.includes("## Loom review"));

    const first = await reviewPullRequest(deps, job(1, "opened"), new AbortController().signal);
    assert.equal(first.status, "completed");
    assert.equal(
      summaries().length,
      1,
      `one summary on the pull request:\n${fake.bodies(4).join("\n---\n")}`,
    );
    assert.ok(
      fake.bodies(4).some((body) =>
        /Loom reviewed [0-9a-f]{7}\*\*: 1 warning\. The summary is in/.test(body)
      ),
      "the progress comment points to the summary",
    );

    // `@loom review` of the same head posts a new summary: on platforms that edit the summary in place it is
    // still one; GitHub and Gitea keep each run's review, one summary per run.
    await reviewPullRequest(deps, job(2, "manual"), new AbortController().signal);
    const perRun = platform === "github" || platform === "gitea" ? 2 : 1;
    assert.equal(summaries().length, perRun);
  });
}
