import assert from "node:assert/strict";
import { loadServerConfig } from "../config/env.ts";
import { silentLogger } from "../log.ts";
import {
  CAPABILITY_ROWS,
  type CapabilityKey,
  createPlatformClient,
  isSupported,
  PLATFORM_CAPABILITIES,
  type PlatformClient,
  type PlatformId,
  supportNote,
} from "./mod.ts";
import {
  canCheckWriteAccess,
  canCompareCommits,
  canPublishChecks,
  canReadArchive,
  canReadIssues,
  canReplyInThreads,
  canResolveThreads,
} from "./types.ts";
import { generateGitHubAppKey } from "../../tests/support/github_app_key.ts";

/** Every platform configured, so each client can be built (nothing is sent: building a client is offline). */
const ENV = {
  LOOM_GITHUB_TOKEN: "ghp_test",
  LOOM_GITLAB_TOKEN: "glpat-test",
  LOOM_GITEA_URL: "https://gitea.example",
  LOOM_GITEA_TOKEN: "gitea-test",
  LOOM_BITBUCKET_TOKEN: "bitbucket-test",
  LOOM_BITBUCKET_SERVER_URL: "https://bitbucket.example.com",
  LOOM_BITBUCKET_SERVER_TOKEN: "bitbucket-server-test",
  LOOM_AZURE_DEVOPS_URL: "https://dev.azure.com/example",
  LOOM_AZURE_DEVOPS_TOKEN: "azure-test",
};
const CONFIG = loadServerConfig(ENV);

/**
 * The rows a client method tells: a platform that declares one must have the method, and one that has the method
 * must declare it. Rows not here are held to the code elsewhere (suggestions in `lib/review/format_test.ts`).
 */
const CLIENT_CHECKS: Partial<Record<CapabilityKey, (client: PlatformClient) => boolean>> = {
  incremental: canCompareCommits,
  resolveThreads: canResolveThreads,
  commands: canCheckWriteAccess,
  threadReplies: canReplyInThreads,
  tickets: canReadIssues,
  archive: canReadArchive,
};

Deno.test("every platform's declared capabilities match what its client can do", () => {
  for (const platform of Object.keys(PLATFORM_CAPABILITIES) as PlatformId[]) {
    const client = createPlatformClient(platform, CONFIG, { log: silentLogger });
    for (const [key, check] of Object.entries(CLIENT_CHECKS)) {
      const cell = PLATFORM_CAPABILITIES[platform][key as CapabilityKey];
      assert.equal(
        isSupported(cell),
        check(client),
        `${platform} declares ${key} ${JSON.stringify(cell)}, but its client says otherwise`,
      );
    }
  }
});

Deno.test("a platform declares check runs exactly when its client, given App credentials, writes them", async () => {
  const key = await generateGitHubAppKey();
  const config = loadServerConfig({
    ...ENV,
    LOOM_GITHUB_APP_ID: "1",
    LOOM_GITHUB_APP_PRIVATE_KEY: key.pem,
  });
  for (const platform of Object.keys(PLATFORM_CAPABILITIES) as PlatformId[]) {
    const client = createPlatformClient(platform, config, { log: silentLogger, installationId: 1 });
    assert.equal(isSupported(PLATFORM_CAPABILITIES[platform].checkRun), canPublishChecks(client), platform);
  }
  // A token install of GitHub keeps commit statuses: hence "partly".
  const token = createPlatformClient("github", CONFIG, { log: silentLogger });
  assert.equal(canPublishChecks(token), false);
  assert.ok("partly" in (PLATFORM_CAPABILITIES.github.checkRun as object));
});

Deno.test("a suggestion syntax other than a diff block is declared exactly where suggestions are supported", () => {
  for (const [platform, capabilities] of Object.entries(PLATFORM_CAPABILITIES)) {
    assert.equal(capabilities.suggestionSyntax !== "diff", isSupported(capabilities.suggestions), platform);
  }
});

Deno.test("every cell that is not a plain yes has a note, and every row is declared by every platform", () => {
  for (const [platform, capabilities] of Object.entries(PLATFORM_CAPABILITIES)) {
    for (const row of CAPABILITY_ROWS) {
      const cell = capabilities[row.key];
      assert.ok(cell !== undefined, `${platform} has no cell for ${row.key}`);
      if (cell !== "yes") assert.ok((supportNote(cell) ?? "").trim().length > 0, `${platform} ${row.key}`);
    }
  }
});
