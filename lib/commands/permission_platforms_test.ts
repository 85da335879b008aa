/**
 * On all six platforms, through the real clients against the fakes: a commenter whose permission API answer is
 * read cannot run any `@loom` command (nothing changes, no model call, a polite reply), one with write can.
 */
import assert from "node:assert/strict";
import { dbTest } from "../db/testing.ts";
import { createRepo } from "../db/repos.ts";
import { isPullRequestPaused } from "../db/pull_requests.ts";
import { sql } from "../db/mod.ts";
import { loadServerConfig } from "../config/env.ts";
import { createLlmClient } from "../llm/mod.ts";
import { silentLogger } from "../log.ts";
import type { PlatformClient, PlatformId, PlatformUser } from "../platforms/types.ts";
import { createGitHubClient } from "../platforms/github/mod.ts";
import { createGitLabClient } from "../platforms/gitlab/mod.ts";
import { createGiteaClient } from "../platforms/gitea/mod.ts";
import { createBitbucketClient } from "../platforms/bitbucket/mod.ts";
import { createAzureDevopsClient } from "../platforms/azure_devops/mod.ts";
import { createBitbucketServerClient } from "../platforms/bitbucket_server/mod.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../../tests/fakes/github.ts";
import { startFakeGitLab } from "../../tests/fakes/gitlab.ts";
import { startFakeGitea } from "../../tests/fakes/gitea.ts";
import { startFakeBitbucket } from "../../tests/fakes/bitbucket.ts";
import { startFakeAzureDevops } from "../../tests/fakes/azure_devops.ts";
import { startFakeBitbucketServer } from "../../tests/fakes/bitbucket_server.ts";
import { startFakeOpenAI } from "../../tests/fakes/openai.ts";
import { createPermissionCache, handlePullRequestCommand } from "./mod.ts";

const HEAD = "a".repeat(40);
const BASE = "b".repeat(40);
const FILES = {
  "src/cache.ts": {
    base: "export const ttl = 60;\n",
    head: "export const ttl = 60;\nexport const max = 1;\n",
  },
};
const DIFF = `diff --git a/src/cache.ts b/src/cache.ts
--- a/src/cache.ts
+++ b/src/cache.ts
@@ -1 +1,2 @@
 export const ttl = 60;
+export const max = 1;
`;
const SEED = {
  number: 4,
  title: "Bound the cache",
  author: "ada",
  headSha: HEAD,
  baseSha: BASE,
  baseRef: "main",
  headRef: "bound",
  diff: DIFF,
  files: FILES,
};
const COMMANDS = [
  "@loom help",
  "@loom pause",
  "@loom resume",
  "@loom review",
  "@loom explain is the cache bounded?",
  "@loom ignore Unbounded cache",
  "@loom frobnicate",
];

interface PlatformSetup extends AsyncDisposable {
  platform: PlatformId;
  repo: string;
  client(): PlatformClient;
  writer: PlatformUser;
  reader: PlatformUser;
}

function github(): PlatformSetup {
  const fake = startFakeGitHub();
  const repo = "octo/app";
  fake.state.addPullRequest({ repo, ...SEED });
  fake.state.setPermission(repo, "writer", "write");
  fake.state.setPermission(repo, "reader", "read");
  return {
    platform: "github",
    repo,
    client: () => createGitHubClient({ baseUrl: fake.url, token: FAKE_GITHUB_TOKEN, log: silentLogger }),
    writer: { login: "writer", id: "101" },
    reader: { login: "reader", id: "102" },
    [Symbol.asyncDispose]: () => fake.close(),
  };
}

function gitlab(): PlatformSetup {
  const fake = startFakeGitLab();
  const repo = "group/app";
  fake.state.addPullRequest({ repo, ...SEED });
  fake.state.addMember(repo, "writer", 30);
  fake.state.addMember(repo, "reader", 20);
  return {
    platform: "gitlab",
    repo,
    client: () => createGitLabClient({ baseUrl: fake.url, token: fake.token }),
    writer: { login: "writer", id: "101" },
    reader: { login: "reader", id: "102" },
    [Symbol.asyncDispose]: () => fake.close(),
  };
}

function gitea(): PlatformSetup {
  const fake = startFakeGitea();
  const repo = "infra/app";
  fake.state.addPullRequest({ repo, ...SEED });
  fake.state.setPermission(repo, "writer", "write");
  fake.state.setPermission(repo, "reader", "read");
  return {
    platform: "gitea",
    repo,
    client: () => createGiteaClient({ baseUrl: fake.url, token: fake.token }),
    writer: { login: "writer", id: "101" },
    reader: { login: "reader", id: "102" },
    [Symbol.asyncDispose]: () => fake.close(),
  };
}

