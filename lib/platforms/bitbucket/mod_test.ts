import assert from "node:assert/strict";
import { loadServerConfig } from "../../config/env.ts";
import { startFakeBitbucket } from "../../../tests/fakes/bitbucket.ts";
import { createBitbucketClientFromConfig } from "./mod.ts";

Deno.test("createBitbucketClientFromConfig() uses LOOM_BITBUCKET_URL and the configured or given token", async () => {
  await using fake = startFakeBitbucket({ token: "configured" });
  const sha = "1234567890abcdef1234567890abcdef12345678";
  fake.state.addPullRequest({
    repo: "ws/repo",
    number: 3,
    title: "T",
    author: "a",
    headSha: sha,
    baseSha: sha.replace("1", "9"),
    baseRef: "main",
    headRef: "topic",
    diff: "",
    files: {},
  });
  const config = loadServerConfig({ LOOM_BITBUCKET_URL: fake.apiUrl, LOOM_BITBUCKET_TOKEN: "configured" });
  const client = createBitbucketClientFromConfig(config);
  assert.equal(client.platform, "bitbucket");
  assert.equal(
    (await client.getPullRequest({ platform: "bitbucket", repo: "ws/repo", number: 3 })).headSha,
    sha,
  );
  const override = createBitbucketClientFromConfig(config, { token: "other" });
  await assert.rejects(override.getDiff({ platform: "bitbucket", repo: "ws/repo", number: 3 }));
  assert.equal(fake.requests.at(-1)!.headers.get("authorization"), "Bearer other");
});

Deno.test("createBitbucketClientFromConfig() throws without a token", () => {
  assert.throws(() => createBitbucketClientFromConfig(loadServerConfig({})), /LOOM_BITBUCKET_TOKEN/);
});
