/**
 * `canWrite` of every platform client, through its real client library against the platform's fake over HTTP:
 * the levels that can push say yes, the others and unknown users say no, and a lookup the platform refuses throws.
 */
import assert from "node:assert/strict";
import { createGitHubClient } from "./github/mod.ts";
import { createGitLabClient } from "./gitlab/mod.ts";
import { createGiteaClient } from "./gitea/mod.ts";
import { createBitbucketClient } from "./bitbucket/mod.ts";
import { createAzureDevopsClient } from "./azure_devops/mod.ts";
import { identitiesRoot } from "./azure_devops/permission.ts";
import { PlatformError, type PullRequestRef } from "./types.ts";
import { silentLogger } from "../log.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../../tests/fakes/github.ts";
import { startFakeGitLab } from "../../tests/fakes/gitlab.ts";
import { startFakeGitea } from "../../tests/fakes/gitea.ts";
import { startFakeBitbucket } from "../../tests/fakes/bitbucket.ts";
import { startFakeAzureDevops } from "../../tests/fakes/azure_devops.ts";

const HEAD = "a".repeat(40);
const BASE = "b".repeat(40);

Deno.test("GitHub canWrite(): admin, maintain and write can push; triage, read, none and strangers cannot", async () => {
  await using github = startFakeGitHub();
  const client = createGitHubClient({ baseUrl: github.url, token: FAKE_GITHUB_TOKEN, log: silentLogger });
  const pr: PullRequestRef = { platform: "github", repo: "octo/app", number: 1 };
  const roles = ["admin", "maintain", "write", "triage", "read", "none"] as const;
  for (const role of roles) github.state.setPermission("octo/app", `user-${role}`, role);
  const answers = await Promise.all(roles.map((role) => client.canWrite(pr, { login: `user-${role}` })));
  assert.deepEqual(answers, [true, true, true, false, false, false]);
  assert.equal(await client.canWrite(pr, { login: "ghost" }), false, "404: no such user");
  github.state.failNext("/collaborators/user-admin/permission", 503);
  await assert.rejects(client.canWrite(pr, { login: "user-admin" }), PlatformError);
});

Deno.test("GitLab canWrite(): active members from Developer up, inherited ones included; exact usernames", async () => {
  await using gitlab = startFakeGitLab();
  const client = createGitLabClient({ baseUrl: gitlab.url, token: gitlab.token });
  const pr: PullRequestRef = { platform: "gitlab", repo: "group/app", number: 1 };
  gitlab.state.addMember("group/app", "owner", 50);
  gitlab.state.addMember("group/app", "maintainer", 40);
  gitlab.state.addMember("group/app", "dev", 30);
  gitlab.state.addMember("group/app", "reporter", 20);
  gitlab.state.addMember("group/app", "developer-bot-friend", 30);
  const answers = await Promise.all(
    ["owner", "maintainer", "dev", "reporter", "stranger"].map((login) => client.canWrite(pr, { login })),
  );
  assert.deepEqual(answers, [true, true, true, false, false]);
  // `query=develop` matches `developer-bot-friend` by substring; only the exact username counts.
  assert.equal(await client.canWrite(pr, { login: "develop" }), false);
  const asked = gitlab.requests.find((request) => request.path.includes("/members/all"));
  assert.ok(asked, "the members API including inherited members is asked");
  gitlab.state.failNext({ path: "/members/all", status: 500 });
  await assert.rejects(client.canWrite(pr, { login: "dev" }), PlatformError);
});

Deno.test("Gitea canWrite(): owner, admin and write can push; read, none and unknown users cannot", async () => {
  await using gitea = startFakeGitea();
  const client = createGiteaClient({ baseUrl: gitea.url, token: gitea.token });
  const pr: PullRequestRef = { platform: "gitea", repo: "infra/app", number: 1 };
  for (const level of ["admin", "write", "read", "none"] as const) {
    gitea.state.setPermission("infra/app", level, level);
  }
  const answers = await Promise.all(
    ["infra", "admin", "write", "read", "none", "ghost"].map((login) => client.canWrite(pr, { login })),
  );
  assert.deepEqual(answers, [true, true, true, false, false, false]);
  assert.ok(
    gitea.requests.some((request) => request.path === "/repos/infra/app/collaborators/write/permission"),
  );
});

Deno.test("Gitea canWrite() fails clearly when Loom's user is no repository administrator", async () => {
  await using gitea = startFakeGitea();
  const client = createGiteaClient({ baseUrl: gitea.url, token: gitea.token });
  const pr: PullRequestRef = { platform: "gitea", repo: "infra/app", number: 1 };
  gitea.state.setPermission("infra/app", gitea.botLogin, "write");
  gitea.state.setPermission("infra/app", "ada", "write");
  await assert.rejects(client.canWrite(pr, { login: "ada" }), (error: unknown) => {
    assert.ok(error instanceof PlatformError);
    assert.equal(error.status, 403);
    assert.match(error.message, /repository administrator/);
    return true;
  });
});

