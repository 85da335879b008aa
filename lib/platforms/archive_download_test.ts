import assert from "node:assert/strict";
import { startFakeGitLab } from "../../tests/fakes/gitlab.ts";
import { startFakeGitea } from "../../tests/fakes/gitea.ts";
import { createGitLabClient } from "./gitlab/client.ts";
import { createGiteaClientFromConfig } from "./gitea/mod.ts";
import { loadServerConfig } from "../config/env.ts";
import { canReadArchive, PlatformError, type RepositoryArchive } from "./types.ts";

const HEAD = "a".repeat(40);
const BASE = "b".repeat(40);
const FILES = {
  "src/app.ts": { base: "const x = 1;\n", head: "const x = 2;\n" },
  "src/util/strings.py": { base: "def pad(s):\n    return s\n", head: "def pad(s):\n    return s\n" },
  "src/gone.ts": { base: "gone\n" },
};
const DIFF = `diff --git a/src/app.ts b/src/app.ts
--- a/src/app.ts
+++ b/src/app.ts
@@ -1 +1 @@
-const x = 1;
+const x = 2;
`;

async function read(archive: RepositoryArchive): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for await (const file of archive.files) files[file.path] = file.text;
  return files;
}

Deno.test("the GitLab client downloads a commit's archive with its token and reads the files at that commit", async () => {
  await using server = startFakeGitLab();
  const repo = "group/sub/app";
  server.state.addPullRequest({
    repo,
    number: 7,
    title: "t",
    author: "alice",
    headSha: HEAD,
    baseSha: BASE,
    startSha: BASE,
    baseRef: "main",
    headRef: "feature",
    diff: DIFF,
    files: FILES,
  });
  const client = createGitLabClient({ baseUrl: server.url, token: server.token });
  const pr = { platform: "gitlab" as const, repo, number: 7 };
  assert.deepEqual(await read(await client.getArchive(pr, HEAD)), {
    "src/app.ts": "const x = 2;\n",
    "src/util/strings.py": "def pad(s):\n    return s\n",
  });
  assert.deepEqual(await read(await client.getArchive(pr, BASE)), {
    "src/app.ts": "const x = 1;\n",
    "src/gone.ts": "gone\n",
    "src/util/strings.py": "def pad(s):\n    return s\n",
  });
  const request = server.requests.findLast((entry) => entry.path.includes("/repository/archive.tar.gz"));
  assert.equal(request?.path, `/projects/${repo}/repository/archive.tar.gz`);
  assert.equal(request?.query.sha, BASE);

  server.state.failNext({ path: "/repository/archive.tar.gz", status: 503 });
  await assert.rejects(client.getArchive(pr, HEAD), (error: unknown) => {
    assert.ok(error instanceof PlatformError);
    assert.equal(error.platform, "gitlab");
    assert.equal(error.status, 503);
    assert.equal(error.retryable, true);
    return true;
  });
  await assert.rejects(client.getArchive(pr, "c".repeat(40)), (error: unknown) => {
    assert.ok(error instanceof PlatformError);
    assert.equal(error.status, 404);
    return true;
  });
});

Deno.test("the Gitea client (from the server configuration) downloads a commit's archive with its token and reads the files at that commit", async () => {
  await using server = startFakeGitea();
  server.state.addPullRequest({
    repo: "acme/app",
    number: 3,
    title: "t",
    author: "alice",
    headSha: HEAD,
    baseSha: BASE,
    mergeBase: BASE,
    baseRef: "main",
    headRef: "feature",
    diff: DIFF,
    files: FILES,
  });
  // The worker's client, as the registry builds it from the server configuration.
  const config = loadServerConfig({ LOOM_GITEA_URL: server.url, LOOM_GITEA_TOKEN: server.token });
  const client = createGiteaClientFromConfig(config);
  assert.ok(canReadArchive(client));
  const pr = { platform: "gitea" as const, repo: "acme/app", number: 3 };
  assert.deepEqual(await read(await client.getArchive(pr, HEAD)), {
    "src/app.ts": "const x = 2;\n",
    "src/util/strings.py": "def pad(s):\n    return s\n",
  });
  assert.equal(
    server.requests.findLast((entry) => entry.path.includes("/archive/"))?.path,
    `/repos/acme/app/archive/${HEAD}.tar.gz`,
  );
  const refused = createGiteaClientFromConfig(config, { token: "wrong" });
  assert.ok(canReadArchive(refused));
  await assert.rejects(
    refused.getArchive(pr, HEAD),
    (error: unknown) => error instanceof PlatformError && error.status === 401,
  );
});
