import assert from "node:assert/strict";
import { type FakeBitbucket, startFakeBitbucket } from "../../../tests/fakes/bitbucket.ts";
import { PlatformError, type PullRequestRef } from "../types.ts";
import { createBitbucketClient, SUMMARY_MARKER } from "./client.ts";

const HEAD = "d3022fc0ca3d1a2b3c4d5e6f708192a3b4c5d6e7";
const BASE = "ce5965ddd2891a2b3c4d5e6f708192a3b4c5d6e7";
const PR: PullRequestRef = { platform: "bitbucket", repo: "team_name/repo_name", number: 1 };
const DIFF = [
  "diff --git a/src/app.ts b/src/app.ts",
  "index 1111111..2222222 100644",
  "--- a/src/app.ts",
  "+++ b/src/app.ts",
  "@@ -1,3 +1,3 @@",
  " const a = 1;",
  "-const b = 2;",
  "+const b = 3;",
  " export { a, b };",
  "",
].join("\n");

function seed(fake: FakeBitbucket): void {
  fake.state.addPullRequest({
    repo: PR.repo,
    number: PR.number,
    title: "Title of pull request",
    author: "emmap1",
    headSha: HEAD,
    baseSha: BASE,
    baseRef: "master",
    headRef: "feature/branch2",
    diff: DIFF,
    files: {
      "src/app.ts": {
        base: "const a = 1;\nconst b = 2;\nexport { a, b };\n",
        head: "const a = 1;\nconst b = 3;\nexport { a, b };\n",
      },
      "docs/new file.md": { head: "# New\n" },
    },
  });
}

function setup(options: { maxPageLength?: number } = {}) {
  const fake = startFakeBitbucket(options);
  seed(fake);
  const sleeps: number[] = [];
  const client = createBitbucketClient({
    baseUrl: fake.apiUrl,
    token: fake.token,
    commentDelayMs: 250,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
  return { fake, client, sleeps };
}

Deno.test("createBitbucketClient().getCompareDiff() asks for the new head against the old one, and null for an unknown commit", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  const since = "a".repeat(40);
  fake.state.addComparison(PR.repo, since, HEAD, DIFF);
  assert.equal(await client.getCompareDiff(PR, since, HEAD), DIFF);
  const sent = fake.requests.at(-1)!;
  assert.match(
    sent.path,
    new RegExp(`/diff/${HEAD}\\.\\.${since}`),
    "Bitbucket's spec names the changes first",
  );
  // The reversed spec is another diff; the fake has none for it, as Bitbucket has none for an unknown commit.
  assert.equal(await client.getCompareDiff(PR, HEAD, since), null);
  fake.state.failNext(/\/diff\//, 503);
  await assert.rejects(
    client.getCompareDiff(PR, since, HEAD),
    (error: unknown) =>
      error instanceof PlatformError && error.retryable && /Cannot compare/.test(error.message),
  );
});

Deno.test("createBitbucketClient().getPullRequest() resolves abbreviated hashes to full ones", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  assert.deepEqual(await client.getPullRequest(PR), {
    labels: null,
    authorIsBot: false,
    ref: PR,
    title: "Title of pull request",
    body: "",
    author: "emmap1",
    draft: false,
    state: "open",
    headSha: HEAD,
    headRef: "feature/branch2",
    baseSha: BASE,
    baseRef: "master",
  });
  assert.ok(
    fake.requests.some((request) =>
      request.path === `/2.0/repositories/team_name/repo_name/commit/${HEAD.slice(0, 12)}`
    ),
  );
  assert.equal(fake.requests[0].headers.get("authorization"), `Bearer ${fake.token}`);
});

Deno.test("createBitbucketClient() sends an email:token API token as Basic auth", async () => {
  await using fake = startFakeBitbucket({ token: "ATATT3xFfGF0" });
  seed(fake);
  const client = createBitbucketClient({ baseUrl: fake.apiUrl, token: "me@example.com:ATATT3xFfGF0" });
  await client.getPullRequest(PR);
  assert.equal(fake.requests[0].headers.get("authorization"), `Basic ${btoa("me@example.com:ATATT3xFfGF0")}`);
});

Deno.test("createBitbucketClient().getDiff() follows the redirect to the diff spec", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  assert.equal(await client.getDiff(PR), DIFF);
  assert.deepEqual(fake.requests.map((request) => request.path), [
    "/2.0/repositories/team_name/repo_name/pullrequests/1/diff",
    `/2.0/repositories/team_name/repo_name/diff/team_name/repo_name:${HEAD.slice(0, 12)}%0D${
      BASE.slice(0, 12)
    }`,
  ]);
  assert.equal(fake.requests[1].headers.get("authorization"), `Bearer ${fake.token}`);
});

