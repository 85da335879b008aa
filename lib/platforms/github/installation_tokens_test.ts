import assert from "node:assert/strict";
import { generateGitHubAppKey } from "../../../tests/support/github_app_key.ts";
import { silentLogger } from "../../log.ts";
import { PlatformError, type PullRequestRef } from "../types.ts";
import { createGitHubClient } from "./client.ts";
import { createInstallationTokenCache, TOKEN_REFRESH_MARGIN_MS } from "./installation_tokens.ts";
import { startFakeGitHub } from "../../../tests/fakes/github.ts";

const PR: PullRequestRef = { platform: "github", repo: "octo/hello", number: 7 };

async function withApp(
  options: { tokenLifetimeSeconds?: number; suspended?: boolean },
  run: (context: {
    fake: ReturnType<typeof startFakeGitHub>;
    client: (installationId: number, cache: ReturnType<typeof createInstallationTokenCache>) => ReturnType<
      typeof createGitHubClient
    >;
  }) => Promise<void>,
) {
  const key = await generateGitHubAppKey();
  await using fake = startFakeGitHub({
    app: {
      appId: "321",
      publicKey: key.publicKey,
      slug: "loom-review",
      tokenLifetimeSeconds: options.tokenLifetimeSeconds,
      installations: [
        {
          id: 11,
          account: { login: "octo", type: "Organization" },
          repositories: [],
          suspended: options.suspended,
        },
        { id: 12, account: { login: "other", type: "User" }, repositories: [] },
      ],
    },
  });
  fake.state.addPullRequest({
    repo: PR.repo,
    number: PR.number,
    headSha: "a".repeat(40),
    baseSha: "b".repeat(40),
    diff: "",
  });
  await run({
    fake,
    client: (installationId, cache) =>
      createGitHubClient({
        baseUrl: fake.url,
        app: { appId: "321", privateKey: key.pem, installationId },
        tokenCache: cache,
        log: silentLogger,
      }),
  });
}

Deno.test("installation tokens are minted once per installation and shared by every client until near expiry", async () => {
  await withApp({}, async ({ fake, client }) => {
    const cache = createInstallationTokenCache();
    // A review builds a new client per job; jobs of one installation, one after another and at once, share a token.
    await client(11, cache).getPullRequest(PR);
    await client(11, cache).getPullRequest(PR);
    await Promise.all([1, 2, 3, 4].map(() => client(11, cache).getPullRequest(PR)));
    assert.deepEqual(fake.state.installationTokens.map((token) => token.installationId), [11]);
    // Another installation has its own token, never the first one's.
    await client(12, cache).getPullRequest(PR);
    assert.deepEqual(fake.state.installationTokens.map((token) => token.installationId), [11, 12]);
    const used = fake.requests.filter((request) => request.path.startsWith("/repos/"))
      .map((request) => request.headers.get("authorization"));
    assert.deepEqual(
      new Set(used),
      new Set(fake.state.installationTokens.map((token) => `token ${token.token}`)),
    );
  });
});

Deno.test("an installation token with less than the margin left is not handed out again", async () => {
  // GitHub's tokens live an hour; these live four minutes, under the five-minute margin.
  assert.ok(240_000 < TOKEN_REFRESH_MARGIN_MS);
  await withApp({ tokenLifetimeSeconds: 240 }, async ({ fake, client }) => {
    const cache = createInstallationTokenCache();
    await client(11, cache).getPullRequest(PR);
    await client(11, cache).getPullRequest(PR);
    assert.equal(fake.state.installationTokens.length, 2);
  });
  let now = 0;
  let minted = 0;
  const cache = createInstallationTokenCache({
    now: () => now,
    mint: () => Promise.resolve({ token: `t${++minted}`, expiresAt: 3_600_000 }),
  });
  const request = { baseUrl: "https://api.github.com", appId: "1", privateKey: "k", installationId: 5 };
  assert.equal(await cache.get(request), "t1");
  now = 3_600_000 - TOKEN_REFRESH_MARGIN_MS - 1;
  assert.equal(await cache.get(request), "t1");
  now += 2;
  assert.equal(await cache.get(request), "t2");
});

Deno.test("a suspended installation gets no token: its requests fail for good", async () => {
  await withApp({ suspended: true }, async ({ client }) => {
    const error = await client(11, createInstallationTokenCache()).getPullRequest(PR).then(
      () => assert.fail("a suspended installation must not be served"),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof PlatformError);
    assert.equal(error.retryable, false);
    assert.match(error.message, /suspended/);
  });
});
