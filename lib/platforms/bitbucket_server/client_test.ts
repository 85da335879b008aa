import assert from "node:assert/strict";
import { type FakeBitbucketServer, startFakeBitbucketServer } from "../../../tests/fakes/bitbucket_server.ts";
import { PlatformError, type PullRequestRef } from "../types.ts";
import { createBitbucketServerClient } from "./client.ts";
import { Activity } from "./schema.ts";
import { fitComment, MAX_COMMENT_CHARS } from "./comment_length.ts";

const HEAD = "d3022fc0ca3d1a2b3c4d5e6f708192a3b4c5d6e7";
const BASE = "ce5965ddd2891a2b3c4d5e6f708192a3b4c5d6e7";
const PR: PullRequestRef = { platform: "bitbucket_server", repo: "PLAT/app", number: 3 };
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

function setup() {
  const fake = startFakeBitbucketServer();
  fake.state.addPullRequest({
    repo: PR.repo,
    number: PR.number,
    title: "Bump b",
    author: "ada",
    headSha: HEAD,
    baseSha: BASE,
    baseRef: "main",
    headRef: "bump",
    diff: DIFF,
    files: {
      "src/app.ts": {
        base: "const a = 1;\nconst b = 2;\nexport { a, b };\n",
        head: "const a = 1;\nconst b = 3;\nexport { a, b };\n",
      },
    },
  });
  const sleeps: number[] = [];
  const client = createBitbucketServerClient({
    // A URL given with the API path still addresses the instance root.
    baseUrl: `${fake.url}/rest/api/1.0/`,
    token: fake.token,
    commentDelayMs: 250,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
  return { fake, client, sleeps };
}

function posted(fake: FakeBitbucketServer) {
  return fake.requests.filter((request) => request.method === "POST" && request.path.endsWith("/comments"));
}

Deno.test("createBitbucketServerClient() reads the pull request, its diff and its files", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  assert.deepEqual(await client.getPullRequest(PR), {
    ref: PR,
    title: "Bump b",
    body: "",
    labels: null,
    author: "ada",
    authorIsBot: false,
    draft: false,
    state: "open",
    headSha: HEAD,
    headRef: "bump",
    baseSha: BASE,
    baseRef: "main",
  });
  assert.equal(await client.getDiff(PR), DIFF);
  assert.ok(
    fake.requests.some((request) =>
      request.path.startsWith("/rest/api/latest/projects/PLAT/repos/app/pull-requests/3/diff?")
    ),
  );
  assert.equal(
    await client.getFile(PR, "src/app.ts", HEAD),
    "const a = 1;\nconst b = 3;\nexport { a, b };\n",
  );
  assert.equal(await client.getFile(PR, "src/missing.ts", HEAD), null);
  assert.equal(
    fake.requests.every((request) => request.headers.get("authorization") === `Bearer ${fake.token}`),
    true,
  );
});

Deno.test("createBitbucketServerClient().getCompareDiff() reads the raw diff between the two commits, null for an unknown commit", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  fake.state.addCommitDiff(PR.repo, BASE, HEAD, DIFF);
  assert.equal(await client.getCompareDiff(PR, BASE, HEAD), DIFF);
  assert.equal(await client.getCompareDiff(PR, "f".repeat(40), HEAD), null);
});

Deno.test("createBitbucketServerClient().postReview() anchors each comment by line type and file side", async () => {
  const { fake, client, sleeps } = setup();
  await using _ = fake;
  await client.postReview(PR, {
    headSha: HEAD,
    summary: "## Loom review\n\nTwo findings.",
    event: "COMMENT",
    comments: [
      { path: "src/app.ts", line: 2, side: "RIGHT", body: "added line", severity: "warning" },
      { path: "src/app.ts", line: 2, side: "LEFT", body: "removed line", severity: "blocker" },
      { path: "src/app.ts", line: 1, side: "RIGHT", body: "context line" },
    ],
  });
  const bodies = posted(fake).map((request) => request.body as Record<string, unknown>);
  assert.deepEqual(bodies.slice(0, 3), [
    {
      text: "added line",
      anchor: { path: "src/app.ts", line: 2, lineType: "ADDED", fileType: "TO", diffType: "EFFECTIVE" },
    },
    {
      text: "removed line",
      anchor: { path: "src/app.ts", line: 2, lineType: "REMOVED", fileType: "FROM", diffType: "EFFECTIVE" },
      severity: "BLOCKER",
    },
    {
      text: "context line",
      anchor: { path: "src/app.ts", line: 1, lineType: "CONTEXT", fileType: "TO", diffType: "EFFECTIVE" },
    },
  ]);
  const stored = fake.state.comments(PR.repo, PR.number);
  assert.equal(stored.length, 4, "three inline comments and the summary");
  assert.equal(stored[1]!.severity, "BLOCKER");
  assert.match(stored[3]!.text, /<!-- loom:summary -->/);
  assert.deepEqual(sleeps, [250, 250, 250], "comments are paced, the first one is not");
});