Deno.test("createBitbucketClient().getFile() reads a file at a commit or branch and returns null when absent", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  assert.equal(
    await client.getFile(PR, "src/app.ts", HEAD),
    "const a = 1;\nconst b = 3;\nexport { a, b };\n",
  );
  assert.equal(
    await client.getFile(PR, "src/app.ts", "master"),
    "const a = 1;\nconst b = 2;\nexport { a, b };\n",
  );
  assert.equal(await client.getFile(PR, "docs/new file.md", "feature/branch2"), "# New\n");
  assert.equal(await client.getFile(PR, "docs/new file.md", BASE), null);
  assert.ok(
    fake.requests.some((request) => request.path.endsWith("/src/feature%2Fbranch2/docs/new%20file.md")),
  );
});

Deno.test("createBitbucketClient().listComments() follows next links across pages", async () => {
  const { fake, client } = setup({ maxPageLength: 2 });
  await using _ = fake;
  fake.state.addComment(PR.repo, PR.number, { body: "general", author: "emmap1" });
  fake.state.addComment(PR.repo, PR.number, { body: "on new line", inline: { path: "src/app.ts", to: 2 } });
  fake.state.addComment(PR.repo, PR.number, { body: "on old line", inline: { path: "src/app.ts", from: 2 } });
  fake.state.addComment(PR.repo, PR.number, { body: "fourth" });
  fake.state.addComment(PR.repo, PR.number, { body: "fifth" });
  const comments = await client.listComments(PR);
  assert.deepEqual(comments.map((comment) => comment.body), [
    "general",
    "on new line",
    "on old line",
    "fourth",
    "fifth",
  ]);
  assert.deepEqual(comments[1], {
    id: "1001",
    body: "on new line",
    author: "loom-bot",
    authorId: "{loom-bot}",
    path: "src/app.ts",
    line: 2,
    inline: true,
  });
  assert.deepEqual(comments[2].line, 2);
  assert.deepEqual(comments[0], {
    id: "1000",
    body: "general",
    author: "emmap1",
    authorId: "{emmap1}",
    path: undefined,
    line: undefined,
    inline: false,
  });
  const listCalls = fake.requests.filter((request) => request.path.includes("/comments"));
  assert.deepEqual(listCalls.map((request) => request.path), [
    "/2.0/repositories/team_name/repo_name/pullrequests/1/comments?pagelen=100",
    "/2.0/repositories/team_name/repo_name/pullrequests/1/comments?pagelen=2&page=2",
    "/2.0/repositories/team_name/repo_name/pullrequests/1/comments?pagelen=2&page=3",
  ]);
});

Deno.test("createBitbucketClient().listComments() refuses a next link to another origin", async () => {
  const client = createBitbucketClient({
    baseUrl: "https://api.bitbucket.example/2.0",
    token: "t",
    fetch: () => Promise.resolve(Response.json({ values: [], next: "https://evil.example/steal" })),
  });
  await assert.rejects(
    client.listComments(PR),
    (error: unknown) =>
      error instanceof PlatformError && error.message.includes('"https://evil.example/steal"') &&
      !error.retryable,
  );
});

Deno.test("createBitbucketClient().postReview() posts one anchored comment per request, throttled", async () => {
  const { fake, client, sleeps } = setup();
  await using _ = fake;
  await client.postReview(PR, {
    headSha: HEAD,
    summary: "## Loom review\n2 findings",
    event: "COMMENT",
    comments: [
      { path: "src/app.ts", line: 2, side: "RIGHT", body: "New-side finding" },
      { path: "src/app.ts", line: 2, side: "LEFT", body: "Old-side finding" },
      { path: "src/app.ts", line: 3, startLine: 2, side: "RIGHT", body: "Range finding" },
    ],
  });
  const posted = fake.requests.filter((request) => request.method === "POST");
  assert.deepEqual(posted.map((request) => request.body), [
    { content: { raw: "New-side finding" }, inline: { path: "src/app.ts", to: 2 } },
    { content: { raw: "Old-side finding" }, inline: { path: "src/app.ts", from: 2 } },
    { content: { raw: "Range finding" }, inline: { path: "src/app.ts", to: 3 } },
    { content: { raw: `## Loom review\n2 findings\n\n${SUMMARY_MARKER}` } },
  ]);
  // Four comment requests, three pauses between them.
  assert.deepEqual(sleeps, [250, 250, 250]);
  const stored = fake.state.comments(PR.repo, PR.number);
  assert.deepEqual(stored.map((comment) => comment.inline ?? null), [
    { path: "src/app.ts", from: null, to: 2 },
    { path: "src/app.ts", from: 2, to: null },
    { path: "src/app.ts", from: null, to: 3 },
    null,
  ]);
  assert.deepEqual(fake.state.reviews, []);
});

