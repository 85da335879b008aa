import assert from "node:assert/strict";
import { silentLogger } from "../../log.ts";
import { createGitHubClient } from "./client.ts";
import { PR, rejectsWith, tokenClient, withFake } from "../../../tests/support/github_client_setup.ts";

async function generateAppKey(): Promise<{ pkcs1Pem: string; pkcs8Pem: string; publicKey: CryptoKey }> {
  const keys = await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  );
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  // A 2048-bit PKCS#8 key is a fixed 26-byte header around the PKCS#1 key GitHub hands out.
  const header = [
    0x02,
    0x01,
    0x00,
    0x30,
    0x0d,
    0x06,
    0x09,
    0x2a,
    0x86,
    0x48,
    0x86,
    0xf7,
    0x0d,
    0x01,
    0x01,
    0x01,
  ];
  assert.deepEqual([...pkcs8.slice(4, 20)], header);
  const pem = (label: string, bytes: Uint8Array) => {
    const body = btoa(String.fromCharCode(...bytes)).match(/.{1,64}/g)!.join("\n");
    return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
  };
  return {
    pkcs1Pem: pem("RSA PRIVATE KEY", pkcs8.slice(26)),
    pkcs8Pem: pem("PRIVATE KEY", pkcs8),
    publicKey: keys.publicKey,
  };
}

Deno.test("createGitHubClient() authenticates as a GitHub App installation with an RS256 JWT", async () => {
  const key = await generateAppKey();
  for (const privateKey of [key.pkcs1Pem, key.pkcs8Pem]) {
    await withFake(
      { app: { appId: "12345", publicKey: key.publicKey, installationIds: [42], slug: "loom-review" } },
      async (fake) => {
        const client = createGitHubClient({
          baseUrl: fake.url,
          app: { appId: "12345", privateKey, installationId: 42 },
          log: silentLogger,
        });
        await client.getPullRequest(PR);
        await client.postComment(PR, "Hello from the app");
        assert.equal(fake.state.installationTokens.length, 1);
        const [minted] = fake.state.installationTokens;
        assert.equal(minted!.installationId, 42);
        assert.equal(minted!.jwtHeader.alg, "RS256");
        assert.equal(minted!.jwtPayload.iss, "12345");
        const paths = fake.requests.map((request) => `${request.method} ${request.path}`);
        assert.deepEqual(paths, [
          "POST /app/installations/42/access_tokens",
          "GET /repos/octo/hello/pulls/7",
          "POST /repos/octo/hello/issues/7/comments",
        ]);
        assert.equal(fake.requests[1]!.headers.get("authorization"), `token ${minted!.token}`);
        assert.equal(fake.state.issueComments[0]!.user.login, "loom-review[bot]");
        // The installation's identity comes from GraphQL's viewer, which (unlike GET /user) answers an App.
        const identity = await client.identity();
        assert.equal(identity.name, "loom-review[bot]");
        const [posted] = await client.listComments(PR);
        assert.equal(posted!.authorId, identity.id);
      },
    );
  }
});

Deno.test("createGitHubClient() fails non-retryably when the app key does not match", async () => {
  const key = await generateAppKey();
  const other = await generateAppKey();
  await withFake({ app: { appId: "12345", publicKey: key.publicKey } }, async (fake) => {
    const client = createGitHubClient({
      baseUrl: fake.url,
      app: { appId: "12345", privateKey: other.pkcs8Pem, installationId: 1 },
      log: silentLogger,
    });
    await rejectsWith(client.getPullRequest(PR), { status: 401, retryable: false });
  });
});

Deno.test("createGitHubClient() talks to GitHub Enterprise under the /api/v3 prefix", async () => {
  const key = await generateAppKey();
  await withFake(
    { basePath: "/api/v3", app: { appId: "7", publicKey: key.publicKey } },
    async (fake, { diff }) => {
      assert.match(fake.url, /\/api\/v3$/);
      const client = createGitHubClient({
        baseUrl: `${fake.url}/`,
        app: { appId: "7", privateKey: key.pkcs1Pem, installationId: 3 },
        log: silentLogger,
      });
      assert.equal(await client.getDiff(PR), diff);
      assert.equal(await tokenClient(fake).getDiff(PR), diff);
      assert.equal((await tokenClient(fake).identity()).name, "loom-bot");
      assert.deepEqual(fake.requests.map((request) => request.path), [
        "/api/v3/app/installations/3/access_tokens",
        "/api/v3/repos/octo/hello/pulls/7",
        "/api/v3/repos/octo/hello/pulls/7",
        "/api/graphql",
      ]);
    },
  );
});
