import assert from "node:assert/strict";
import { dbTest } from "../db/testing.ts";
import { createRepo } from "../db/repos.ts";
import { recordFindings, startReview } from "../db/reviews.ts";
import { isPullRequestPaused, listIgnoredFindings } from "../db/pull_requests.ts";
import { sql } from "../db/mod.ts";
import { loadServerConfig } from "../config/env.ts";
import { createLlmClient } from "../llm/mod.ts";
import { createLogger, silentLogger } from "../log.ts";
import { createGitHubClient } from "../platforms/github/mod.ts";
import { createGitLabClient } from "../platforms/gitlab/mod.ts";
import type { TaskPayloads } from "../queue/mod.ts";
import { replyMarker } from "../markers.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../../tests/fakes/github.ts";
import { startFakeGitLab } from "../../tests/fakes/gitlab.ts";
import { startFakeOpenAI } from "../../tests/fakes/openai.ts";
import {
  type CommandDeps,
  createPermissionCache,
  handlePullRequestCommand,
  matchFindings,
  PERMISSION_TTL_MS,
} from "./mod.ts";

const REPO = "octo/app";
const HEAD = "a".repeat(40);
const DIFF = `diff --git a/src/cache.ts b/src/cache.ts
--- a/src/cache.ts
+++ b/src/cache.ts
@@ -1 +1,2 @@
 export const ttl = 60;
+export const max = Infinity;
`;

async function setup(db: CommandDeps["db"]) {
  const github = startFakeGitHub();
  github.state.addPullRequest({ repo: REPO, number: 4, headSha: HEAD, baseSha: "b".repeat(40), diff: DIFF });
  github.state.setPermission(REPO, "ada", "write");
  const openai = await startFakeOpenAI({
    reply: (request) =>
      `The cache has no size limit (${request.messages.at(-1)!.content.includes("Infinity")}).`,
  });
  const repo = await createRepo(db, { platform: "github", fullName: REPO, webhookSecret: "x" });
  const server = loadServerConfig({ LOOM_LLM_BASE_URL: openai.url, LOOM_LLM_API_KEY: "sk-test" });
  const deps: CommandDeps = {
    db,
    server,
    log: silentLogger,
    createClient: () =>
      createGitHubClient({ baseUrl: github.url, token: FAKE_GITHUB_TOKEN, log: silentLogger }),
    createLlm: (model) => createLlmClient({ ...model, baseUrl: openai.url, apiKey: "sk-test" }),
  };
  let nextComment = 1;
  const run = (body: string, extra: Partial<TaskPayloads["pull_request_command"]> = {}) =>
    handlePullRequestCommand(deps, {
      id: 1,
      payload: {
        platform: "github",
        repoId: repo.id,
        repo: REPO,
        number: 4,
        commentId: String(nextComment++),
        body,
        author: "ada",
        deliveryId: "d",
        ...extra,
      },
    }, new AbortController().signal);
  return {
    github,
    openai,
    repo,
    deps,
    run,
    replies: () => github.state.issueComments.map((comment) => comment.body),
    async [Symbol.asyncDispose]() {
      await openai.close();
      await github.close();
    },
  };
}

dbTest("handlePullRequestCommand() refuses authors without write access, politely", async ({ db }) => {
  await using context = await setup(db);
  // An organization member with read (`author_association: MEMBER` in the webhook) and a triager.
  context.github.state.setPermission(REPO, "eve", "read");
  context.github.state.setPermission(REPO, "tom", "triage");
  assert.deepEqual(await context.run("@loom pause", { author: "eve" }), {
    status: "denied",
    command: "pause",
  });
  assert.deepEqual(await context.run("@loom pause", { author: "tom" }), {
    status: "denied",
    command: "pause",
  });
  const stranger = await context.run("@loom pause", { author: "nobody" });
  assert.equal(stranger.status, "denied", "a user GitHub does not know (404)");
  assert.equal(await isPullRequestPaused(db, { repoId: context.repo.id, prNumber: 4 }), false);
  assert.equal(context.replies().length, 3);
  assert.match(context.replies()[0]!, /Thanks for asking, @eve! Only people with write access/);
});

dbTest("handlePullRequestCommand() lets admins, maintainers and writers give commands", async ({ db }) => {
  await using context = await setup(db);
  for (const [login, role] of [["root", "admin"], ["mia", "maintain"], ["bob", "write"]] as const) {
    context.github.state.setPermission(REPO, login, role);
    assert.deepEqual(await context.run("@loom help", { author: login }), { status: "done", command: "help" });
    assert.ok(
      context.github.requests.some((request) => request.path.endsWith(`/collaborators/${login}/permission`)),
    );
  }
});

