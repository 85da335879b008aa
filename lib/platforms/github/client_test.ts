import assert from "node:assert/strict";
import parseDiff from "parse-diff";
import { silentLogger } from "../../log.ts";
import { createGitHubClient } from "./client.ts";
import { makeGitDiff } from "../../../tests/fakes/git_diff.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../../../tests/fakes/github.ts";
import {
  APP_BASE,
  APP_HEAD,
  lines,
  PR,
  rejectsWith,
  tokenClient,
  withFake,
} from "../../../tests/support/github_client_setup.ts";

Deno.test("createGitHubClient() getPullRequest() maps the pull request and sends the token", async () => {
  await withFake({}, async (fake, { baseSha, headSha }) => {
    const pullRequest = await tokenClient(fake).getPullRequest(PR);
    assert.deepEqual(pullRequest, {
      ref: PR,
      title: "Add the thing",
      body: "",
      labels: [],
      author: "mona",
      authorIsBot: false,
      draft: false,
      state: "open",
      headSha,
      headRef: "feature/thing",
      baseSha,
      baseRef: "main",
    });
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, "/repos/octo/hello/pulls/7");
    assert.equal(request.headers.get("authorization"), `token ${FAKE_GITHUB_TOKEN}`);
    assert.match(request.headers.get("user-agent") ?? "", /^loom /);
  });
});

Deno.test("createGitHubClient() getPullRequest() reads the labels and a bot author as they are now", async () => {
  await withFake({}, async (fake) => {
    const stored = fake.state.pullRequests.get(`${PR.repo}#${PR.number}`)!;
    stored.labels.push("AI-Review", "no-review");
    stored.author = { login: "renovate[bot]", type: "Bot" };
    const pullRequest = await tokenClient(fake).getPullRequest(PR);
    assert.deepEqual(pullRequest.labels, ["AI-Review", "no-review"]);
    assert.equal(pullRequest.author, "renovate[bot]");
    assert.equal(pullRequest.authorIsBot, true);
  });
});

Deno.test("createGitHubClient() getPullRequest() reports merged and closed states", async () => {
  await using fake = startFakeGitHub();
  const { diff, baseSha, headSha } = await makeGitDiff({ "a.txt": { base: "a\n", head: "b\n" } });
  fake.state.addPullRequest({
    repo: PR.repo,
    number: 1,
    headSha,
    baseSha,
    diff,
    state: "merged",
    draft: true,
  });
  fake.state.addPullRequest({ repo: PR.repo, number: 2, headSha, baseSha, diff, state: "closed" });
  const client = tokenClient(fake);
  const merged = await client.getPullRequest({ ...PR, number: 1 });
  assert.equal(merged.state, "merged");
  assert.equal(merged.draft, true);
  assert.equal((await client.getPullRequest({ ...PR, number: 2 })).state, "closed");
  await rejectsWith(client.getPullRequest({ ...PR, number: 3 }), { status: 404, retryable: false });
});

Deno.test("createGitHubClient() getFile() decodes base64 content at a ref and returns null for a missing file", async () => {
  await withFake({}, async (fake, { baseSha, headSha }) => {
    const client = tokenClient(fake);
    assert.equal(await client.getFile(PR, "src/app.ts", headSha), APP_HEAD);
    assert.equal(await client.getFile(PR, "src/app.ts", baseSha), APP_BASE);
    assert.equal(await client.getFile(PR, "src/app.ts", "main"), APP_BASE);
    assert.equal(await client.getFile(PR, "src/added.ts", baseSha), null);
    assert.equal(await client.getFile(PR, ".loom/config.yaml", headSha), null);
    fake.state.addFile(PR.repo, "main", ".loom/config.yaml", 'review:\n  language: "日本語 ✓"\n');
    assert.equal(await client.getFile(PR, ".loom/config.yaml", "main"), 'review:\n  language: "日本語 ✓"\n');
    const request = fake.requests.at(-1)!;
    assert.equal(request.search.get("ref"), "main");
  });
});