const ADA = "{6b1a6f0e-5d43-4c1f-9d3c-0d3f1c2a7e11}";
const BOB = "{0f0e7a4b-2f52-4bb4-8a63-93a1b07f4c22}";

Deno.test("Bitbucket canWrite(): effective admin or write by account uuid; read, none and no uuid cannot", async () => {
  await using bitbucket = startFakeBitbucket();
  const client = createBitbucketClient({
    baseUrl: bitbucket.apiUrl,
    token: bitbucket.token,
    commentDelayMs: 0,
  });
  const pr: PullRequestRef = { platform: "bitbucket", repo: "ws/app", number: 1 };
  bitbucket.state.setPermission("ws/app", ADA, "write");
  bitbucket.state.setPermission("ws/app", BOB, "read");
  assert.equal(await client.canWrite(pr, { login: "Ada", id: ADA }), true);
  assert.equal(await client.canWrite(pr, { login: "Bob", id: BOB }), false);
  assert.equal(await client.canWrite(pr, { login: "Ada" }), false, "a display name alone proves nothing");
  assert.equal(await client.canWrite(pr, { login: "Ada", id: `${ADA}" OR permission="admin` }), false);
  const asked = bitbucket.requests.find((request) =>
    request.path.startsWith("/2.0/workspaces/ws/permissions")
  );
  assert.equal(
    new URL(asked!.path, "http://x").searchParams.get("q"),
    `user.uuid="${ADA}"`,
  );
  bitbucket.state.setPermission("ws/app", "{loom-bot}", "write");
  await assert.rejects(client.canWrite(pr, { login: "Ada", id: ADA }), (error: unknown) => {
    assert.ok(error instanceof PlatformError);
    assert.match(error.message, /403.*repository administrator/s);
    return true;
  });
});

const WRITER = "6f4c1e7a-1b2c-4d3e-8f9a-0b1c2d3e4f50";
const READER = "7a5d2f8b-2c3d-4e5f-9a0b-1c2d3e4f5061";

Deno.test("Azure DevOps canWrite(): GenericContribute in the identity's effective repository permissions", async () => {
  await using azure = startFakeAzureDevops();
  const client = createAzureDevopsClient({
    baseUrl: azure.url,
    organization: azure.organization,
    token: azure.token,
    commentDelayMs: 0,
  });
  azure.state.addPullRequest({
    repo: "Proj/app",
    number: 1,
    title: "t",
    author: "ada",
    headSha: HEAD,
    baseSha: BASE,
    baseRef: "main",
    headRef: "feature",
    files: {},
  });
  const pr: PullRequestRef = { platform: "azure_devops", repo: "Proj/app", number: 1 };
  azure.state.setPermission("Proj/app", WRITER, "write");
  azure.state.setPermission("Proj/app", READER, "read");
  azure.state.setPermission("Proj/other", "8b6e3a9c-3d4e-4f5a-8b1c-2d3e4f506172", "admin");
  assert.equal(await client.canWrite(pr, { login: "writer", id: WRITER }), true);
  assert.equal(await client.canWrite(pr, { login: "reader", id: READER }), false);
  assert.equal(
    await client.canWrite(pr, { login: "elsewhere", id: "8b6e3a9c-3d4e-4f5a-8b1c-2d3e4f506172" }),
    false,
    "admin of another repository only",
  );
  assert.equal(
    await client.canWrite(pr, { login: "unknown", id: "9c7f4b0d-4e5f-4a6b-9c2d-3e4f50617283" }),
    false,
  );
  assert.equal(await client.canWrite(pr, { login: "no id" }), false);
  const acl = azure.requests.find((request) => request.path.includes("/_apis/accesscontrollists/"));
  const query = new URL(acl!.path, "http://x").searchParams;
  assert.equal(query.get("token"), "repoV2/project-Proj/repo-app");
  assert.equal(query.get("includeExtendedInfo"), "true");
  azure.state.failNext("/_apis/accesscontrollists/", 401);
  await assert.rejects(client.canWrite(pr, { login: "writer", id: WRITER }), PlatformError);
});

Deno.test("identitiesRoot() finds the identity service of Azure DevOps Services and Server", () => {
  assert.equal(identitiesRoot("https://dev.azure.com/fabrikam"), "https://vssps.dev.azure.com/fabrikam");
  assert.equal(
    identitiesRoot("https://fabrikam.visualstudio.com"),
    "https://fabrikam.vssps.visualstudio.com",
  );
  assert.equal(identitiesRoot("https://tfs.example.com/tfs/Default"), "https://tfs.example.com/tfs/Default");
});
