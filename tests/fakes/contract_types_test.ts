/**
 * The Gitea, GitLab and Azure DevOps fakes answer through their official clients' response types (gitea-js,
 * `@gitbeaker/core`, `azure-devops-node-api`), so a shape the real API never sends does not type-check. The
 * `@ts-expect-error` lines below are that guarantee: if a type the fakes answer through stopped refusing a
 * misspelt field, a wrong type or an unknown enumeration name, the directive would be unused and `deno check`
 * (and so `deno test`) would fail. The runtime tests cover what types cannot: values a request or a seed brings.
 */
import assert from "node:assert/strict";
import type { PullRequest, PullReview } from "gitea-js";
import { createAzureDevopsClient } from "../../lib/platforms/azure_devops/client.ts";
import { startFakeAzureDevops } from "./azure_devops.ts";
import type { PullRequestWire, StatusWire, ThreadWire } from "./azure_devops/wire.ts";
import type { DiffEntry } from "./gitlab/types.ts";
import type { NoteJson } from "./gitlab/shapes.ts";
import type { CommentJson, PullRequestJson, StatusJson } from "./bitbucket/shapes.ts";
import { startFakeBitbucket } from "./bitbucket.ts";

Deno.test("the fakes' answer types refuse fields, types and names the real APIs never send", () => {
  // Gitea: the fake's answers are `satisfies` gitea-js types.
  // @ts-expect-error gitea-js's PullReview has `commit_id`, not `commit_sha`
  const review = { id: 1, commit_sha: "abc" } satisfies PullReview;
  // @ts-expect-error `number` is a number
  const pull = { number: "3" } satisfies PullRequest;

  // GitLab: gitbeaker's schemas allow any extra key (`Record<string, unknown>`); the fake's `Strict` types do not.
  const note = {} as NoteJson;
  // @ts-expect-error no such field on a GitLab note
  const misspelt = { ...note, noteable_iidd: 3 } satisfies NoteJson;
  // @ts-expect-error `noteable_type` is one of GitLab's noteable types
  const wrongNoteable = { ...note, noteable_type: "PullRequest" } satisfies NoteJson;
  const entry = {} as DiffEntry;
  // @ts-expect-error GitLab sends `renamed_file`, not `renamed`
  const renamed = { ...entry, renamed: true } satisfies DiffEntry;

  // Azure DevOps: the library's interfaces as they travel.
  // @ts-expect-error `pullRequestId`, not `pullRequestID`
  const azurePull = { pullRequestID: 8 } satisfies PullRequestWire;
  // @ts-expect-error a date travels as an ISO string
  const dated = { creationDate: new Date(0) } satisfies PullRequestWire;
  // @ts-expect-error CommentThreadStatus has no "resolved"
  const thread = { status: "resolved" } satisfies ThreadWire;
  // @ts-expect-error GitStatusState has no "success"
  const status = { state: "success" } satisfies StatusWire;

  // Bitbucket Cloud: its published OpenAPI description, made strict, with the concrete account types it sends.
  // @ts-expect-error a pull request's state is OPEN, MERGED, DECLINED or SUPERSEDED
  const closed = { type: "pullrequest", state: "CLOSED" } satisfies PullRequestJson;
  // @ts-expect-error `title`, not `titel`
  const titled = { type: "pullrequest", titel: "Fix" } satisfies PullRequestJson;
  // @ts-expect-error Bitbucket sends a concrete `user` or `app_user`, never the abstract `account`
  const abstract = { type: "pullrequest_comment", user: { type: "account" } } satisfies CommentJson;
  // @ts-expect-error a build status is SUCCESSFUL, FAILED, INPROGRESS or STOPPED
  const success = { type: "build", commit: {}, state: "SUCCESS" } satisfies StatusJson;

  // What the real APIs do send type-checks.
  const sent = [
    { id: 1, commit_id: "abc", state: "COMMENT" } satisfies PullReview,
    { status: "wontFix", publishedDate: "2026-01-01T00:00:00Z" } satisfies ThreadWire,
    { state: "succeeded", context: { name: "review", genre: "loom" } } satisfies StatusWire,
    {
      type: "pullrequest_comment",
      id: 1,
      user: { type: "app_user", display_name: "bot" },
    } satisfies CommentJson,
  ];
  const refused = [review, pull, misspelt, wrongNoteable, renamed, azurePull, dated, thread, status];
  assert.equal([...refused, closed, titled, abstract, success].length, 13);
  assert.equal(sent.length, 4);
});

