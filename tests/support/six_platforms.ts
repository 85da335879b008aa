/**
 * One pull request on each platform's fake, read and written through the real client that
 * `createPlatformClient` builds from the environment production uses: for tests of a behaviour every platform
 * must share (the description text, editing it).
 */
import { loadServerConfig } from "../../lib/config/env.ts";
import { silentLogger } from "../../lib/log.ts";
import { createPlatformClient } from "../../lib/platforms/mod.ts";
import type { PlatformClient, PlatformId, PullRequestRef } from "../../lib/platforms/types.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../fakes/github.ts";
import { startFakeGitLab } from "../fakes/gitlab.ts";
import { startFakeGitea } from "../fakes/gitea.ts";
import { startFakeBitbucket } from "../fakes/bitbucket.ts";
import { startFakeBitbucketServer } from "../fakes/bitbucket_server.ts";
import { startFakeAzureDevops } from "../fakes/azure_devops.ts";
import { makeGitDiff } from "../fakes/git_diff.ts";

export interface SeededPlatform extends AsyncDisposable {
  id: PlatformId;
  pr: PullRequestRef;
  client: PlatformClient;
}

const DIFF = await makeGitDiff({
  "src/a.ts": { base: "export const a = 1;\n", head: "export const a = 2;\n" },
});
const COMMON = {
  author: "ada",
  headSha: DIFF.headSha,
  baseSha: DIFF.baseSha,
  baseRef: "main",
  headRef: "feature",
  diff: DIFF.diff,
  files: {},
};
const NO_DELAY = { LOOM_PLATFORM_COMMENT_DELAY_MS: "0" };

function client(id: PlatformId, env: Record<string, string>): PlatformClient {
  return createPlatformClient(id, loadServerConfig(env), { log: silentLogger });
}

/** Starts `id`'s fake with one open pull request whose description is `body` (`undefined`: none). */
export function seedPlatform(id: PlatformId, body: string | undefined): SeededPlatform {
  switch (id) {
    case "github": {
      const fake = startFakeGitHub();
      const pr = { platform: id, repo: "octo-org/cache", number: 3 };
      fake.state.addPullRequest({ ...COMMON, repo: pr.repo, number: pr.number, title: "T", body });
      return {
        id,
        pr,
        client: client(id, { LOOM_GITHUB_API_URL: fake.url, LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN }),
        [Symbol.asyncDispose]: () => fake.close(),
      };
    }
    case "gitlab": {
      const fake = startFakeGitLab();
      const pr = { platform: id, repo: "group/cache", number: 5 };
      fake.state.addPullRequest({ ...COMMON, repo: pr.repo, number: pr.number, title: "T", body });
      return {
        id,
        pr,
        client: client(id, { LOOM_GITLAB_URL: fake.url, LOOM_GITLAB_TOKEN: fake.token }),
        [Symbol.asyncDispose]: () => fake.close(),
      };
    }
    case "gitea": {
      const fake = startFakeGitea();
      const pr = { platform: id, repo: "example/cache", number: 2 };
      fake.state.addPullRequest({ ...COMMON, repo: pr.repo, number: pr.number, title: "T", body });
      return {
        id,
        pr,
        client: client(id, { LOOM_GITEA_URL: fake.url, LOOM_GITEA_TOKEN: fake.token }),
        [Symbol.asyncDispose]: () => fake.close(),
      };
    }
    case "bitbucket": {
      const fake = startFakeBitbucket();
      const pr = { platform: id, repo: "team/cache", number: 6 };
      fake.state.addPullRequest({ ...COMMON, repo: pr.repo, number: pr.number, title: "T", body });
      return {
        id,
        pr,
        client: client(id, {
          LOOM_BITBUCKET_URL: fake.apiUrl,
          LOOM_BITBUCKET_TOKEN: fake.token,
          ...NO_DELAY,
        }),
        [Symbol.asyncDispose]: () => fake.close(),
      };
    }
    case "bitbucket_server": {
      const fake = startFakeBitbucketServer();
      const pr = { platform: id, repo: "PLAT/cache", number: 4 };
      fake.state.addPullRequest({ ...COMMON, repo: pr.repo, number: pr.number, title: "T", body });
      return {
        id,
        pr,
        client: client(id, {
          LOOM_BITBUCKET_SERVER_URL: fake.url,
          LOOM_BITBUCKET_SERVER_TOKEN: fake.token,
          ...NO_DELAY,
        }),
        [Symbol.asyncDispose]: () => fake.close(),
      };
    }
    case "azure_devops": {
      const fake = startFakeAzureDevops();
      const pr = { platform: id, repo: "Fabrikam/cache", number: 8 };
      fake.state.addPullRequest({ ...COMMON, repo: pr.repo, number: pr.number, title: "T", body });
      return {
        id,
        pr,
        client: client(id, {
          LOOM_AZURE_DEVOPS_URL: `${fake.url}/${fake.organization}`,
          LOOM_AZURE_DEVOPS_TOKEN: fake.token,
          ...NO_DELAY,
        }),
        [Symbol.asyncDispose]: () => fake.close(),
      };
    }
  }
}

export const SIX_PLATFORMS: PlatformId[] = [
  "github",
  "gitlab",
  "gitea",
  "bitbucket",
  "bitbucket_server",
  "azure_devops",
];
