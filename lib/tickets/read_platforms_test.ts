/**
 * Ticket context through the other platforms' real clients and fakes: GitLab issues and `!N` merge requests (also
 * of another project), Azure DevOps work items linked to the pull request and named with `AB#N`.
 */
import assert from "node:assert/strict";
import { silentLogger } from "../log.ts";
import { createGitLabClient } from "../platforms/gitlab/client.ts";
import { createAzureDevopsClient } from "../platforms/azure_devops/client.ts";
import { htmlToText } from "../platforms/azure_devops/work_items.ts";
import { startFakeAzureDevops } from "../../tests/fakes/azure_devops.ts";
import { startFakeGitLab } from "../../tests/fakes/gitlab.ts";
import { startFakeGitea } from "../../tests/fakes/gitea.ts";
import { startFakeBitbucket } from "../../tests/fakes/bitbucket.ts";
import { createBitbucketClient } from "../platforms/bitbucket/client.ts";
import { createGiteaClient } from "../platforms/gitea/client.ts";
import { makeGitDiff } from "../../tests/fakes/git_diff.ts";
import { readTickets } from "./read.ts";

Deno.test("readTickets reads GitLab issues and merge requests, here and in other projects", async () => {
  await using gitlab = startFakeGitLab();
  const { diff, baseSha, headSha } = await makeGitDiff({ "a.txt": { base: "a\n", head: "b\n" } });
  const description = "Closes #4.\n\nNeeds !17 and platform/lib!3 first; see also #5.";
  gitlab.state.addPullRequest({ repo: "team/app", number: 2, body: description, diff, baseSha, headSha });
  gitlab.state.addPullRequest({
    repo: "team/app",
    number: 17,
    title: "Add the session store",
    body: "Stores sessions in Redis.",
    diff,
    baseSha,
    headSha,
  });
  gitlab.state.addPullRequest({
    repo: "platform/lib",
    number: 3,
    title: "Export the clock",
    diff,
    baseSha,
    headSha,
  });
  gitlab.state.addIssue({
    repo: "team/app",
    iid: 4,
    title: "Sessions expire after a restart",
    description: "Keep sessions across restarts of the web process.",
  });
  const client = createGitLabClient({ baseUrl: gitlab.url, token: gitlab.token });
  const context = await readTickets({
    client,
    ref: { platform: "gitlab", repo: "team/app", number: 2 },
    texts: { title: "Persist sessions", body: description, branch: "4-sessions" },
    host: new URL(gitlab.url).host,
    max: 5,
    signal: new AbortController().signal,
    log: silentLogger,
  });
  assert.deepEqual(context.blocks.map((block) => block.source), [
    "issue #4",
    "merge request !17",
    "platform/lib!3",
  ]);
  assert.match(
    context.blocks[0]!.text,
    /^Title: Sessions expire after a restart\nState: opened\nURL: .*\/team\/app\/-\/issues\/4\n\nKeep sessions/,
  );
  assert.match(context.blocks[1]!.text, /Stores sessions in Redis\./);
  assert.deepEqual(context.unread.map((ticket) => ticket.source), ["issue #5"]);
  assert.match(context.unread[0]!.reason, /404/);
  const paths = gitlab.requests.map((request) => request.path);
  assert.ok(paths.includes("/projects/team/app/issues/4"));
  assert.ok(paths.includes("/projects/platform/lib/merge_requests/3"));
});

Deno.test("readTickets reads the work items linked to an Azure DevOps pull request and those its text names", async () => {
  await using azure = startFakeAzureDevops();
  const description = "Fixes AB#1204.\n\nSee also #88.";
  azure.state.addPullRequest({
    repo: "Fabrikam/web",
    number: 5,
    title: "Log in with SSO",
    body: description,
    author: "ada@fabrikam.com",
    headSha: "b".repeat(40),
    baseSha: "a".repeat(40),
    baseRef: "main",
    headRef: "feature/sso",
    files: { "a.txt": { base: "a\n", head: "b\n" } },
  });
  azure.state.addWorkItem("Fabrikam", {
    id: 311,
    type: "User Story",
    title: "Single sign-on",
    description:
      "<div>Users sign in with the company&#39;s <b>Entra ID</b>.</div><ul><li>No passwords</li></ul>",
    state: "Active",
  });
  azure.state.addWorkItem("Fabrikam", {
    id: 1204,
    type: "Bug",
    title: "Login loops",
    reproSteps: "<p>Open /login</p><p>It redirects to itself &amp; never ends</p>",
    state: "New",
  });
  azure.state.linkWorkItem("Fabrikam/web", 5, 311);
  azure.state.linkWorkItem("Fabrikam/web", 5, 1204);
  const client = createAzureDevopsClient({
    baseUrl: azure.url,
    organization: azure.organization,
    token: azure.token,
  });
  const context = await readTickets({
    client,
    ref: { platform: "azure_devops", repo: "Fabrikam/web", number: 5 },
    texts: { title: "Log in with SSO", body: description },
    max: 5,
    signal: new AbortController().signal,
    log: silentLogger,
  });
  assert.deepEqual(context.blocks.map((block) => block.source), ["work item 311", "work item 1204"]);
  assert.equal(
    context.blocks[0]!.text,
    "Title: User Story: Single sign-on\nState: Active\nURL: " +
      `${azure.url}/${azure.organization}/Fabrikam/_workitems/edit/311\n\n` +
      "Users sign in with the company's Entra ID.\n- No passwords",
  );
  assert.match(context.blocks[1]!.text, /Repro steps:\nOpen \/login\nIt redirects to itself & never ends/);
  assert.deepEqual(
    context.unread.map((ticket) => ticket.source),
    ["work item 88"],
    "linked first, then named",
  );
  assert.match(context.unread[0]!.reason, /404.*TF401232/);
});