Deno.test("the Azure DevOps fake refuses a pull request status whose state GitStatusState does not have", async () => {
  await using azure = startFakeAzureDevops();
  azure.state.addPullRequest({
    repo: "proj/app",
    number: 8,
    title: "Add cache eviction",
    author: "ada@example.com",
    headSha: "a".repeat(40),
    baseSha: "b".repeat(40),
    baseRef: "main",
    headRef: "eviction",
    files: { "src/a.ts": { base: "x\n", head: "y\n" } },
  });
  const url = `${azure.url}/${azure.organization}/proj/_apis/git/repositories/app/pullRequests/8/statuses` +
    "?api-version=7.1";
  const post = (state: string) =>
    fetch(url, {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`:${azure.token}`)}`, "content-type": "application/json" },
      body: JSON.stringify({ state, context: { name: "review", genre: "loom" } }),
    });
  const refused = await post("success");
  assert.equal(refused.status, 400);
  assert.match((await refused.json()).message, /"success" is not a valid GitStatusState/);
  const accepted = await post("succeeded");
  assert.equal(accepted.status, 200);
  const body = await accepted.json();
  assert.equal(body.state, "succeeded");
  assert.deepEqual(Object.keys(body).filter((key) => ["repo", "number"].includes(key)), []);
  assert.equal(azure.state.statuses.length, 1);

  // Loom's client posts the names Azure DevOps has.
  const client = createAzureDevopsClient({
    baseUrl: azure.url,
    organization: azure.organization,
    token: azure.token,
    commentDelayMs: 0,
  });
  await client.setStatus({ platform: "azure_devops", repo: "proj/app", number: 8 }, {
    sha: "a".repeat(40),
    state: "success",
    context: "loom/review",
    description: "Review passed",
  });
  assert.equal(azure.state.statuses.at(-1)?.state, "succeeded");
});

Deno.test("the Azure DevOps fake does not send a thread status Azure DevOps does not have", async () => {
  await using azure = startFakeAzureDevops();
  azure.state.addPullRequest({
    repo: "proj/app",
    number: 8,
    title: "Add cache eviction",
    author: "ada@example.com",
    headSha: "a".repeat(40),
    baseSha: "b".repeat(40),
    baseRef: "main",
    headRef: "eviction",
    files: {},
  });
  azure.state.addThread("proj/app", 8, { content: "Looks fine", status: "resolved" });
  const response = await fetch(
    `${azure.url}/${azure.organization}/proj/_apis/git/repositories/app/pullRequests/8/threads?api-version=7.1`,
    { headers: { authorization: `Basic ${btoa(`:${azure.token}`)}` } },
  );
  assert.equal(response.status, 500);
  assert.match(await response.text(), /thread status Azure DevOps does not have: \\?"resolved\\?"/);
});

Deno.test("the Bitbucket fake refuses a build status whose state Bitbucket does not have", async () => {
  await using bitbucket = startFakeBitbucket();
  bitbucket.state.addPullRequest({
    repo: "team/app",
    number: 4,
    title: "Add cache eviction",
    author: "ada",
    headSha: "a".repeat(40),
    baseSha: "b".repeat(40),
    baseRef: "main",
    headRef: "eviction",
    diff: "",
    files: {},
  });
  const post = (state: string) =>
    fetch(`${bitbucket.url}/2.0/repositories/team/app/commit/${"a".repeat(40)}/statuses/build`, {
      method: "POST",
      headers: { authorization: `Bearer ${bitbucket.token}`, "content-type": "application/json" },
      body: JSON.stringify({ key: "loom", state, url: "https://loom.example/reviews/1" }),
    });
  const refused = await post("SUCCESS");
  assert.equal(refused.status, 400);
  assert.match((await refused.json()).error.message, /"SUCCESS" is not a valid choice/);
  const accepted = await post("SUCCESSFUL");
  assert.equal(accepted.status, 201);
  const body = await accepted.json();
  assert.equal(body.type, "build");
  assert.equal(body.commit.hash, "a".repeat(40));
  assert.deepEqual(Object.keys(body).filter((key) => ["repo", "sha"].includes(key)), []);
  assert.equal(bitbucket.state.statuses.length, 1);
});
