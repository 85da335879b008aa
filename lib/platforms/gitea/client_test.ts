import assert from "node:assert/strict";
import { loadServerConfig } from "../../config/env.ts";
import { type FakePullRequestSeed, startFakeGitea } from "../../../tests/fakes/gitea.ts";
import { PlatformError, type PullRequestRef } from "../types.ts";
import { createGiteaClient, toReviewComment } from "./client.ts";
import { SUMMARY_MARKER as GITEA_SUMMARY_MARKER } from "../../markers.ts";
import { createGiteaClientFromConfig } from "./mod.ts";

const DIFF = await Deno.readTextFile(new URL("./testdata/pull_request.diff", import.meta.url));
const HEAD = "a".repeat(40);
const BASE = "b".repeat(40);
const MERGE_BASE = "c".repeat(40);
const PR: PullRequestRef = { platform: "gitea", repo: "acme/app", number: 3 };

function seed(overrides: Partial<FakePullRequestSeed> = {}): FakePullRequestSeed {
  return {
    repo: PR.repo,
    number: PR.number,
    title: "Add things",
    author: "alice",
    headSha: HEAD,
    baseSha: BASE,
    mergeBase: MERGE_BASE,
    baseRef: "main",
    headRef: "feature",
    diff: DIFF,
    files: {
      "src/app.ts": { base: "const x = 1;\n", head: "const x = 2;\n" },
      "docs/a b.md": { head: "spaces\n" },
    },
    ...overrides,
  };
}

function setup(
  overrides: Partial<FakePullRequestSeed> = {},
  options: Parameters<typeof startFakeGitea>[0] = {},
) {
  const server = startFakeGitea(options);
  server.state.addPullRequest(seed(overrides));
  const client = createGiteaClient({ baseUrl: server.url, token: server.token });
  return { server, client };
}

async function rejectsWith(promise: Promise<unknown>, check: (error: PlatformError) => void): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof PlatformError, `expected PlatformError, got ${error}`);
    check(error);
    return true;
  });
}

Deno.test("createGiteaClient() getPullRequest uses the merge base as baseSha", async () => {
  const { server, client } = setup({ title: "WIP: Add things", labels: ["AI-Review"] });
  await using _ = server;
  assert.deepEqual(await client.getPullRequest(PR), {
    ref: PR,
    title: "WIP: Add things",
    body: "",
    labels: ["AI-Review"],
    author: "alice",
    authorIsBot: false,
    draft: false,
    state: "open",
    headSha: HEAD,
    headRef: "feature",
    baseSha: MERGE_BASE,
    baseRef: "main",
  });
});

Deno.test("createGiteaClient() getDiff returns the pull request's .diff", async () => {
  const { server, client } = setup();
  await using _ = server;
  assert.equal(await client.getDiff(PR), DIFF);
  assert.deepEqual(server.state.requests.map((request) => [request.path, request.query]), [
    ["/repos/acme/app/pulls/3.diff", { binary: "false" }],
  ]);
});

Deno.test("createGiteaClient() getCompareDiff reads the comparison's .diff, and null for an unknown commit or an older Gitea", async () => {
  const { server, client } = setup();
  await using _ = server;
  const since = "d".repeat(40);
  server.state.addComparison(PR.repo, since, HEAD, DIFF);
  assert.equal(await client.getCompareDiff(PR, since, HEAD), DIFF);
  assert.deepEqual(server.state.requests.at(-1)?.path, `/repos/acme/app/compare/${since}...${HEAD}.diff`);
  // Gitea answers 404 for a commit it does not have, and older Gitea for the whole endpoint.
  assert.equal(await client.getCompareDiff(PR, "e".repeat(40), HEAD), null);
  server.state.failNext({ path: "/compare/", status: 500 });
  await rejectsWith(client.getCompareDiff(PR, since, HEAD), (error) => {
    assert.equal(error.retryable, true);
    assert.match(error.message, /Cannot compare/);
  });
});

Deno.test("createGiteaClient() getFile reads raw files at a ref and returns null when missing", async () => {
  const { server, client } = setup();
  await using _ = server;
  assert.equal(await client.getFile(PR, "src/app.ts", HEAD), "const x = 2;\n");
  assert.equal(await client.getFile(PR, "src/app.ts", "main"), "const x = 1;\n");
  assert.equal(await client.getFile(PR, "docs/a b.md", HEAD), "spaces\n");
  assert.equal(await client.getFile(PR, "missing.ts", HEAD), null);
});

