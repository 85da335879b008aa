import assert from "node:assert/strict";
import { type FakeAzureDevops, startFakeAzureDevops } from "../../../tests/fakes/azure_devops.ts";
import { PlatformError, type PullRequestRef } from "../types.ts";
import { createAzureDevopsClient, SUMMARY_MARKER } from "./client.ts";

const HEAD = "53d54ac915144006c2c9e90d2c7d3880920db49c";
const BASE = "a511f535b1ea495ee0c903badb68fbc83772c882";
const PUSHED = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c";
const PR: PullRequestRef = { platform: "azure_devops", repo: "Fabrikam/Fabrikam Web", number: 7 };
const APP_BASE = Array.from({ length: 12 }, (_, index) => `line ${index + 1}`).join("\n") + "\n";
const APP_HEAD = APP_BASE.replace("line 6\n", "line six\n");

function seed(fake: FakeAzureDevops): void {
  fake.state.addPullRequest({
    repo: PR.repo,
    number: PR.number,
    title: "my first pull request",
    author: "fabrikamfiber4@hotmail.com",
    labels: ["AI-Review"],
    headSha: HEAD,
    baseSha: BASE,
    baseRef: "main",
    headRef: "feature/topic",
    files: {
      "src/app.ts": { base: APP_BASE, head: APP_HEAD },
      "src/new.ts": { head: "export const x = 1;\n" },
      "old/gone.ts": { base: "bye\n" },
      "lib/before.ts": { base: "a\nb\n" },
      "lib/after.ts": { head: "a\nB\n", renamedFrom: "lib/before.ts" },
      "README.md": { base: "same\n", head: "same\n" },
    },
  });
}

function setup(options: { maxChangesPage?: number } = {}) {
  const fake = startFakeAzureDevops(options);
  seed(fake);
  const sleeps: number[] = [];
  const client = createAzureDevopsClient({
    baseUrl: fake.url,
    organization: fake.organization,
    token: fake.token,
    commentDelayMs: 300,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
  return { fake, client, sleeps };
}

Deno.test("createAzureDevopsClient().getPullRequest() reads the pull request with PAT Basic auth", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  assert.deepEqual(await client.getPullRequest(PR), {
    ref: PR,
    title: "my first pull request",
    body: "",
    labels: ["AI-Review"],
    author: "fabrikamfiber4@hotmail.com",
    draft: false,
    state: "open",
    headSha: HEAD,
    headRef: "feature/topic",
    baseSha: BASE,
    baseRef: "main",
  });
  const [request] = fake.requests;
  assert.equal(
    request.path,
    "/loom-org/Fabrikam/_apis/git/repositories/Fabrikam%20Web/pullRequests/7?api-version=7.1",
  );
  assert.equal(request.headers.get("authorization"), `Basic ${btoa(`:${fake.token}`)}`);
});

Deno.test("createAzureDevopsClient() addresses a bare repository name through the project option", async () => {
  await using fake = startFakeAzureDevops();
  seed(fake);
  const client = createAzureDevopsClient({
    baseUrl: `${fake.url}/${fake.organization}`,
    project: "Fabrikam",
    token: fake.token,
  });
  assert.equal((await client.getPullRequest({ ...PR, repo: "Fabrikam Web" })).headSha, HEAD);
  const noProject = createAzureDevopsClient({ baseUrl: fake.url, token: fake.token });
  await assert.rejects(noProject.getPullRequest({ ...PR, repo: "Fabrikam Web" }), TypeError);
});

Deno.test("createAzureDevopsClient().getFile() reads by commit or branch and returns null when absent", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  assert.equal(await client.getFile(PR, "src/app.ts", HEAD), APP_HEAD);
  assert.equal(await client.getFile(PR, "/src/app.ts", "main"), APP_BASE);
  assert.equal(await client.getFile(PR, "src/new.ts", "refs/heads/feature/topic"), "export const x = 1;\n");
  assert.equal(await client.getFile(PR, "src/new.ts", BASE), null);
  const query = new URL(fake.requests[0].path, fake.url).searchParams;
  assert.equal(query.get("path"), "/src/app.ts");
  assert.equal(query.get("versionDescriptor.version"), HEAD);
  assert.equal(query.get("versionDescriptor.versionType"), "commit");
  assert.equal(query.get("includeContent"), "true");
});