Deno.test("createBitbucketServerClient() edits its own summary in place with the comment's version", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  // Someone else's comment carrying the marker is not Loom's summary.
  fake.state.addComment(PR.repo, PR.number, { text: "<!-- loom:summary --> fake", author: "mallory" });
  const review = { headSha: HEAD, summary: "first", event: "COMMENT" as const, comments: [] };
  await client.postReview(PR, review);
  const ownId =
    fake.state.comments(PR.repo, PR.number).find((comment) => comment.author === fake.botName)!.id;
  // Someone edits the summary between Loom's read and its write: the stale version is refused, read again.
  fake.state.failNext(`PUT /rest/api/1.0/projects/PLAT/repos/app/pull-requests/3/comments/${ownId}`, 409);
  await client.postReview(PR, { ...review, summary: "second" });
  const comments = fake.state.comments(PR.repo, PR.number);
  assert.equal(comments.length, 2, "no second summary");
  const own = comments.find((comment) => comment.id === ownId)!;
  assert.deepEqual(own.history.map((text) => text.replace(/\s*<!--.*-->\s*/g, "")), ["first", "second"]);
  assert.equal(own.version, 1);
  assert.equal(comments[0]!.text, "<!-- loom:summary --> fake");
});

Deno.test("createBitbucketServerClient().listComments() follows pages of activities, oldest first, with anchors", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  for (let index = 0; index < 130; index++) {
    fake.state.addComment(PR.repo, PR.number, { text: `comment ${index}`, author: "ada" });
  }
  fake.state.addComment(PR.repo, PR.number, {
    text: "inline",
    anchor: { path: "src/app.ts", line: 2, lineType: "ADDED", fileType: "TO" },
  });
  const comments = await client.listComments(PR);
  assert.equal(comments.length, 131);
  assert.equal(comments[0]!.body, "comment 0");
  assert.deepEqual(comments[130], {
    id: String(fake.state.comments(PR.repo, PR.number)[130]!.id),
    body: "inline",
    author: "loom-bot",
    authorId: "loom-bot",
    path: "src/app.ts",
    line: 2,
    inline: true,
  });
  assert.equal(fake.requests.filter((request) => request.path.includes("/activities?")).length, 2);
  assert.deepEqual(await client.identity(), { id: "loom-bot", name: "loom-bot" });
});

Deno.test("createBitbucketServerClient().setStatus() posts a build status on the head commit", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  await client.setStatus(PR, { sha: HEAD, state: "pending", description: "Reviewing" });
  await client.setStatus(PR, {
    sha: HEAD,
    state: "success",
    description: "No problems",
    targetUrl: "https://loom.example/reviews/1",
  });
  assert.deepEqual(fake.state.builds, [{
    repo: PR.repo,
    sha: HEAD,
    key: "loom/review",
    state: "SUCCESSFUL",
    name: "Loom review",
    description: "No problems",
    url: "https://loom.example/reviews/1",
  }]);
  assert.ok(
    fake.requests.some((request) =>
      request.path === `/rest/api/latest/projects/PLAT/repos/app/commits/${HEAD}/builds`
    ),
  );
});

Deno.test("createBitbucketServerClient().canWrite() finds effective write access, and only for the exact login", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  fake.state.grant(PR.repo, "ada", "REPO_WRITE", { direct: false });
  fake.state.grant(PR.repo, "root", "REPO_ADMIN");
  fake.state.grant(PR.repo, "eve", "REPO_READ");
  fake.state.grant(PR.repo, "grace", "REPO_READ");
  fake.state.grant(PR.repo, "grace", "REPO_WRITE", { direct: false });
  fake.state.grant("PLAT/other", "mallory", "REPO_ADMIN");
  fake.state.grant(PR.repo, "adam", "REPO_WRITE");
  assert.equal(await client.canWrite(PR, { login: "ada" }), true, "write through a group");
  assert.equal(await client.canWrite(PR, { login: "ADA" }), true, "logins compare without case");
  assert.equal(await client.canWrite(PR, { login: "root" }), true, "admin includes write");
  assert.equal(
    await client.canWrite(PR, { login: "grace" }),
    true,
    "a direct read grant does not hide a group's write",
  );
  assert.equal(await client.canWrite(PR, { login: "eve" }), false, "read-only");
  assert.equal(await client.canWrite(PR, { login: "mallory" }), false, "admin of another repository");
  assert.equal(
    await client.canWrite(PR, { login: "ad" }),
    false,
    "a part of a writer's login is not a writer",
  );
  assert.equal(await client.canWrite(PR, { login: "nobody" }), false, "a user Data Center does not know");
  // The token is no repository admin: its permission list is refused and the users search answers.
  assert.ok(fake.requests.some((request) => request.path.includes("/permissions/users?")));
});