Deno.test("toReviewComment() uses file line numbers with 0 for the unused side", () => {
  assert.deepEqual(toReviewComment({ path: "a.ts", line: 42, side: "RIGHT", body: "b" }), {
    path: "a.ts",
    body: "b",
    new_position: 42,
    old_position: 0,
  });
  assert.deepEqual(toReviewComment({ path: "a.ts", line: 17, side: "LEFT", startLine: 15, body: "b" }), {
    path: "a.ts",
    body: "b",
    new_position: 0,
    old_position: 17,
  });
});

Deno.test("createGiteaClient() postReview posts one batch review with exact line payloads", async () => {
  const { server, client } = setup();
  await using _ = server;
  await client.postReview(PR, {
    headSha: HEAD,
    summary: "Summary.",
    event: "REQUEST_CHANGES",
    comments: [
      { path: "src/app.ts", line: 3, side: "RIGHT", body: "added" },
      { path: "src/app.ts", line: 5, side: "RIGHT", body: "context" },
      { path: "src/app.ts", line: 2, side: "LEFT", body: "removed" },
      { path: "src/gone.ts", line: 1, side: "LEFT", body: "deleted file" },
      { path: "src/new_name.ts", line: 1, side: "RIGHT", body: "renamed" },
      { path: "src/app.ts", line: 90, side: "RIGHT", body: "outside" },
    ],
  });
  const posts = server.state.requests.filter((request) => request.method === "POST");
  assert.equal(posts.length, 1);
  assert.equal(posts[0].path, "/repos/acme/app/pulls/3/reviews");
  const body = posts[0].body as Record<string, unknown>;
  assert.equal(body.event, "REQUEST_CHANGES");
  assert.equal(body.commit_id, HEAD);
  assert.deepEqual(body.comments, [
    { path: "src/app.ts", body: "added", new_position: 3, old_position: 0 },
    { path: "src/app.ts", body: "context", new_position: 5, old_position: 0 },
    { path: "src/app.ts", body: "removed", new_position: 0, old_position: 2 },
    { path: "src/gone.ts", body: "deleted file", new_position: 0, old_position: 1 },
    { path: "src/new_name.ts", body: "renamed", new_position: 1, old_position: 0 },
  ]);
  assert.match(
    String(body.body),
    /^Summary\.\n\n### Comments on lines outside the diff\n\n- `src\/app.ts:90`/,
  );
  assert.ok(String(body.body).endsWith(GITEA_SUMMARY_MARKER));
  assert.equal(server.state.reviews[0].event, "REQUEST_CHANGES");
});

Deno.test("createGiteaClient() postReview falls back to COMMENT when Gitea refuses a self-approval", async () => {
  const { server, client } = setup({ author: "loom-bot" });
  await using _ = server;
  await client.postReview(PR, { headSha: HEAD, summary: "Looks good.", event: "APPROVE", comments: [] });
  const events = server.state.requests
    .filter((request) => request.method === "POST")
    .map((request) => (request.body as { event: string }).event);
  assert.deepEqual(events, ["APPROVED", "COMMENT"]);
  assert.equal(server.state.reviews.length, 1);
  assert.equal(server.state.reviews[0].event, "COMMENT");
});

Deno.test("createGiteaClient() listComments pages past the server's silent page-size cap and reads review bodies", async () => {
  const { server, client } = setup({}, { maxResponseItems: 5 });
  await using _ = server;
  for (let index = 0; index < 12; index += 1) server.state.addReview({ repo: PR.repo, number: PR.number });
  server.state.addComment({ repo: PR.repo, number: PR.number, body: "@loom review", author: "alice" });
  await client.postReview(PR, {
    headSha: HEAD,
    summary: "s",
    event: "COMMENT",
    comments: [
      { path: "src/app.ts", line: 3, side: "RIGHT", body: "new side" },
      { path: "src/app.ts", line: 2, side: "LEFT", body: "old side" },
    ],
  });
  const pageSizeClient = createGiteaClient({ baseUrl: server.url, token: server.token, pageSize: 50 });
  const comments = await pageSizeClient.listComments(PR);
  // Loom's own comments carry the id of the token's user; another author's carry theirs.
  const loomId = (await pageSizeClient.identity()).id;
  assert.deepEqual(
    comments.map((comment) => comment.authorId === loomId),
    comments.map((comment) => comment.author === "loom-bot"),
  );
  assert.deepEqual(comments.map(({ id: _, authorId: _authorId, ...rest }) => rest), [
    { body: "@loom review", author: "alice", inline: false },
    // The review body, where Loom's summary lives, so a retried job sees its own summary.
    { body: `s\n\n${GITEA_SUMMARY_MARKER}`, author: "loom-bot", inline: false },
    { body: "new side", author: "loom-bot", path: "src/app.ts", line: 3, inline: true },
    { body: "old side", author: "loom-bot", path: "src/app.ts", line: 2, inline: true },
  ]);
  assert.equal(comments[1]!.id, `review:${server.state.reviews.at(-1)!.id}`);
  const pages = server.state.requests
    .filter((request) => request.path.endsWith("/reviews") && request.method === "GET")
    .map((request) => request.query.page);
  assert.deepEqual(pages, ["1", "2", "3"]);
});