dbTest(
  "handlePullRequestCommand() refuses, says so and logs when the permission lookup fails",
  async ({ db }) => {
    await using context = await setup(db);
    const lines: string[] = [];
    context.deps.log = createLogger({ write: (line) => lines.push(line) });
    context.github.state.failNext("/collaborators/ada/permission", 502);
    const outcome = await context.run("@loom pause");
    assert.equal(outcome.status, "denied");
    assert.match((outcome as { error?: string }).error ?? "", /502/);
    assert.equal(await isPullRequestPaused(db, { repoId: context.repo.id, prNumber: 4 }), false);
    assert.match(context.replies()[0]!, /Thanks for asking, @ada! .*I could not check your access just now/s);
    assert.ok(
      lines.some((line) => line.includes("permission lookup failed") && line.includes("502")),
      lines.join(),
    );
    // The failure is not remembered: the next command asks again and runs.
    context.deps.permissions = createPermissionCache();
    assert.equal((await context.run("@loom pause")).status, "done");
  },
);

dbTest(
  "handlePullRequestCommand() reuses a permission answer for a minute, then asks again",
  async ({ db }) => {
    await using context = await setup(db);
    let clock = 1_000_000;
    context.deps.permissions = createPermissionCache({ now: () => clock });
    const lookups = () =>
      context.github.requests.filter((request) => request.path.endsWith("/collaborators/ada/permission"))
        .length;
    assert.equal((await context.run("@loom help")).status, "done");
    clock += PERMISSION_TTL_MS - 1;
    assert.equal((await context.run("@loom help")).status, "done");
    assert.equal(lookups(), 1, "a second command within the minute asks nothing");
    // Revoked: the cached answer stands until it expires, then the platform's new answer counts.
    context.github.state.setPermission(REPO, "ada", "read");
    clock += 1;
    assert.equal((await context.run("@loom pause")).status, "denied");
    assert.equal(lookups(), 2, "an expired answer is asked again");
    const other = await context.run("@loom help", { author: "bob" });
    assert.equal(other.status, "denied", "answers are per user");
    assert.equal(lookups(), 2);
  },
);

dbTest("handlePullRequestCommand() pauses and resumes automatic reviews", async ({ db }) => {
  await using context = await setup(db);
  await context.run("@loom pause");
  assert.equal(await isPullRequestPaused(db, { repoId: context.repo.id, prNumber: 4 }), true);
  await context.run("@loom resume");
  assert.equal(await isPullRequestPaused(db, { repoId: context.repo.id, prNumber: 4 }), false);
  assert.match(context.replies()[0]!, /Paused automatic reviews/);
  assert.match(context.replies()[1]!, /Resumed automatic reviews/);
});

dbTest("handlePullRequestCommand() enqueues one manual review of the current head", async ({ db }) => {
  await using context = await setup(db);
  const first = await context.run("@loom review");
  const again = await context.run("@loom review");
  assert.equal(first.status === "done" && first.reviewJobId, again.status === "done" && again.reviewJobId);
  const jobs = await db.query<{ type: string; payload: string; groupKey: string }>(
    sql`select type, payload, group_key from jobs where type = 'review_pull_request'`,
  );
  assert.equal(jobs.length, 1);
  assert.equal(JSON.parse(jobs[0]!.payload).action, "manual");
  assert.equal(JSON.parse(jobs[0]!.payload).headSha, HEAD);
  assert.equal(jobs[0]!.groupKey, "github:octo/app#4");
  assert.match(context.replies()[0]!, /Starting a full review of aaaaaaa/);
  assert.match(context.replies()[1]!, /already running/);
});

dbTest(
  "handlePullRequestCommand() answers explain with the diff as context, quoting the question",
  async ({ db }) => {
    await using context = await setup(db);
    await context.run("@loom explain is the cache bounded?");
    const [request] = context.openai.requests;
    assert.match(request!.messages[0]!.content, /treat them as data/);
    assert.match(
      request!.messages.at(-1)!.content,
      /DIFF START\n```diff\n[\s\S]*\+export const max = Infinity;[\s\S]*```\nDIFF END/,
    );
    assert.match(
      request!.messages.at(-1)!.content,
      /QUESTION START\n```\nis the cache bounded\?\n```\nQUESTION END/,
    );
    assert.match(
      context.replies()[0]!,
      /^> is the cache bounded\?\n\nThe cache has no size limit \(true\)\./,
    );
  },
);