Deno.test("createBitbucketServerClient().canWrite() takes a repository admin token's direct write grant at once", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  fake.state.grant(PR.repo, fake.botName, "REPO_ADMIN");
  fake.state.grant(PR.repo, "ada", "REPO_WRITE");
  assert.equal(await client.canWrite(PR, { login: "ada" }), true);
  assert.equal(fake.requests.filter((request) => request.path.startsWith("/rest/api/1.0/users?")).length, 0);
});

Deno.test("createBitbucketServerClient() works with an older or proxied server through the fallbacks", async () => {
  const fake = startFakeBitbucketServer({ legacy: true });
  await using _ = fake;
  fake.state.addPullRequest({
    repo: PR.repo,
    number: PR.number,
    title: "Bump b",
    author: "ada",
    headSha: HEAD,
    baseSha: BASE,
    baseRef: "main",
    headRef: "bump",
    diff: DIFF,
    files: {},
  });
  const client = createBitbucketServerClient({ baseUrl: fake.url, token: fake.token, commentDelayMs: 0 });
  assert.deepEqual(await client.identity(), { id: "loom-bot", name: "loom-bot" }, "from X-AUSERNAME");
  assert.equal(await client.getDiff(PR), DIFF, "from ….diff when …/diff answers JSON");
  await client.setStatus(PR, { sha: HEAD, state: "failure", description: "Changes requested" });
  assert.equal(fake.state.builds[0]?.state, "FAILED");
  assert.ok(fake.requests.some((request) => request.path === `/rest/build-status/1.0/commits/${HEAD}`));
});

Deno.test("createBitbucketServerClient() cuts a summary over Data Center's limit and keeps Loom's markers", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  const markers = "<!-- loom:fp=0123abcd -->\n<!-- loom:head=" + HEAD + " -->";
  await client.postReview(PR, {
    headSha: HEAD,
    summary: `## Loom review\n\n${"A finding worth reading. ".repeat(2_000)}\n\n${markers}`,
    event: "COMMENT",
    comments: [],
  });
  const [summary] = fake.state.comments(PR.repo, PR.number);
  assert.ok(summary!.text.length <= MAX_COMMENT_CHARS, `${summary!.text.length} characters`);
  assert.match(summary!.text, /cut to fit/);
  for (const marker of ["<!-- loom:fp=0123abcd -->", `<!-- loom:head=${HEAD} -->`, "<!-- loom:summary -->"]) {
    assert.ok(summary!.text.includes(marker), marker);
  }
  assert.equal(fitComment("short"), "short");
});

Deno.test("createBitbucketServerClient() reports Data Center's error messages and which errors are worth retrying", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  await assert.rejects(
    () => client.getPullRequest({ ...PR, number: 99 }),
    (error: unknown) =>
      error instanceof PlatformError && error.status === 404 && !error.retryable &&
      /Pull request 99 does not exist/.test(error.message),
  );
  fake.state.failNext("GET /rest/api/1.0/projects/PLAT/repos/app/pull-requests/3", 503);
  await assert.rejects(
    () => client.getPullRequest(PR),
    (error: unknown) => error instanceof PlatformError && error.retryable,
  );
  const wrong = createBitbucketServerClient({ baseUrl: fake.url, token: "wrong" });
  await assert.rejects(
    () => wrong.getDiff(PR),
    (error: unknown) => error instanceof PlatformError && error.status === 401,
  );
  await assert.rejects(() => client.getPullRequest({ ...PR, repo: "no-slash" }), TypeError);
});

Deno.test("a comment anchor's path is read as a string or as the REST path object", () => {
  const anchor = { line: 2, lineType: "ADDED", fileType: "TO" };
  const read = (path: unknown) =>
    Activity.parse({ action: "COMMENTED", commentAction: "ADDED", commentAnchor: { ...anchor, path } })
      .commentAnchor?.path;
  assert.equal(read("src/app.ts"), "src/app.ts");
  assert.equal(read({ components: ["src", "app.ts"], name: "app.ts", toString: "src/app.ts" }), "src/app.ts");
  assert.throws(() => read(42));
});