const EXPECTED_DIFF = [
  "diff --git a/lib/before.ts b/lib/after.ts",
  "rename from lib/before.ts",
  "rename to lib/after.ts",
  "--- a/lib/before.ts",
  "+++ b/lib/after.ts",
  "@@ -1,2 +1,2 @@",
  " a",
  "-b",
  "+B",
  "diff --git a/old/gone.ts b/old/gone.ts",
  "deleted file mode 100644",
  "--- a/old/gone.ts",
  "+++ /dev/null",
  "@@ -1 +0,0 @@",
  "-bye",
  "diff --git a/src/app.ts b/src/app.ts",
  "--- a/src/app.ts",
  "+++ b/src/app.ts",
  "@@ -3,7 +3,7 @@",
  " line 3",
  " line 4",
  " line 5",
  "-line 6",
  "+line six",
  " line 7",
  " line 8",
  " line 9",
  "diff --git a/src/new.ts b/src/new.ts",
  "new file mode 100644",
  "--- /dev/null",
  "+++ b/src/new.ts",
  "@@ -0,0 +1 @@",
  "+export const x = 1;",
  "",
].join("\n");

Deno.test("createAzureDevopsClient().getDiff() builds a unified diff from iteration changes and both versions", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  assert.equal(await client.getDiff(PR), EXPECTED_DIFF);
  const itemVersions = fake.requests
    .filter((request) => request.path.includes("/items?"))
    .map((request) => new URL(request.path, fake.url).searchParams)
    .map((query) => `${query.get("path")}@${query.get("versionDescriptor.version")}`)
    .sort();
  assert.deepEqual(
    itemVersions,
    [
      `/lib/after.ts@${HEAD}`,
      `/lib/before.ts@${BASE}`,
      `/old/gone.ts@${BASE}`,
      `/src/app.ts@${BASE}`,
      `/src/app.ts@${HEAD}`,
      `/src/new.ts@${HEAD}`,
    ].sort(),
  );
});

Deno.test("createAzureDevopsClient().getDiff() pages through changes with $skip and diffs the latest iteration", async () => {
  const { fake, client } = setup({ maxChangesPage: 2 });
  await using _ = fake;
  fake.state.pushCommit(PR.repo, PR.number, {
    headSha: PUSHED,
    files: { "src/app.ts": APP_HEAD + "line 13\n" },
  });
  const diff = await client.getDiff(PR);
  assert.match(diff, /^\+line 13$/m);
  assert.deepEqual(
    fake.requests.filter((request) => request.path.includes("/changes")).map((request) => request.path),
    [0, 2].map((skip) =>
      `/loom-org/Fabrikam/_apis/git/repositories/Fabrikam%20Web/pullRequests/7/iterations/2/changes` +
      `?%24top=${skip === 0 ? 2000 : 2}&%24skip=${skip}&%24compareTo=0&api-version=7.1`
    ),
  );
  assert.equal(diff.split("diff --git").length - 1, 4);
});

Deno.test("createAzureDevopsClient().postReview() anchors threads with threadContext and pullRequestThreadContext", async () => {
  const { fake, client, sleeps } = setup();
  await using _ = fake;
  fake.state.pushCommit(PR.repo, PR.number, {
    headSha: PUSHED,
    files: { "src/app.ts": APP_HEAD + "line 13\n" },
  });
  await client.postReview(PR, {
    headSha: PUSHED,
    summary: "## Loom review",
    event: "COMMENT",
    comments: [
      { path: "src/app.ts", line: 6, side: "RIGHT", body: "Right side" },
      { path: "old/gone.ts", line: 1, side: "LEFT", body: "Left side" },
      { path: "src/app.ts", line: 13, startLine: 12, side: "RIGHT", body: "Range" },
    ],
  });
  const posted = fake.requests.filter((request) => request.method === "POST").map((request) => request.body);
  const trackingIds = new Map(
    fake.state.threads(PR.repo, PR.number).filter((thread) => thread.threadContext).map((thread) => [
      (thread.threadContext as { filePath: string }).filePath,
      (thread.pullRequestThreadContext as { changeTrackingId: number }).changeTrackingId,
    ]),
  );
  const appId = trackingIds.get("/src/app.ts")!;
  const goneId = trackingIds.get("/old/gone.ts")!;
  assert.ok(appId > 0 && goneId > 0 && appId !== goneId);
  assert.deepEqual(posted, [
    {
      comments: [{ parentCommentId: 0, content: "Right side", commentType: 1 }],
      status: 1,
      threadContext: {
        filePath: "/src/app.ts",
        rightFileStart: { line: 6, offset: 1 },
        rightFileEnd: { line: 6, offset: 1 },
      },
      pullRequestThreadContext: {
        changeTrackingId: appId,
        iterationContext: { firstComparingIteration: 2, secondComparingIteration: 2 },
      },
    },
    {
      comments: [{ parentCommentId: 0, content: "Left side", commentType: 1 }],
      status: 1,
      threadContext: {
        filePath: "/old/gone.ts",
        leftFileStart: { line: 1, offset: 1 },
        leftFileEnd: { line: 1, offset: 1 },
      },
      pullRequestThreadContext: {
        changeTrackingId: goneId,
        iterationContext: { firstComparingIteration: 2, secondComparingIteration: 2 },
      },
    },
    {
      comments: [{ parentCommentId: 0, content: "Range", commentType: 1 }],
      status: 1,
      threadContext: {
        filePath: "/src/app.ts",
        rightFileStart: { line: 12, offset: 1 },
        rightFileEnd: { line: 13, offset: 1 },
      },
      pullRequestThreadContext: {
        changeTrackingId: appId,
        iterationContext: { firstComparingIteration: 2, secondComparingIteration: 2 },
      },
    },
    {
      comments: [{ parentCommentId: 0, content: `## Loom review\n\n${SUMMARY_MARKER}`, commentType: 1 }],
      status: 4,
    },
  ]);
  assert.deepEqual(sleeps, [300, 300, 300]);
});