Deno.test("createGitHubClient() getFile() fetches large files through the raw media type and refuses directories", async () => {
  await withFake({ maxContentBytes: 10 }, async (fake, { headSha }) => {
    const client = tokenClient(fake);
    assert.equal(await client.getFile(PR, "src/app.ts", headSha), APP_HEAD);
    const accepts = fake.requests.slice(-2).map((request) => request.headers.get("accept"));
    assert.deepEqual(accepts, ["application/vnd.github.v3+json", "application/vnd.github.v3.raw"]);
    await rejectsWith(client.getFile(PR, "src", headSha), { retryable: false });
    await assert.rejects(client.getFile(PR, "src", headSha), /it is a dir, not a file/);
  });
});

Deno.test("createGitHubClient() getDiff() returns the unified diff from the diff media type", async () => {
  await withFake({}, async (fake, { diff }) => {
    assert.equal(await tokenClient(fake).getDiff(PR), diff);
    assert.equal(fake.requests.at(-1)!.headers.get("accept"), "application/vnd.github.v3.diff");
  });
});

function comparable(text: string) {
  return parseDiff(text).map((file) => ({
    from: file.from,
    to: file.to,
    chunks: file.chunks.map((chunk) => ({
      content: chunk.content,
      changes: chunk.changes.map((change) => ({ type: change.type, content: change.content })),
    })),
  }));
}

Deno.test("createGitHubClient() getDiff() rebuilds the diff from the files API when GitHub answers 406 too_large", async () => {
  await using fake = startFakeGitHub();
  const files: Record<string, { base?: string | Uint8Array; head?: string | Uint8Array }> = {};
  for (let index = 0; index < 300; index++) {
    const name = `pkg/file_${String(index).padStart(3, "0")}.ts`;
    files[name] = index % 3 === 0 ? { head: `export const n = ${index};\n` } : {
      base: lines(8, ` of ${index}`),
      head: lines(8, ` of ${index}`).replace("line 4 ", "line four "),
    };
  }
  files["zz/removed.txt"] = { base: "bye\n" };
  files["zz/image.bin"] = { base: new Uint8Array([0, 1, 2, 3]), head: new Uint8Array([0, 1, 2, 4]) };
  files["zz/before.md"] = { base: lines(12) };
  files["zz/after.md"] = { head: lines(12).replace("line 6", "line six") };
  const { diff, baseSha, headSha } = await makeGitDiff(files, { renames: { "zz/before.md": "zz/after.md" } });
  fake.state.addPullRequest({ repo: PR.repo, number: PR.number, headSha, baseSha, diff });

  const rebuilt = await tokenClient(fake).getDiff(PR);

  const diffRequests = fake.requests.filter((request) => request.path === "/repos/octo/hello/pulls/7");
  assert.equal(diffRequests.length, 1);
  const pages = fake.requests.filter((request) => request.path === "/repos/octo/hello/pulls/7/files");
  assert.deepEqual(pages.map((request) => request.search.get("page") ?? "1"), ["1", "2", "3", "4"]);
  assert.ok(pages.every((request) => request.search.get("per_page") === "100"));

  assert.deepEqual(comparable(rebuilt), comparable(diff));
  assert.equal(parseDiff(rebuilt).length, 303);
  assert.ok(
    rebuilt.includes(
      "diff --git a/zz/before.md b/zz/after.md\nrename from zz/before.md\nrename to zz/after.md\n",
    ),
  );
  assert.ok(
    rebuilt.includes(
      "diff --git a/zz/image.bin b/zz/image.bin\nBinary files a/zz/image.bin and b/zz/image.bin differ\n",
    ),
  );
  assert.ok(rebuilt.includes("--- a/zz/removed.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n"));
  assert.ok(rebuilt.includes("--- /dev/null\n+++ b/pkg/file_000.ts\n@@ -0,0 +1 @@\n+export const n = 0;\n"));
});

Deno.test("createGitHubClient() getDiff() falls back on 406 for more than 20,000 changed lines too", async () => {
  await withFake({ maxDiffLines: 3 }, async (fake, { diff }) => {
    const rebuilt = await tokenClient(fake).getDiff(PR);
    assert.deepEqual(comparable(rebuilt), comparable(diff));
    assert.ok(rebuilt.includes("Binary files /dev/null and b/assets/logo.png differ"));
  });
});