Deno.test("createGiteaClient() postComment and updateComment edit the issue comment", async () => {
  const { server, client } = setup();
  await using _ = server;
  const id = await client.postComment(PR, "hello");
  await client.updateComment(PR, id, "hello again");
  assert.deepEqual(server.state.comments.map((comment) => [String(comment.id), comment.body]), [[
    id,
    "hello again",
  ]]);
});

Deno.test("createGiteaClient() updateComment treats Gitea's 204 as not edited", async () => {
  const { server, client } = setup({}, { legacyCommentEdit: true });
  await using _ = server;
  const id = await client.postComment(PR, "hello");
  await rejectsWith(client.updateComment(PR, id, "changed"), (error) => {
    assert.equal(error.status, 204);
    assert.equal(error.retryable, false);
  });
  assert.equal(server.state.comments[0].body, "hello");
});

Deno.test("createGiteaClient() setStatus posts the commit status", async () => {
  const { server, client } = setup();
  await using _ = server;
  await client.setStatus(PR, {
    sha: HEAD,
    state: "error",
    description: "Crashed",
    targetUrl: "https://l/r/1",
  });
  assert.deepEqual(server.state.statuses, [
    {
      repo: PR.repo,
      sha: HEAD,
      state: "error",
      context: "loom",
      description: "Crashed",
      target_url: "https://l/r/1",
    },
  ]);
  assert.equal(server.state.requests[0].path, `/repos/acme/app/statuses/${HEAD}`);
});

Deno.test("createGiteaClient() maps 429 and 5xx to retryable errors and 4xx to permanent ones", async (t) => {
  const { server, client } = setup();
  await using _ = server;
  await t.step("429", async () => {
    server.state.failNext({ path: "/pulls/3", status: 429, retryAfter: "30" });
    await rejectsWith(client.getPullRequest(PR), (error) => {
      assert.equal(error.status, 429);
      assert.equal(error.retryable, true);
      assert.match(error.message, /retry after 30 s/);
    });
  });
  await t.step("502", async () => {
    server.state.failNext({ path: ".diff", status: 502 });
    await rejectsWith(client.getDiff(PR), (error) => assert.equal(error.retryable, true));
  });
  await t.step("404", async () => {
    await rejectsWith(client.getPullRequest({ ...PR, number: 404 }), (error) => {
      assert.equal(error.status, 404);
      assert.equal(error.retryable, false);
      assert.match(error.message, /pull request does not exist/);
    });
  });
  await t.step("422 on an invalid review", async () => {
    server.state.failNext({ method: "POST", path: "/reviews", status: 422 });
    await rejectsWith(
      client.postReview(PR, { headSha: HEAD, summary: "s", event: "COMMENT", comments: [] }),
      (error) => assert.equal(error.retryable, false),
    );
  });
});

Deno.test("createGiteaClient() sends the token and uses the injected fetch", async () => {
  const { server } = setup();
  await using _ = server;
  const seen: string[] = [];
  const client = createGiteaClient({
    baseUrl: `${server.url}/api/v1/`,
    token: server.token,
    fetch: (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    },
  });
  await client.getPullRequest(PR);
  assert.deepEqual(seen, [`${server.url}/api/v1/repos/acme/app/pulls/3`]);
  const wrong = createGiteaClient({ baseUrl: server.url, token: "wrong" });
  await rejectsWith(wrong.getPullRequest(PR), (error) => assert.equal(error.status, 401));
});

Deno.test("createGiteaClientFromConfig() uses LOOM_GITEA_URL and LOOM_GITEA_TOKEN", async () => {
  const { server } = setup();
  await using _ = server;
  const config = loadServerConfig({ LOOM_GITEA_URL: server.url, LOOM_GITEA_TOKEN: server.token });
  assert.equal((await createGiteaClientFromConfig(config).getPullRequest(PR)).headSha, HEAD);
  assert.throws(() => createGiteaClientFromConfig(loadServerConfig({})), /set LOOM_GITEA_URL/);
  const noToken = loadServerConfig({ LOOM_GITEA_URL: server.url });
  assert.throws(() => createGiteaClientFromConfig(noToken), /set LOOM_GITEA_TOKEN/);
});