Deno.test("createAzureDevopsClient().postReview() keeps changeTrackingId stable across pushes", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  const review = { headSha: HEAD, summary: "s", event: "COMMENT" as const };
  await client.postReview(PR, {
    ...review,
    comments: [{ path: "src/app.ts", line: 6, side: "RIGHT", body: "one" }],
  });
  fake.state.pushCommit(PR.repo, PR.number, { headSha: PUSHED, files: { "src/extra.ts": "x\n" } });
  await client.postReview(PR, {
    ...review,
    comments: [{ path: "src/app.ts", line: 6, side: "RIGHT", body: "two" }],
  });
  const contexts = fake.state.threads(PR.repo, PR.number)
    .filter((thread) => thread.pullRequestThreadContext)
    .map((thread) =>
      thread.pullRequestThreadContext as { changeTrackingId: number; iterationContext: unknown }
    );
  assert.equal(contexts.length, 2);
  assert.equal(contexts[0].changeTrackingId, contexts[1].changeTrackingId);
  assert.deepEqual(contexts.map((context) => context.iterationContext), [
    { firstComparingIteration: 1, secondComparingIteration: 1 },
    { firstComparingIteration: 2, secondComparingIteration: 2 },
  ]);
});

Deno.test("createAzureDevopsClient().postReview() never edits someone else's thread that carries the summary marker", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  const spoofed = `All clear\n\n${SUMMARY_MARKER}`;
  fake.state.addThread(PR.repo, PR.number, { content: spoofed, author: "mallory" });
  await client.postReview(PR, { headSha: HEAD, summary: "First", event: "COMMENT", comments: [] });
  const threads = fake.state.threads(PR.repo, PR.number);
  assert.equal(threads.length, 2, "Loom opens its own summary thread");
  assert.deepEqual(threads[0].comments[0].history, [spoofed]);
  assert.equal(fake.requests.filter((request) => request.method === "PATCH").length, 0);
});

Deno.test("createAzureDevopsClient().postReview() updates the summary thread in place", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  fake.state.addThread(PR.repo, PR.number, { content: "A human comment", author: "someone" });
  await client.postReview(PR, { headSha: HEAD, summary: "First", event: "COMMENT", comments: [] });
  await client.postReview(PR, { headSha: HEAD, summary: "Second", event: "REQUEST_CHANGES", comments: [] });
  const threads = fake.state.threads(PR.repo, PR.number);
  assert.equal(threads.length, 2);
  assert.equal(threads[1].status, "closed");
  assert.deepEqual(threads[1].comments[0].history, [
    `First\n\n${SUMMARY_MARKER}`,
    `Second\n\n${SUMMARY_MARKER}`,
  ]);
  assert.deepEqual(
    fake.requests.filter((request) => request.method === "PATCH").map((request) => request.body),
    [{ content: `Second\n\n${SUMMARY_MARKER}` }],
  );
});

Deno.test("createAzureDevopsClient().listComments() flattens threads into thread:comment ids", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  fake.state.addThread(PR.repo, PR.number, { content: "General", author: "someone" });
  fake.state.addThread(PR.repo, PR.number, {
    content: "Inline",
    threadContext: {
      filePath: "/src/app.ts",
      rightFileStart: { line: 5, offset: 1 },
      rightFileEnd: { line: 6, offset: 1 },
    },
  });
  const system = fake.state.addThread(PR.repo, PR.number, { content: "Policy changed", author: "system" });
  system.comments[0].commentType = "system";
  assert.deepEqual(await client.listComments(PR), [
    {
      id: "1:1",
      body: "General",
      author: "someone",
      authorId: "id-someone",
      path: undefined,
      line: undefined,
      inline: false,
    },
    {
      id: "2:1",
      body: "Inline",
      author: "Loom Bot",
      authorId: "id-Loom Bot",
      path: "src/app.ts",
      line: 6,
      inline: true,
    },
  ]);
});

Deno.test("createAzureDevopsClient().postComment() and updateComment() use thread:comment ids", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  const id = await client.postComment(PR, "Hello");
  assert.equal(id, "1:1");
  await client.updateComment(PR, id, "Hello again");
  assert.deepEqual(fake.state.threads(PR.repo, PR.number)[0].comments[0].history, ["Hello", "Hello again"]);
  await assert.rejects(client.updateComment(PR, "17", "x"), TypeError);
});

