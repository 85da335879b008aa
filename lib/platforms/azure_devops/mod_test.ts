import assert from "node:assert/strict";
import { loadServerConfig } from "../../config/env.ts";
import { startFakeAzureDevops } from "../../../tests/fakes/azure_devops.ts";
import { createAzureDevopsClientFromConfig } from "./mod.ts";

Deno.test("createAzureDevopsClientFromConfig() uses the organization URL and the configured token", async () => {
  await using fake = startFakeAzureDevops({ token: "pat" });
  const sha = "1234567890abcdef1234567890abcdef12345678";
  fake.state.addPullRequest({
    repo: "Project/repo",
    number: 3,
    title: "T",
    author: "a",
    headSha: sha,
    baseSha: sha.replace("1", "9"),
    baseRef: "main",
    headRef: "topic",
    files: {},
  });
  const config = loadServerConfig({
    LOOM_AZURE_DEVOPS_URL: `${fake.url}/${fake.organization}`,
    LOOM_AZURE_DEVOPS_TOKEN: "pat",
  });
  const client = createAzureDevopsClientFromConfig(config);
  assert.equal(client.platform, "azure_devops");
  const pr = { platform: "azure_devops" as const, repo: "Project/repo", number: 3 };
  assert.equal((await client.getPullRequest(pr)).headSha, sha);
});

Deno.test("createAzureDevopsClientFromConfig() throws without a token or an organization in the URL", () => {
  assert.throws(() => createAzureDevopsClientFromConfig(loadServerConfig({})), /LOOM_AZURE_DEVOPS_TOKEN/);
  assert.throws(
    () => createAzureDevopsClientFromConfig(loadServerConfig({ LOOM_AZURE_DEVOPS_TOKEN: "pat" })),
    /must end with "\/<organization>".*current value is "https:\/\/dev\.azure\.com"/,
  );
});