Deno.test("createBitbucketClient().postReview() updates the summary in place on a second review", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  fake.state.addComment(PR.repo, PR.number, { body: "Someone else's comment", author: "emmap1" });
  await client.postReview(PR, { headSha: HEAD, summary: "First", event: "COMMENT", comments: [] });
  await client.postReview(PR, { headSha: HEAD, summary: "Second", event: "APPROVE", comments: [] });
  const comments = fake.state.comments(PR.repo, PR.number);
  assert.equal(comments.length, 2);
  assert.deepEqual(comments[1].history, [`First\n\n${SUMMARY_MARKER}`, `Second\n\n${SUMMARY_MARKER}`]);
  assert.deepEqual(
    fake.requests.filter((request) => request.method === "PUT").map((request) => request.path),
    [`/2.0/repositories/team_name/repo_name/pullrequests/1/comments/${comments[1].id}`],
  );
  assert.deepEqual(fake.state.reviews, [{ repo: PR.repo, number: 1, kind: "approve" }]);
});

Deno.test("createBitbucketClient().postReview() never edits someone else's comment that carries the summary marker", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  const spoofed = `Looks done to me\n\n${SUMMARY_MARKER}`;
  fake.state.addComment(PR.repo, PR.number, { body: spoofed, author: "mallory" });
  await client.postReview(PR, { headSha: HEAD, summary: "First", event: "COMMENT", comments: [] });
  const comments = fake.state.comments(PR.repo, PR.number);
  assert.equal(comments.length, 2, "Loom posts its own summary");
  assert.deepEqual(comments[0].history, [spoofed]);
  assert.equal(comments[1].author, "loom-bot");
  assert.equal(fake.requests.filter((request) => request.method === "PUT").length, 0);
});

Deno.test("createBitbucketClient().postReview() renders suggestions as diff blocks of the anchored lines", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  await client.postReview(PR, {
    headSha: HEAD,
    summary: "s",
    event: "REQUEST_CHANGES",
    comments: [{
      path: "src/app.ts",
      line: 2,
      side: "RIGHT",
      body: "Use a named constant.\n\n```suggestion\nconst b = THREE;\n```\n",
    }],
  });
  const [inline] = fake.state.comments(PR.repo, PR.number);
  assert.equal(inline.body, "Use a named constant.\n\n```diff\n-const b = 3;\n+const b = THREE;\n```\n");
  assert.deepEqual(fake.state.reviews, [{ repo: PR.repo, number: 1, kind: "request-changes" }]);
});

Deno.test("createBitbucketClient().postComment() and updateComment() create and edit a general comment", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  const id = await client.postComment(PR, "Hello");
  await client.updateComment(PR, id, "Hello again");
  const [comment] = fake.state.comments(PR.repo, PR.number);
  assert.equal(String(comment.id), id);
  assert.deepEqual(comment.history, ["Hello", "Hello again"]);
  assert.equal(comment.inline, undefined);
});

Deno.test("createBitbucketClient().setStatus() posts a build status on the full-length hash", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  await client.setStatus(PR, { sha: HEAD.slice(0, 12), state: "pending", description: "Reviewing" });
  await client.setStatus(PR, {
    sha: HEAD,
    state: "success",
    description: "2 findings",
    targetUrl: "https://loom.example/reviews/7",
  });
  await client.setStatus(PR, {
    sha: HEAD,
    state: "failure",
    description: "Blocker found",
    context: "security",
  });
  assert.deepEqual(fake.state.statuses, [
    {
      repo: PR.repo,
      sha: HEAD,
      key: "loom",
      state: "SUCCESSFUL",
      name: "Loom",
      description: "2 findings",
      url: "https://loom.example/reviews/7",
      refname: "feature/branch2",
    },
    {
      repo: PR.repo,
      sha: HEAD,
      key: "security",
      state: "FAILED",
      name: "Loom security",
      description: "Blocker found",
      url: "https://bitbucket.org/team_name/repo_name/pull-requests/1",
      refname: "feature/branch2",
    },
  ]);
  const statusPaths = fake.requests.filter((request) => request.path.endsWith("/statuses/build"));
  assert.ok(statusPaths.every((request) => request.path.includes(`/commit/${HEAD}/`)));
  assert.equal(statusPaths.length, 3);
});