function bitbucket(): PlatformSetup {
  const fake = startFakeBitbucket();
  const repo = "ws/app";
  fake.state.addPullRequest({ repo, ...SEED });
  const writer = { login: "Writer", id: "{6b1a6f0e-5d43-4c1f-9d3c-0d3f1c2a7e11}" };
  const reader = { login: "Reader", id: "{0f0e7a4b-2f52-4bb4-8a63-93a1b07f4c22}" };
  fake.state.setPermission(repo, writer.id, "write");
  fake.state.setPermission(repo, reader.id, "read");
  return {
    platform: "bitbucket",
    repo,
    client: () => createBitbucketClient({ baseUrl: fake.apiUrl, token: fake.token, commentDelayMs: 0 }),
    writer,
    reader,
    [Symbol.asyncDispose]: () => fake.close(),
  };
}

function bitbucketServer(): PlatformSetup {
  const fake = startFakeBitbucketServer();
  const repo = "PLAT/app";
  fake.state.addPullRequest({ repo, ...SEED });
  // Write granted through the project or a group is what the users search reports; a login only prefixing a
  // writer's is not a writer.
  fake.state.grant(repo, "writer", "REPO_WRITE");
  fake.state.grant(repo, "reader", "REPO_READ");
  return {
    platform: "bitbucket_server",
    repo,
    client: () => createBitbucketServerClient({ baseUrl: fake.url, token: fake.token, commentDelayMs: 0 }),
    writer: { login: "writer", id: "101" },
    reader: { login: "reader", id: "102" },
    [Symbol.asyncDispose]: () => fake.close(),
  };
}

function azureDevops(): PlatformSetup {
  const fake = startFakeAzureDevops();
  const repo = "Proj/app";
  fake.state.addPullRequest({ repo, ...SEED });
  const writer = { login: "writer@example.com", id: "6f4c1e7a-1b2c-4d3e-8f9a-0b1c2d3e4f50" };
  const reader = { login: "reader@example.com", id: "7a5d2f8b-2c3d-4e5f-9a0b-1c2d3e4f5061" };
  fake.state.setPermission(repo, writer.id, "write");
  fake.state.setPermission(repo, reader.id, "read");
  return {
    platform: "azure_devops",
    repo,
    client: () =>
      createAzureDevopsClient({
        baseUrl: fake.url,
        organization: fake.organization,
        token: fake.token,
        commentDelayMs: 0,
      }),
    writer,
    reader,
    [Symbol.asyncDispose]: () => fake.close(),
  };
}

for (const start of [github, gitlab, gitea, bitbucket, bitbucketServer, azureDevops]) {
  dbTest(
    `every command needs write access as the ${start.name} permission API reports it`,
    async ({ db }) => {
      await using platform = start();
      await using openai = await startFakeOpenAI({ reply: () => "It is bounded now." });
      const repo = await createRepo(db, {
        platform: platform.platform,
        fullName: platform.repo,
        webhookSecret: "x",
      });
      const deps = {
        db,
        server: loadServerConfig({ LOOM_LLM_BASE_URL: openai.url, LOOM_LLM_API_KEY: "sk-test" }),
        log: silentLogger,
        createClient: () => platform.client(),
        createLlm: (model: Parameters<typeof createLlmClient>[0]) =>
          createLlmClient({ ...model, baseUrl: openai.url, apiKey: "sk-test" }),
        permissions: createPermissionCache(),
      };
      let comment = 0;
      const run = (user: PlatformUser, body: string) =>
        handlePullRequestCommand(deps, {
          id: ++comment,
          payload: {
            platform: platform.platform,
            repoId: repo.id,
            repo: platform.repo,
            number: 4,
            commentId: String(comment),
            body,
            author: user.login,
            authorId: user.id,
            deliveryId: `d${comment}`,
          },
        }, new AbortController().signal);

      for (const body of COMMANDS) {
        const outcome = await run(platform.reader, body);
        assert.equal(outcome.status, "denied", `${body} from a reader`);
        assert.equal((outcome as { error?: string }).error, undefined, `${body}: the lookup itself worked`);
      }
      assert.equal(await isPullRequestPaused(db, { repoId: repo.id, prNumber: 4 }), false);
      const reviews = () => db.query(sql`select id from jobs where type = 'review_pull_request'`);
      assert.equal((await reviews()).length, 0, "no review started");
      assert.equal(openai.requests.length, 0, "no model call");
      const own = await platform.client().listComments({
        platform: platform.platform,
        repo: platform.repo,
        number: 4,
      });
      const refusals = own.filter((item) => item.body.includes("Only people with write access"));
      assert.equal(refusals.length, COMMANDS.length, "each refusal is replied to once");

      for (const body of COMMANDS) {
        assert.equal((await run(platform.writer, body)).status, "done", `${body} from a writer`);
      }
      assert.equal((await reviews()).length, 1, "the writer's review is enqueued");
      assert.equal(openai.requests.length, 1, "the writer's question reaches the model");
    },
  );
}