Deno.test("createAzureDevopsClient().setStatus() posts a pull-request status tied to the commit's iteration", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  fake.state.pushCommit(PR.repo, PR.number, { headSha: PUSHED, files: { "src/extra.ts": "x\n" } });
  await client.setStatus(PR, { sha: HEAD, state: "pending", description: "Reviewing" });
  await client.setStatus(PR, {
    sha: PUSHED,
    state: "success",
    description: "No blockers",
    targetUrl: "https://loom.example/r/1",
    context: "security",
  });
  await client.setStatus(PR, {
    sha: "ffffffffffffffffffffffffffffffffffffffff",
    state: "error",
    description: "Failed",
  });
  await client.setStatus(PR, { sha: PUSHED, state: "failure", description: "Blocker" });
  // The context every review sets (lib/review/progress.ts) shows as `loom/review`, not `loom/loom/review`.
  await client.setStatus(PR, { sha: PUSHED, state: "pending", description: "Again", context: "loom/review" });
  assert.deepEqual(
    fake.state.statuses.map(({ repo: _repo, number: _number, id: _id, ...status }) => status),
    [
      {
        state: "pending",
        description: "Reviewing",
        context: { name: "review", genre: "loom" },
        iterationId: 1,
      },
      {
        state: "succeeded",
        description: "No blockers",
        context: { name: "security", genre: "loom" },
        targetUrl: "https://loom.example/r/1",
        iterationId: 2,
      },
      { state: "error", description: "Failed", context: { name: "review", genre: "loom" } },
      { state: "failed", description: "Blocker", context: { name: "review", genre: "loom" }, iterationId: 2 },
      { state: "pending", description: "Again", context: { name: "review", genre: "loom" }, iterationId: 2 },
    ],
  );
});

Deno.test("createAzureDevopsClient() sends api-version on every request", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  await client.getDiff(PR);
  await client.postReview(PR, { headSha: HEAD, summary: "s", event: "COMMENT", comments: [] });
  assert.ok(fake.requests.length > 5);
  for (const request of fake.requests) {
    // The location service's connectionData (Loom's own identity) exists only as a preview version.
    const expected = request.path.includes("/_apis/connectionData") ? "7.1-preview.1" : "7.1";
    assert.equal(new URL(request.path, fake.url).searchParams.get("api-version"), expected, request.path);
  }
});

Deno.test("createAzureDevopsClient() maps 429 and 5xx to retryable and 4xx to permanent PlatformErrors", async (t) => {
  const { fake, client } = setup();
  await using _ = fake;
  for (
    const [status, retryable] of [[429, true], [500, true], [503, true], [404, false], [400, false]] as const
  ) {
    await t.step(`${status}`, async () => {
      fake.state.failNext(
        "/pullRequests/7",
        status,
        status === 429 ? { headers: { "retry-after": "5" } } : undefined,
      );
      await assert.rejects(client.getPullRequest(PR), (error: unknown) => {
        assert.ok(error instanceof PlatformError);
        assert.equal(error.platform, "azure_devops");
        assert.equal(error.status, status);
        assert.equal(error.retryable, retryable);
        assert.match(
          error.message,
          /^Cannot get pull request "Fabrikam\/Fabrikam Web#7": Azure DevOps answered \d+: Scripted/,
        );
        return true;
      });
    });
  }
  await t.step("a wrong token", async () => {
    const wrong = createAzureDevopsClient({
      baseUrl: fake.url,
      organization: fake.organization,
      token: "nope",
    });
    await assert.rejects(
      wrong.getPullRequest(PR),
      (error: unknown) => error instanceof PlatformError && error.status === 401 && !error.retryable,
    );
  });
  await t.step("the 203 sign-in page for a request without credentials", async () => {
    const anonymous = createAzureDevopsClient({
      baseUrl: fake.url,
      organization: fake.organization,
      token: fake.token,
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        headers.delete("authorization");
        return fetch(input, { ...init, headers });
      },
    });
    await assert.rejects(
      anonymous.getPullRequest(PR),
      (error: unknown) =>
        error instanceof PlatformError && error.status === 203 && !error.retryable &&
        error.message.includes("sign-in page"),
    );
  });
  await t.step("a network failure", async () => {
    const offline = createAzureDevopsClient({
      baseUrl: fake.url,
      token: fake.token,
      organization: fake.organization,
      fetch: () => Promise.reject(new TypeError("connection refused")),
    });
    await assert.rejects(
      offline.getDiff(PR),
      (error: unknown) =>
        error instanceof PlatformError && error.retryable && error.cause instanceof TypeError,
    );
  });
});
