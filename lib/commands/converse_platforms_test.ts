/**
 * Conversations in Loom's threads on the other platforms whose clients reply in threads: Bitbucket Cloud (nested
 * replies under a top-level comment) and Azure DevOps (comments of one thread), through the real clients against
 * their fakes.
 */
import assert from "node:assert/strict";
import { dbTest } from "../db/testing.ts";
import { createRepo } from "../db/repos.ts";
import { listIgnoredFindings } from "../db/pull_requests.ts";
import { loadServerConfig } from "../config/env.ts";
import { createLlmClient } from "../llm/mod.ts";
import { silentLogger } from "../log.ts";
import { createBitbucketClient } from "../platforms/bitbucket/mod.ts";
import { createAzureDevopsClient } from "../platforms/azure_devops/mod.ts";
import { startFakeAzureDevops } from "../../tests/fakes/azure_devops.ts";
import { startFakeBitbucket } from "../../tests/fakes/bitbucket.ts";
import { startFakeOpenAI } from "../../tests/fakes/openai.ts";
import { type CommandDeps, handlePullRequestCommand } from "./mod.ts";

const FP = "0123456789abcdef";
const DIFF = [
  "diff --git a/src/a.ts b/src/a.ts",
  "--- a/src/a.ts",
  "+++ b/src/a.ts",
  "@@ -1,2 +1,3 @@",
  " const a = 1;",
  "+const b = a / 0;",
  " export { a };",
  "",
].join("\n");

dbTest(
  "on Bitbucket Cloud a writer's dispute is answered under the comment it replied to, and conceded",
  async ({ db }) => {
    await using bitbucket = startFakeBitbucket();
    await using openai = await startFakeOpenAI({
      reply: () => ({
        json: { reply: "Agreed, b is intended.", verdict: "concede", learning: "b may be zero." },
      }),
    });
    const repoName = "acme/app";
    bitbucket.state.addPullRequest({
      repo: repoName,
      number: 6,
      title: "Divide",
      author: "ada",
      headSha: "c".repeat(40),
      baseSha: "d".repeat(40),
      baseRef: "main",
      headRef: "feature",
      diff: DIFF,
      files: {
        "src/a.ts": {
          base: "const a = 1;\nexport { a };\n",
          head: "const a = 1;\nconst b = a / 0;\nexport { a };\n",
        },
      },
    });
    const ada = { login: "ada", id: "{6b1a6f0e-5d43-4c1f-9d3c-0d3f1c2a7e11}" };
    bitbucket.state.setPermission(repoName, ada.id, "write");
    const inline = { path: "src/a.ts", to: 2 };
    const root = bitbucket.state.addComment(repoName, 6, {
      body: `**Division by zero**\n\n<!-- loom:fp=${FP} -->`,
      inline,
    });
    const dispute = bitbucket.state.addComment(repoName, 6, {
      body: "b is meant to be Infinity.",
      inline,
      author: "ada",
    });
    dispute.parentId = root.id;
    const repo = await createRepo(db, { platform: "bitbucket", fullName: repoName, webhookSecret: "x" });
    const deps: CommandDeps = {
      db,
      server: loadServerConfig({ LOOM_LLM_BASE_URL: openai.url, LOOM_LLM_API_KEY: "test-key" }),
      log: silentLogger,
      createClient: () =>
        createBitbucketClient({ baseUrl: bitbucket.apiUrl, token: bitbucket.token, commentDelayMs: 0 }),
      createLlm: (model) => createLlmClient({ ...model, baseUrl: openai.url, apiKey: "test-key" }),
    };
    const outcome = await handlePullRequestCommand(deps, {
      id: 1,
      payload: {
        platform: "bitbucket",
        repoId: repo.id,
        repo: repoName,
        number: 6,
        commentId: String(dispute.id),
        body: dispute.body,
        author: ada.login,
        authorId: ada.id,
        deliveryId: "bb",
        // As the webhook gives it: the parent of the new reply.
        thread: { id: String(root.id), inReplyTo: String(root.id) },
      },
    }, new AbortController().signal);
    assert.deepEqual(outcome, { status: "done", command: "converse" });
    const answer = bitbucket.state.comments(repoName, 6).find((comment) => comment.body.includes("Agreed"))!;
    assert.equal(answer.parentId, root.id, "answered in the thread");
    assert.match(answer.body, /Dismissed: I will not post this finding/);
    assert.deepEqual(
      (await listIgnoredFindings(db, { repoId: repo.id, prNumber: 6 })).map((row) => row.fingerprint),
      [FP],
    );
    const text = openai.requests[0]!.messages.map((message) => message.content).join("\n");
    assert.match(
      text,
      /\[finding 1\] @loom-bot \(Loom\):\n\*\*Division by zero\*\*\n\n\[reply 2\] @ada:\nb is meant/,
    );
  },
);