Deno.test("createBitbucketClient() maps 429 and 5xx to retryable and 4xx to permanent PlatformErrors", async (t) => {
  const { fake, client } = setup();
  await using _ = fake;
  for (
    const [status, retryable] of [[429, true], [500, true], [503, true], [404, false], [403, false], [
      400,
      false,
    ]] as const
  ) {
    await t.step(`${status}`, async () => {
      fake.state.failNext(
        "/pullrequests/1",
        status,
        status === 429 ? { headers: { "retry-after": "30" } } : undefined,
      );
      await assert.rejects(client.getPullRequest(PR), (error: unknown) => {
        assert.ok(error instanceof PlatformError);
        assert.equal(error.platform, "bitbucket");
        assert.equal(error.status, status);
        assert.equal(error.retryable, retryable);
        assert.match(
          error.message,
          /^Cannot get pull request "team_name\/repo_name#1": Bitbucket answered \d+: Scripted failure/,
        );
        return true;
      });
    });
  }
  await t.step("a bad token", async () => {
    const wrong = createBitbucketClient({ baseUrl: fake.apiUrl, token: "wrong" });
    await assert.rejects(
      wrong.getPullRequest(PR),
      (error: unknown) => error instanceof PlatformError && error.status === 401 && !error.retryable,
    );
  });
  await t.step("a network failure", async () => {
    const offline = createBitbucketClient({
      baseUrl: fake.apiUrl,
      token: fake.token,
      fetch: () => Promise.reject(new TypeError("connection refused")),
    });
    await assert.rejects(
      offline.getDiff(PR),
      (error: unknown) =>
        error instanceof PlatformError && error.retryable && error.cause instanceof TypeError,
    );
  });
});

Deno.test("createBitbucketClient() rejects a repository name that is not workspace/slug", async () => {
  const client = createBitbucketClient({ token: "t", fetch: () => Promise.reject(new Error("unreachable")) });
  await assert.rejects(client.getDiff({ ...PR, repo: "just-a-name" }), TypeError);
});

Deno.test("createBitbucketClient() reads a whole nested thread from any comment in it and replies there", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  const inline = { path: "src/app.ts", to: 2 };
  const root = fake.state.addComment(PR.repo, PR.number, {
    body: "**Magic number** <!-- loom:fp=0123456789abcdef -->",
    inline,
  });
  const dispute = fake.state.addComment(PR.repo, PR.number, {
    body: "It is documented.",
    inline,
    author: "ada",
  });
  dispute.parentId = root.id;
  const answer = fake.state.addComment(PR.repo, PR.number, { body: "Where?", inline });
  answer.parentId = dispute.id;
  const other = fake.state.addComment(PR.repo, PR.number, { body: "Unrelated.", inline, author: "ada" });
  const again = fake.state.addComment(PR.repo, PR.number, { body: "In the README.", inline, author: "ada" });
  again.parentId = answer.id;

  for (const start of [root.id, dispute.id, answer.id, again.id]) {
    const thread = await client.listThreadComments(PR, String(start));
    assert.deepEqual(
      thread.map((comment) => comment.id),
      [root, dispute, answer, again].map((c) => String(c.id)),
    );
  }
  const thread = await client.listThreadComments(PR, String(answer.id));
  assert.deepEqual(thread.map((comment) => comment.author), ["loom-bot", "ada", "loom-bot", "ada"]);
  assert.equal(thread[0]!.authorId, (await client.identity()).id, "Loom's comments carry its account uuid");
  assert.deepEqual((await client.listThreadComments(PR, String(other.id))).map((c) => c.body), [
    "Unrelated.",
  ]);
  assert.deepEqual(await client.listThreadComments(PR, "999999"), []);

  const id = await client.replyInThread(PR, String(again.id), "Thanks, I missed that.");
  const posted = fake.state.comments(PR.repo, PR.number).find((comment) => String(comment.id) === id)!;
  assert.equal(posted.parentId, again.id, "the reply answers the comment the thread id names");
  assert.deepEqual(posted.inline, { path: "src/app.ts", from: null, to: 2 }, "and sits on the same line");
});