Deno.test("createGitHubClient() listComments() pages through issue and review comments", async () => {
  await withFake({}, async (fake) => {
    for (let index = 0; index < 130; index++) {
      fake.state.addIssueComment(PR.repo, PR.number, `comment ${index}`);
    }
    const inline = fake.state.addReviewComment(PR.repo, PR.number, {
      path: "src/app.ts",
      line: 3,
      body: "<!-- loom:fp=abc -->\nLooks off",
      user: { login: "loom[bot]", type: "Bot" },
    });
    fake.state.addIssueComment("octo/other", PR.number, "elsewhere");

    const comments = await tokenClient(fake).listComments(PR);

    assert.equal(comments.length, 131);
    const authorIds = new Map(comments.map((comment) => [comment.author, comment.authorId]));
    assert.equal(authorIds.size, 2);
    assert.notEqual(authorIds.get("octocat"), authorIds.get("loom[bot]"));
    assert.deepEqual(comments[0], {
      id: String(fake.state.issueComments[0]!.id),
      body: "comment 0",
      author: "octocat",
      authorId: authorIds.get("octocat"),
      inline: false,
    });
    assert.equal(comments[129]!.body, "comment 129");
    assert.deepEqual(comments[130], {
      id: String(inline.id),
      body: "<!-- loom:fp=abc -->\nLooks off",
      author: "loom[bot]",
      authorId: authorIds.get("loom[bot]"),
      path: "src/app.ts",
      line: 3,
      inline: true,
      thumbsDown: 0,
    });
    const issuePages = fake.requests.filter((request) => request.path.endsWith("/issues/7/comments"));
    assert.deepEqual(issuePages.map((request) => request.search.get("page") ?? "1"), ["1", "2"]);
  });
});

Deno.test("createGitHubClient() postReview() sends one request with every inline comment", async () => {
  await withFake({}, async (fake, { headSha }) => {
    await tokenClient(fake).postReview(PR, {
      headSha,
      summary: "Two findings",
      event: "COMMENT",
      comments: [
        { path: "src/app.ts", line: 3, side: "RIGHT", body: "Changed line" },
        { path: "src/app.ts", line: 16, side: "RIGHT", startLine: 14, body: "Range" },
        { path: "src/app.ts", line: 3, side: "LEFT", body: "Deleted line" },
        { path: "src/removed.ts", line: 1, side: "LEFT", startLine: 1, body: "Why remove?" },
      ],
    });
    const posts = fake.requests.filter((request) => request.method === "POST");
    assert.equal(posts.length, 1);
    assert.equal(posts[0]!.path, "/repos/octo/hello/pulls/7/reviews");
    assert.deepEqual(posts[0]!.body, {
      commit_id: headSha,
      event: "COMMENT",
      body: "Two findings",
      comments: [
        { path: "src/app.ts", line: 3, side: "RIGHT", body: "Changed line" },
        { path: "src/app.ts", line: 16, side: "RIGHT", start_line: 14, start_side: "RIGHT", body: "Range" },
        { path: "src/app.ts", line: 3, side: "LEFT", body: "Deleted line" },
        { path: "src/removed.ts", line: 1, side: "LEFT", body: "Why remove?" },
      ],
    });
    const [review] = fake.state.reviews;
    assert.equal(review!.comments.length, 4);
    assert.equal(review!.user.login, "loom-bot");
    assert.equal(fake.state.reviewComments.length, 4);
    const listed = await tokenClient(fake).listComments(PR);
    assert.deepEqual(listed.filter((comment) => comment.inline).map((comment) => comment.body), [
      "Changed line",
      "Range",
      "Deleted line",
      "Why remove?",
    ]);
  });
});

Deno.test("createGitHubClient() postReview() surfaces a 422 for a comment off the diff as non-retryable and posts nothing", async () => {
  await withFake({}, async (fake, { headSha }) => {
    const review = {
      headSha,
      summary: "Summary",
      event: "COMMENT" as const,
      comments: [
        { path: "src/app.ts", line: 3, side: "RIGHT" as const, body: "fine" },
        { path: "src/app.ts", line: 10, side: "RIGHT" as const, body: "line 10 is outside every hunk" },
      ],
    };
    await rejectsWith(tokenClient(fake).postReview(PR, review), { status: 422, retryable: false });
    await assert.rejects(tokenClient(fake).postReview(PR, review), /must be part of the diff/);
    assert.deepEqual(fake.state.reviews, []);
    assert.deepEqual(fake.state.reviewComments, []);
  });
});

