import assert from "node:assert/strict";
import { loadServerConfig } from "../config/env.ts";
import { platformLinks } from "./links.ts";

const review = { repo: "acme/api", prNumber: 12, headSha: "abc123" };

Deno.test("platformLinks points at each platform's pull request, commit and file line", () => {
  const config = loadServerConfig({
    LOOM_SECRET_KEY: "k".repeat(40),
    LOOM_GITEA_URL: "https://git.acme.test",
  });
  const github = platformLinks(config, { ...review, platform: "github" })!;
  assert.equal(github.pullRequest, "https://github.com/acme/api/pull/12");
  assert.equal(github.commit, "https://github.com/acme/api/commit/abc123");
  assert.equal(github.file("src/a b.ts", 4, 6), "https://github.com/acme/api/blob/abc123/src/a%20b.ts#L4-L6");
  const gitlab = platformLinks(config, { ...review, repo: "group/sub/api", platform: "gitlab" })!;
  assert.equal(gitlab.pullRequest, "https://gitlab.com/group/sub/api/-/merge_requests/12");
  assert.equal(gitlab.file("a.ts", 3), "https://gitlab.com/group/sub/api/-/blob/abc123/a.ts#L3");
  const gitea = platformLinks(config, { ...review, platform: "gitea" })!;
  assert.equal(gitea.pullRequest, "https://git.acme.test/acme/api/pulls/12");
  const bitbucket = platformLinks(config, { ...review, platform: "bitbucket" })!;
  assert.equal(bitbucket.pullRequest, "https://bitbucket.org/acme/api/pull-requests/12");
  assert.equal(bitbucket.file("a.ts", 3), "https://bitbucket.org/acme/api/src/abc123/a.ts#lines-3");
  const azure = platformLinks(
    { ...config, azureDevopsUrl: "https://dev.azure.com/acme" },
    { ...review, repo: "web/api", platform: "azure_devops" },
  )!;
  assert.equal(azure.pullRequest, "https://dev.azure.com/acme/web/_git/api/pullrequest/12");
  const server = { ...config, bitbucketServerUrl: "https://bitbucket.acme.test/rest/api/1.0" };
  const dataCenter = platformLinks(server, { ...review, repo: "PLAT/api", platform: "bitbucket_server" })!;
  assert.equal(
    dataCenter.pullRequest,
    "https://bitbucket.acme.test/projects/PLAT/repos/api/pull-requests/12",
  );
  assert.equal(dataCenter.commit, "https://bitbucket.acme.test/projects/PLAT/repos/api/commits/abc123");
  assert.equal(
    dataCenter.file("src/a b.ts", 4, 6),
    "https://bitbucket.acme.test/projects/PLAT/repos/api/browse/src/a%20b.ts?at=abc123#4-6",
  );
  const personal = platformLinks(server, { ...review, repo: "~ada/api", platform: "bitbucket_server" })!;
  assert.equal(personal.pullRequest, "https://bitbucket.acme.test/users/ada/repos/api/pull-requests/12");
  assert.equal(
    platformLinks(config, { ...review, platform: "bitbucket_server" }),
    null,
    "no instance configured",
  );
});

Deno.test("platformLinks uses a GitHub Enterprise host's web address", () => {
  const config = loadServerConfig({
    LOOM_SECRET_KEY: "k".repeat(40),
    LOOM_GITHUB_API_URL: "https://ghe.acme.test/api/v3",
  });
  assert.equal(
    platformLinks(config, { ...review, platform: "github" })!.pullRequest,
    "https://ghe.acme.test/acme/api/pull/12",
  );
  assert.equal(platformLinks({ ...config, giteaUrl: undefined }, { ...review, platform: "gitea" }), null);
});
