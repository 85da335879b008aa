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