Deno.test("createGitHubClient() postComment() and updateComment() create and edit an issue comment", async () => {
  await withFake({}, async (fake) => {
    const client = tokenClient(fake);
    const id = await client.postComment(PR, "Reviewing…");
    assert.match(id, /^\d+$/);
    await client.updateComment(PR, id, "Done: 2 findings");
    assert.deepEqual(
      fake.state.issueComments.map((comment) => [String(comment.id), comment.body, comment.user.login]),
      [[id, "Done: 2 findings", "loom-bot"]],
    );
    assert.deepEqual(fake.state.edits, [{ repo: PR.repo, commentId: Number(id), body: "Done: 2 findings" }]);
    await rejectsWith(client.updateComment(PR, "999999", "x"), { status: 404, retryable: false });
    await assert.rejects(client.updateComment(PR, "not-a-number", "x"), TypeError);
  });
});

Deno.test("createGitHubClient() setStatus() posts a commit status with the loom context", async () => {
  await withFake({}, async (fake, { headSha }) => {
    const client = tokenClient(fake);
    await client.setStatus(PR, {
      sha: headSha,
      state: "pending",
      description: "Loom is reviewing",
      targetUrl: "https://loom.example/reviews/1",
    });
    await client.setStatus(PR, {
      sha: headSha,
      state: "success",
      description: "x".repeat(300),
      context: "loom/ci",
    });
    assert.deepEqual(fake.state.statuses.map((status) => [status.sha, status.state, status.context]), [
      [headSha, "pending", "loom"],
      [headSha, "success", "loom/ci"],
    ]);
    assert.equal(fake.state.statuses[0]!.targetUrl, "https://loom.example/reviews/1");
    assert.equal(fake.state.statuses[1]!.description!.length, 140);
  });
});

Deno.test("createGitHubClient() marks rate limits, server errors and network failures retryable", async (t) => {
  await withFake({}, async (fake) => {
    const client = tokenClient(fake);
    await t.step("500", async () => {
      fake.state.failNext("/pulls/7", 500);
      await rejectsWith(client.getPullRequest(PR), { status: 500, retryable: true });
      assert.equal((await client.getPullRequest(PR)).title, "Add the thing");
    });
    await t.step("429 with retry-after", async () => {
      fake.state.failNext("/issues/7/comments", 429, { "retry-after": "30" });
      await rejectsWith(client.postComment(PR, "hi"), { status: 429, retryable: true });
    });
    await t.step("403 with no requests left", async () => {
      fake.state.failNext(/\/statuses\//, 403, { "x-ratelimit-remaining": "0" });
      await rejectsWith(client.setStatus(PR, { sha: "a".repeat(40), state: "pending", description: "" }), {
        status: 403,
        retryable: true,
      });
    });
    await t.step("403 secondary rate limit with retry-after", async () => {
      fake.state.failNext("/reviews", 403, { "retry-after": "60" });
      await rejectsWith(
        client.postReview(PR, { headSha: "x", summary: "s", event: "COMMENT", comments: [] }),
        {
          status: 403,
          retryable: true,
        },
      );
    });
    await t.step("403 forbidden", async () => {
      fake.state.failNext("/pulls/7", 403);
      await rejectsWith(client.getPullRequest(PR), { status: 403, retryable: false });
    });
    await t.step("401 bad token", async () => {
      await rejectsWith(tokenClient(fake, "ghp_wrong").getPullRequest(PR), { status: 401, retryable: false });
    });
  });
  await t.step("connection refused", async () => {
    const closed = startFakeGitHub();
    const url = closed.url;
    await closed.close();
    const client = createGitHubClient({ baseUrl: url, token: FAKE_GITHUB_TOKEN, log: silentLogger });
    await rejectsWith(client.getPullRequest(PR), { retryable: true });
  });
});

Deno.test("createGitHubClient() rejects a repository name that is not owner/name", async () => {
  await withFake({}, async (fake) => {
    await assert.rejects(tokenClient(fake).getDiff({ ...PR, repo: "just-a-name" }), TypeError);
  });
  assert.throws(() => createGitHubClient({}), TypeError);
});