dbTest("on Azure DevOps a writer's dispute is answered in its thread, and conceded", async ({ db }) => {
  await using azure = startFakeAzureDevops();
  await using openai = await startFakeOpenAI({
    reply: () => ({ json: { reply: "Agreed, b is intended.", verdict: "concede" } }),
  });
  const repoName = "Platform/app";
  azure.state.addPullRequest({
    repo: repoName,
    number: 8,
    title: "Divide",
    author: "ada@example.com",
    headSha: "c".repeat(40),
    baseSha: "d".repeat(40),
    baseRef: "main",
    headRef: "feature",
    diff: DIFF,
    files: {
      "src/a.ts": {
        base: "const a = 1;\nexport { a };\n",
        head: "const a = 1;\nconst b = a / 0;\nexport { a };\n",
      },
    },
  });
  const ada = { login: "ada@example.com", id: "6f4c1e7a-1b2c-4d3e-8f9a-0b1c2d3e4f50" };
  azure.state.setPermission(repoName, ada.id, "write");
  const thread = azure.state.addThread(repoName, 8, {
    content: `**Division by zero**\n\n<!-- loom:fp=${FP} -->`,
    threadContext: {
      filePath: "/src/a.ts",
      rightFileStart: { line: 2, offset: 1 },
      rightFileEnd: { line: 2, offset: 1 },
    },
  });
  const dispute = "b is meant to be Infinity.";
  thread.comments.push({
    id: 2,
    parentCommentId: 1,
    content: dispute,
    commentType: "text",
    author: ada.login,
    history: [dispute],
  });
  const repo = await createRepo(db, { platform: "azure_devops", fullName: repoName, webhookSecret: "x" });
  const deps: CommandDeps = {
    db,
    server: loadServerConfig({ LOOM_LLM_BASE_URL: openai.url, LOOM_LLM_API_KEY: "test-key" }),
    log: silentLogger,
    createClient: () =>
      createAzureDevopsClient({
        baseUrl: azure.url,
        organization: azure.organization,
        token: azure.token,
        commentDelayMs: 0,
      }),
    createLlm: (model) => createLlmClient({ ...model, baseUrl: openai.url, apiKey: "test-key" }),
  };
  const outcome = await handlePullRequestCommand(deps, {
    id: 1,
    payload: {
      platform: "azure_devops",
      repoId: repo.id,
      repo: repoName,
      number: 8,
      commentId: `${thread.id}:2`,
      body: dispute,
      author: ada.login,
      authorId: ada.id,
      deliveryId: "az",
      thread: { id: String(thread.id), inReplyTo: `${thread.id}:1` },
    },
  }, new AbortController().signal);
  assert.deepEqual(outcome, { status: "done", command: "converse" });
  const answer = thread.comments.find((comment) => comment.content.includes("Agreed"));
  assert.ok(answer, "answered in the thread");
  assert.match(answer.content, /Dismissed: I will not post this finding/);
  assert.equal(azure.state.threads(repoName, 8).length, 1, "no new thread");
  assert.deepEqual(
    (await listIgnoredFindings(db, { repoId: repo.id, prNumber: 8 })).map((row) => row.fingerprint),
    [FP],
  );
  const text = openai.requests[0]!.messages.map((message) => message.content).join("\n");
  assert.match(
    text,
    /\[finding 1\] @Loom Bot \(Loom\):\n\*\*Division by zero\*\*\n\n\[reply 2\] @ada@example\.com:\nb is meant/,
  );
  assert.match(text, /HUNK START[\s\S]*\+const b = a \/ 0;/);
});
