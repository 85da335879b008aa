import assert from "node:assert/strict";
import { loadServerConfig } from "../config/env.ts";
import { silentLogger } from "../log.ts";
import { githubWebhook } from "./github/mod.ts";
import { createPlatformClient, type PlatformId, WEBHOOK_PARSERS } from "./mod.ts";
import { makeGitDiff } from "../../tests/fakes/git_diff.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../../tests/fakes/github.ts";
import { generateGitHubAppKey as pemPair } from "../../tests/support/github_app_key.ts";

const PR = { platform: "github" as const, repo: "octo/hello", number: 1 };

Deno.test("WEBHOOK_PARSERS maps github to githubWebhook and files every parser under its own platform", () => {
  assert.equal(WEBHOOK_PARSERS.github, githubWebhook);
  for (const [platform, parser] of Object.entries(WEBHOOK_PARSERS)) assert.equal(parser.platform, platform);
});

Deno.test("createPlatformClient() builds a GitHub client from the configured API URL and credentials", async (t) => {
  const key = await pemPair();
  await using fake = startFakeGitHub({
    tokens: { [FAKE_GITHUB_TOKEN]: "loom-bot", "ghp_override": "someone" },
    app: { appId: "99", publicKey: key.publicKey },
  });
  const { diff, baseSha, headSha } = await makeGitDiff({ "a.txt": { base: "a\n", head: "b\n" } });
  fake.state.addPullRequest({ repo: PR.repo, number: PR.number, title: "T", headSha, baseSha, diff });

  await t.step("configured token", async () => {
    const config = loadServerConfig({ LOOM_GITHUB_API_URL: fake.url, LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN });
    const client = createPlatformClient("github", config, { log: silentLogger });
    assert.equal(client.platform, "github");
    assert.equal((await client.getPullRequest(PR)).title, "T");
    assert.equal(fake.requests.at(-1)!.headers.get("authorization"), `token ${FAKE_GITHUB_TOKEN}`);
  });
  await t.step("token from options wins", async () => {
    const config = loadServerConfig({ LOOM_GITHUB_API_URL: fake.url, LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN });
    const client = createPlatformClient("github", config, { token: "ghp_override", log: silentLogger });
    await client.getDiff(PR);
    assert.equal(fake.requests.at(-1)!.headers.get("authorization"), "token ghp_override");
  });
  await t.step("GitHub App with an installation id, key given with escaped newlines", async () => {
    const config = loadServerConfig({
      LOOM_GITHUB_API_URL: fake.url,
      LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN,
      LOOM_GITHUB_APP_ID: "99",
      LOOM_GITHUB_APP_PRIVATE_KEY: key.pem.replaceAll("\n", "\\n"),
    });
    const client = createPlatformClient("github", config, { installationId: 5, log: silentLogger });
    await client.getPullRequest(PR);
    assert.deepEqual(fake.state.installationTokens.map((token) => token.installationId), [5]);
    assert.equal(
      fake.requests.at(-1)!.headers.get("authorization"),
      `token ${fake.state.installationTokens[0]!.token}`,
    );
  });
});

Deno.test("createPlatformClient() throws for unregistered platforms and missing credentials", () => {
  const config = loadServerConfig({});
  assert.throws(
    () => createPlatformClient("sourcehut" as PlatformId, config),
    (error: unknown) =>
      error instanceof Error &&
      error.message.startsWith('Cannot create a client for platform "sourcehut": not supported yet'),
  );
  assert.throws(
    () => createPlatformClient("github", config),
    /Cannot create a GitHub client: no credentials/,
  );
  const appOnly = loadServerConfig({ LOOM_GITHUB_APP_ID: "1", LOOM_GITHUB_APP_PRIVATE_KEY: "pem" });
  assert.throws(() => createPlatformClient("github", appOnly), /pass the installation id/);
});
