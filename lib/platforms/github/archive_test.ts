import assert from "node:assert/strict";
import {
  APP_HEAD,
  PR,
  rejectsWith,
  tokenClient,
  withFake,
} from "../../../tests/support/github_client_setup.ts";

Deno.test("createGitHubClient() getArchive() follows GitHub's redirect to codeload and streams the head tree", async () => {
  await withFake({}, async (fake, { headSha }) => {
    fake.state.addFile(PR.repo, headSha, "lib/util.py", "def helper():\n    return 1\n");
    const archive = await tokenClient(fake).getArchive(PR, headSha);
    const files: Record<string, string> = {};
    for await (const file of archive.files) files[file.path] = file.text;
    assert.deepEqual(files, {
      "lib/util.py": "def helper():\n    return 1\n",
      "src/added.ts": "export const added = 1;\n",
      "src/app.ts": APP_HEAD,
    });
    assert.equal(archive.stats.files, 3);
    const [redirect, download] = fake.requests.slice(-2);
    assert.equal(redirect!.path, `/repos/${PR.repo}/tarball/${headSha}`);
    assert.match(download!.path, new RegExp(`^/_codeload/${PR.repo}/legacy\\.tar\\.gz/${headSha}$`));
    assert.match(download!.search.get("token") ?? "", /^GHSAT/);
  });
});

Deno.test("GitHub's description documents the tarball answer the fake gives: 302 with a Location", async () => {
  const { default: spec } = await import("@octokit/openapi/generated/api.github.com.json", {
    with: { type: "json" },
  });
  const operation = spec.paths["/repos/{owner}/{repo}/tarball/{ref}"].get;
  assert.deepEqual(Object.keys(operation.responses), ["302"]);
  assert.ok(
    "Location" in operation.responses["302"].headers || "location" in operation.responses["302"].headers,
  );
  await withFake({}, async (fake, { headSha }) => {
    const response = await fetch(`${fake.url}/repos/${PR.repo}/tarball/${headSha}`, {
      headers: { authorization: `token ${"ghp_loomfaketoken0000000000000000000000"}` },
      redirect: "manual",
    });
    await response.body?.cancel();
    assert.equal(response.status, 302);
    assert.match(response.headers.get("location") ?? "", /\/_codeload\/octo\/hello\/legacy\.tar\.gz\//);
  });
});

Deno.test("createGitHubClient() getArchive() reports GitHub's failure as a PlatformError", async () => {
  await withFake({}, async (fake, { headSha }) => {
    fake.state.failNext("/tarball/", 500);
    await rejectsWith(tokenClient(fake).getArchive(PR, headSha), { status: 500, retryable: true });
    await rejectsWith(tokenClient(fake).getArchive(PR, "0".repeat(40)), { status: 404, retryable: false });
  });
});