Deno.test("htmlToText keeps the text of Azure DevOps rich text and drops markup and scripts", () => {
  assert.equal(
    htmlToText("<div>a &lt;b&gt;<br>c</div><script>alert(1)</script><p>&#x41;&nbsp;&unknown;</p>"),
    "a <b>\nc\nA &unknown;",
  );
});

Deno.test("readTickets reads Gitea issues, also of another repository, and a referred pull request", async () => {
  await using gitea = startFakeGitea();
  const { diff, baseSha, headSha } = await makeGitDiff({ "a.txt": { base: "a\n", head: "b\n" } });
  const body = "Closes #3, follows up on #6 and infra/deploy#2. Not #404.";
  gitea.state.addPullRequest({ repo: "team/app", number: 9, body, diff, baseSha, headSha });
  gitea.state.addPullRequest({
    repo: "team/app",
    number: 6,
    title: "First cut of the cache",
    diff,
    baseSha,
    headSha,
  });
  gitea.state.addIssue({ repo: "team/app", number: 3, title: "Cache misses", body: "Hit rate is 20%." });
  gitea.state.addIssue({ repo: "infra/deploy", number: 2, title: "Redis in staging", state: "closed" });
  const client = createGiteaClient({ baseUrl: gitea.url, token: gitea.token });
  const context = await readTickets({
    client,
    ref: { platform: "gitea", repo: "team/app", number: 9 },
    texts: { title: "Cache", body },
    max: 5,
    signal: new AbortController().signal,
    log: silentLogger,
  });
  assert.deepEqual(context.blocks.map((block) => block.source), ["issue #3", "issue #6", "infra/deploy#2"]);
  assert.match(
    context.blocks[0]!.text,
    /^Title: Cache misses\nState: open\nURL: .*\/team\/app\/issues\/3\n\nHit rate is 20%\.$/,
  );
  assert.match(context.blocks[1]!.text, /URL: .*\/team\/app\/pulls\/6/);
  assert.match(context.blocks[2]!.text, /State: closed/);
  assert.deepEqual(context.unread.map((ticket) => ticket.source), ["issue #404"]);
  assert.match(context.unread[0]!.reason, /Gitea answered 404/);
});

Deno.test("readTickets reads Bitbucket Cloud issues where the tracker is on, and names them unread where it is off", async () => {
  await using bitbucket = startFakeBitbucket();
  const { diff, baseSha, headSha } = await makeGitDiff({ "a.txt": { base: "a\n", head: "b\n" } });
  const seed = { title: "Retry uploads", author: "ada", baseRef: "main", headRef: "retry", diff, files: {} };
  const body = "Resolves #6 (see https://bitbucket.org/team/app/issues/7/uploads-fail).";
  bitbucket.state.addPullRequest({ ...seed, repo: "team/app", number: 2, body, headSha, baseSha });
  bitbucket.state.addIssue({
    repo: "team/app",
    id: 6,
    title: "Uploads fail on flaky links",
    content: "Retry **3** times.",
  });
  const client = createBitbucketClient({ baseUrl: bitbucket.apiUrl, token: bitbucket.token });
  const read = (repo: string) =>
    readTickets({
      client,
      ref: { platform: "bitbucket", repo, number: 2 },
      texts: { title: "Retry uploads", body },
      host: "bitbucket.org",
      max: 5,
      signal: new AbortController().signal,
      log: silentLogger,
    });
  const context = await read("team/app");
  assert.deepEqual(context.blocks.map((block) => block.source), ["issue #6"]);
  assert.match(
    context.blocks[0]!.text,
    /^Title: Uploads fail on flaky links\nState: new\nURL: https:\/\/bitbucket\.org\/team\/app\/issues\/6\n\nRetry \*\*3\*\* times\.$/,
  );
  assert.deepEqual(context.unread.map((ticket) => ticket.source), ["issue #7"]);
  assert.match(context.unread[0]!.reason, /404: No Issue matches/);

  bitbucket.state.addPullRequest({ ...seed, repo: "team/site", number: 2, body, headSha, baseSha });
  const off = await read("team/site");
  assert.deepEqual(off.blocks, []);
  assert.match(off.unread[0]!.reason, /Repository has no issue tracker/);
});