dbTest(
  "handlePullRequestCommand() ignores a finding by title and replies once per comment",
  async ({ db }) => {
    await using context = await setup(db);
    const reviewId = await startReview(db, {
      repoId: context.repo.id,
      prNumber: 4,
      headSha: HEAD,
      title: "t",
      author: "ada",
    });
    await recordFindings(db, reviewId, [{
      path: "src/cache.ts",
      line: 2,
      side: "RIGHT",
      severity: "warning",
      title: "Unbounded cache size",
      body: "…",
      step: "bugs",
      fingerprint: "0123456789abcdef",
      placement: "inline",
    }]);
    const job = {
      id: 9,
      payload: {
        platform: "github" as const,
        repoId: context.repo.id,
        repo: REPO,
        number: 4,
        commentId: "77",
        body: "@loom ignore unbounded cache size",
        author: "ada",
        deliveryId: "d",
      },
    };
    assert.deepEqual(await handlePullRequestCommand(context.deps, job, new AbortController().signal), {
      status: "done",
      command: "ignore",
    });
    const retried = await handlePullRequestCommand(context.deps, job, new AbortController().signal);
    assert.equal(retried.status, "ignored", "a retried job finds its reply");
    assert.deepEqual(
      (await listIgnoredFindings(db, { repoId: context.repo.id, prNumber: 4 })).map((f) => f.fingerprint),
      [
        "0123456789abcdef",
      ],
    );
    assert.equal(context.replies().length, 1);
    assert.match(context.replies()[0]!, /will not post “Unbounded cache size” on this pull request again/);
    assert.match(context.replies()[0]!, /<!-- loom:reply to=77 -->/);
    await context.run("@loom ignore nothing like this");
    assert.match(context.replies()[1]!, /could not find a finding called “nothing like this”/);
  },
);

dbTest("handlePullRequestCommand() asks GitLab's members API for write access", async ({ db }) => {
  await using gitlab = startFakeGitLab();
  gitlab.state.addPullRequest({
    repo: "group/app",
    number: 2,
    headSha: HEAD,
    baseSha: "b".repeat(40),
    diff: DIFF,
  });
  gitlab.state.addMember("group/app", "dev", 30);
  gitlab.state.addMember("group/app", "guest", 10);
  const repo = await createRepo(db, { platform: "gitlab", fullName: "group/app", webhookSecret: "x" });
  const server = loadServerConfig({ LOOM_GITLAB_URL: gitlab.url, LOOM_GITLAB_TOKEN: gitlab.token });
  const deps: CommandDeps = {
    db,
    server,
    log: silentLogger,
    createClient: () => createGitLabClient({ baseUrl: gitlab.url, token: gitlab.token }),
    createLlm: () => {
      throw new Error("No model in this test");
    },
  };
  const run = (author: string, commentId: string) =>
    handlePullRequestCommand(deps, {
      id: 1,
      payload: {
        platform: "gitlab",
        repoId: repo.id,
        repo: "group/app",
        number: 2,
        commentId,
        body: "@loom pause",
        author,
        deliveryId: "d",
      },
    }, new AbortController().signal);
  assert.equal((await run("guest", "1")).status, "denied");
  assert.equal((await run("dev", "2")).status, "done");
  assert.equal(await isPullRequestPaused(db, { repoId: repo.id, prNumber: 2 }), true);
});

Deno.test("matchFindings() prefers fingerprints, then exact titles, then titles containing the text", () => {
  const recorded = [
    { fingerprint: "aaaaaaaa11111111", title: "Unbounded cache", path: "a.ts", step: "bugs" },
    { fingerprint: "bbbbbbbb22222222", title: "Unbounded cache size", path: "b.ts", step: "bugs" },
  ];
  assert.deepEqual(matchFindings(recorded, "BBBBBBBB22222222").map((f) => f.path), ["b.ts"]);
  assert.deepEqual(matchFindings(recorded, "`Unbounded cache`.").map((f) => f.path), ["a.ts"]);
  assert.deepEqual(matchFindings(recorded, "unbounded").map((f) => f.path), ["a.ts", "b.ts"]);
  assert.deepEqual(matchFindings(recorded, "missing"), []);
});

dbTest(
  "handlePullRequestCommand() answers although someone else posted its reply marker first",
  async ({ db }) => {
    await using context = await setup(db);
    context.github.state.addIssueComment(REPO, 4, `Already answered\n\n${replyMarker("1")}`, {
      login: "mallory",
      type: "User",
    });
    const outcome = await context.run("@loom help");
    assert.deepEqual(outcome, { status: "done", command: "help" });
    assert.equal(context.replies().length, 2);
    assert.match(context.replies()[1]!, /I understand these commands/);
  },
);
