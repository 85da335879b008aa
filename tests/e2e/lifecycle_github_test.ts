/**
 * A pull request's whole life on GitHub, in the real process against local fakes: the progress comment and
 * commit status around a review with llm and sandboxed script steps, commands in comments (`ignore`, `pause`,
 * `review`, `explain`, refused for readers, never from Loom itself), a push superseding an in-flight review,
 * closing cancelling pending work, and draft and bot pull requests following the trigger rules.
 */
import assert from "node:assert/strict";
import { sign } from "@octokit/webhooks-methods";
import examples from "@octokit/webhooks-examples" with { type: "json" };
import { sql } from "../../lib/db/mod.ts";
import { createRepo } from "../../lib/db/repos.ts";
import { createSecretBox } from "../../lib/crypto/secret_box.ts";
import { FAKE_GITHUB_TOKEN, type FakeGitHub, startFakeGitHub } from "../fakes/github.ts";
import { type FakeLlmRequest, type FakeReply, startFakeOpenAI } from "../fakes/openai.ts";
import {
  BASE,
  CONFIG,
  CRASHY_SCRIPT,
  findingsReply,
  HEAD,
  HEAD_2,
  PUBLIC_URL,
  SECRET_KEY,
  TODOS_SCRIPT,
} from "../support/lifecycle_fixture.ts";
import { makeGitDiff } from "../fakes/git_diff.ts";
import { createE2eDatabase, type LoomProcess, startLoom, waitFor } from "../support/loom_process.ts";

const WEBHOOK_SECRET = "e2e-webhook-secret";
const REPO = "octo-org/cache-service";

// deno-lint-ignore no-explicit-any
type Payload = Record<string, any>;
const EXAMPLES = examples as unknown as { name: string; examples: Payload[] }[];

function example(name: string, action: string): Payload {
  const definition = EXAMPLES.find((item) => item.name === name);
  return structuredClone(definition!.examples.find((item) => item.action === action)!);
}

function withRepository(payload: Payload): Payload {
  payload.repository.full_name = REPO;
  payload.repository.name = "cache-service";
  payload.repository.owner.login = "octo-org";
  return payload;
}

function pullRequestPayload(
  action: string,
  heads: { headSha: string; baseSha: string },
  options: { draft?: boolean; bot?: boolean } = {},
): Payload {
  const payload = withRepository(example("pull_request", "opened"));
  payload.action = action;
  payload.number = 42;
  payload.pull_request.number = 42;
  payload.pull_request.draft = options.draft ?? false;
  payload.pull_request.head.sha = heads.headSha;
  payload.pull_request.base.sha = heads.baseSha;
  payload.pull_request.base.ref = "main";
  if (options.bot) {
    payload.pull_request.user.login = "renovate[bot]";
    payload.pull_request.user.type = "Bot";
    payload.sender.login = "renovate[bot]";
    payload.sender.type = "Bot";
  }
  return payload;
}

let commentIds = 5000;
function commentPayload(body: string, author: string, association: string): Payload {
  const payload = withRepository(example("issue_comment", "created"));
  payload.issue.number = 42;
  payload.issue.pull_request = { url: `https://api.github.com/repos/${REPO}/pulls/42` };
  payload.comment.id = commentIds++;
  payload.comment.body = body;
  payload.comment.user.login = author;
  payload.comment.user.type = "User";
  payload.comment.author_association = association;
  payload.sender.login = author;
  payload.sender.type = "User";
  return payload;
}

async function deliver(loom: LoomProcess, repoId: number, event: string, payload: Payload) {
  const body = JSON.stringify(payload);
  const response = await fetch(`${loom.url}/api/webhooks/github?repo=${repoId}`, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": crypto.randomUUID(),
      "x-hub-signature-256": await sign(WEBHOOK_SECRET, body),
    },
  });
  return await response.json() as { status: string; outcome?: string; jobId?: number };
}

function seedPullRequest(
  github: FakeGitHub,
  diff: { diff: string; headSha: string; baseSha: string },
  head: string,
  draft = false,
  author: { login: string; type: "User" | "Bot" } = { login: "ada", type: "User" },
) {
  github.state.addPullRequest({
    draft,
    repo: REPO,
    number: 42,
    title: "Add cache eviction",
    author: author.login,
    authorType: author.type,
    headSha: diff.headSha,
    baseSha: diff.baseSha,
    baseRef: "main",
    headRef: "eviction",
    diff: diff.diff,
    files: { "src/cache.ts": { base: BASE, head } },
  });
}

async function setup(
  dialect: "sqlite" | "postgres",
  reply: (request: FakeLlmRequest) => FakeReply | Promise<FakeReply>,
) {
  const database = await createE2eDatabase(dialect);
  const github = startFakeGitHub();
  const openai = await startFakeOpenAI({ reply });
  const first = await makeGitDiff({ "src/cache.ts": { base: BASE, head: HEAD } });
  const second = await makeGitDiff({ "src/cache.ts": { base: BASE, head: HEAD_2 } });
  seedPullRequest(github, first, HEAD);
  // What the collaborator permission API answers; the webhook's `author_association` is not asked.
  github.state.setPermission(REPO, "ada", "write");
  github.state.setPermission(REPO, "eve", "read");
  github.state.addFile(REPO, "main", ".loom/config.yaml", CONFIG);
  github.state.addFile(REPO, "main", ".loom/todos.ts", TODOS_SCRIPT);
  github.state.addFile(REPO, "main", ".loom/crashy.ts", CRASHY_SCRIPT);
  const box = await createSecretBox(SECRET_KEY);
  const repo = await createRepo(database.db, {
    platform: "github",
    fullName: REPO,
    webhookSecret: await box.encrypt(WEBHOOK_SECRET),
  });
  const env = {
    LOOM_DATABASE_URL: database.url,
    LOOM_SECRET_KEY: SECRET_KEY,
    LOOM_PUBLIC_URL: PUBLIC_URL,
    LOOM_GITHUB_API_URL: github.url,
    LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN,
    LOOM_LLM_PROVIDER: "openai",
    LOOM_LLM_MODEL: "gpt-4o-mini",
    LOOM_LLM_BASE_URL: openai.url,
    LOOM_LLM_API_KEY: "sk-e2e",
    LOOM_LLM_CACHE_TTL_MS: "0",
    LOOM_POLL_INTERVAL_MS: "100",
    LOOM_JOB_LEASE_MS: "1500",
  };
  const jobs = async () =>
    (await database.db.query<{ id: number; type: string; status: string }>(
      sql`select id, type, status from jobs order by id`,
    )).map((row) => ({ id: Number(row.id), type: row.type, status: row.status }));
  return {
    database,
    github,
    openai,
    first,
    second,
    repo,
    env,
    jobs,
    /** Waits until every job has settled (completed, failed or cancelled). */
    async settled(loom: LoomProcess) {
      let last: unknown;
      await waitFor(
        async () => {
          const current = await jobs();
          last = current;
          return current.every((job) => job.status !== "pending" && job.status !== "in_progress") ||
            undefined;
        },
        () => `jobs never settled: ${JSON.stringify(last)}\n${loom.logs()}`,
      );
    },
    async [Symbol.asyncDispose]() {
      await openai.close();
      await github.close();
      await database[Symbol.asyncDispose]();
    },
  };
}

/** Loom's replies to commands: comments with a reply marker. */
function replies(github: FakeGitHub): string[] {
  return github.state.issueComments.filter((comment) => comment.body.includes("<!-- loom:reply")).map((
    comment,
  ) => comment.body);
}

function progressComments(github: FakeGitHub) {
  return github.state.issueComments.filter((comment) => comment.body.includes("<!-- loom:progress -->"));
}

for (const dialect of ["sqlite", "postgres"] as const) {
  Deno.test(`a GitHub pull request's review, commands and script steps work end to end [${dialect}]`, async () => {
    await using context = await setup(dialect, findingsReply);
    await using loom = await startLoom(context.env);
    const { github } = context;
    const opened = await deliver(
      loom,
      context.repo.id,
      "pull_request",
      pullRequestPayload("opened", context.first),
    );
    assert.equal(opened.outcome, "enqueued");
    await context.settled(loom);

    // One review: the llm finding inline, the script finding inline, the crashing script a step error.
    assert.equal(github.state.reviews.length, 1);
    const [review] = github.state.reviews;
    assert.equal(review!.event, "REQUEST_CHANGES");
    assert.deepEqual(review!.comments.map((comment) => comment.line).sort(), [10, 10]);
    assert.ok(
      review!.comments.some((comment) => /Unresolved TODO/.test(comment.body)),
      "the script's finding",
    );
    assert.ok(review!.comments.some((comment) => /Off-by-one in evict loop/.test(comment.body)));
    assert.match(
      review!.body,
      /### Steps that failed[\s\S]*\*\*crashy\*\*: Script step "crashy" crashed: exit code 1: .*the lint table is missing/,
    );

    // The progress comment ends pointing to the posted summary (never a second copy); the failed step makes the
    // review partial; the status went pending → failure with the dashboard link.
    const progress = progressComments(github);
    assert.equal(progress.length, 1);
    assert.match(
      progress[0]!.body,
      /^⛔ \*\*Loom reviewed [0-9a-f]{7}\*\*: Partial review: step crashy failed .*The summary is in Loom's review/,
    );
    assert.doesNotMatch(progress[0]!.body, /## Loom review/);
    const edits = github.state.edits.filter((edit) => edit.commentId === progress[0]!.id).map((edit) =>
      edit.body
    );
    assert.ok(
      edits.some((body) => /Loom is reviewing\*\* [0-9a-f]{7}: 1 file with 3 steps/.test(body)),
      "started",
    );
    assert.ok(
      edits.some((body) => /- ⚠️ crashy: Script step "crashy" crashed/.test(body)),
      "updated per step",
    );
    const [reviewRow] = await context.database.db.query<{ id: number }>(sql`select id from reviews`);
    const statuses = github.state.statuses.filter((status) => status.sha === context.first.headSha);
    assert.deepEqual(statuses.map((status) => status.state), ["pending", "failure"]);
    assert.equal(statuses[1]!.targetUrl, `${PUBLIC_URL}/reviews/${reviewRow!.id}`);
    assert.equal(statuses[1]!.context, "loom/review");

    // A reader's command is refused politely; a writer's `ignore` stops the summary-only finding (an organization
    // member, `MEMBER` in the webhook, whose collaborator permission is write).
    assert.equal(
      (await deliver(loom, context.repo.id, "issue_comment", commentPayload("@loom pause", "eve", "NONE")))
        .outcome,
      "enqueued",
    );
    await deliver(
      loom,
      context.repo.id,
      "issue_comment",
      commentPayload("@loom ignore Document the TTL choice", "ada", "MEMBER"),
    );
    await context.settled(loom);
    assert.match(replies(github).join("\n"), /Thanks for asking, @eve! Only people with write access/);
    assert.match(
      replies(github).join("\n"),
      /will not post “Document the TTL choice” on this pull request again/,
    );

    // Loom never reacts to its own comments.
    const own = commentPayload(replies(github)[0]!, "loom-bot", "NONE");
    assert.equal((await deliver(loom, context.repo.id, "issue_comment", own)).outcome, "ignored");

    // Paused: a push is not reviewed automatically, but `@loom review` still reviews it.
    await deliver(loom, context.repo.id, "issue_comment", commentPayload("@loom pause", "ada", "OWNER"));
    await context.settled(loom);
    seedPullRequest(github, context.second, HEAD_2);
    const pushed = pullRequestPayload("synchronize", context.second);
    assert.equal((await deliver(loom, context.repo.id, "pull_request", pushed)).outcome, "enqueued");
    await context.settled(loom);
    assert.equal(github.state.reviews.length, 1, "no automatic review while paused");
    await loom.waitForLog(/Automatic reviews of this pull request are paused/);

    await deliver(loom, context.repo.id, "issue_comment", commentPayload("@loom review", "ada", "OWNER"));
    await context.settled(loom);
    assert.equal(github.state.reviews.length, 2, "the manual review ran");
    const manual = github.state.reviews[1]!;
    assert.equal(manual.commitId, context.second.headSha);
    assert.doesNotMatch(manual.body, /Document the TTL choice/, "the ignored finding is not posted again");
    assert.equal(progressComments(github).length, 1, "one progress comment for the whole pull request");
    assert.deepEqual(
      github.state.statuses.filter((status) => status.sha === context.second.headSha).map((status) =>
        status.state
      ),
      // The crashing script step fails again: a partial review is never a success.
      ["pending", "failure"],
    );
    assert.match(manual.body, /Partial review\*\*: \*\*crashy\*\* failed[\s\S]*No new problems found/);

    // `@loom explain` answers in a reply with the diff as context.
    await deliver(
      loom,
      context.repo.id,
      "issue_comment",
      commentPayload("@loom explain what is wrong with evict?", "ada", "OWNER"),
    );
    await context.settled(loom);
    const question = context.openai.requests.find((request) => !request.structured)!;
    assert.match(question.messages.at(-1)!.content, /DIFF START[\s\S]*evict[\s\S]*DIFF END/);
    assert.match(
      replies(github).at(-1)!,
      /^> what is wrong with evict\?\n\nEXPLAINED: `evict` reads one element/,
    );

    // `@loom review` of a head that was reviewed already posts a fresh summary.
    await deliver(loom, context.repo.id, "issue_comment", commentPayload("@loom review", "ada", "OWNER"));
    await context.settled(loom);
    assert.equal(github.state.reviews.length, 3);
    assert.equal(github.state.reviews[2]!.commitId, context.second.headSha);
    assert.ok((await context.jobs()).every((job) => job.status === "completed"));
  });

  Deno.test(`a push supersedes the in-flight review on GitHub and closing cancels it [${dialect}]`, async () => {
    let stall = true;
    let reachedLlm!: () => void;
    const llmReached = new Promise<void>((resolve) => (reachedLlm = resolve));
    await using context = await setup(dialect, (request) => {
      if (stall && request.structured) {
        stall = false;
        reachedLlm();
        return { delayMs: 120_000 };
      }
      return findingsReply(request);
    });
    await using loom = await startLoom(context.env);
    const { github } = context;
    await deliver(loom, context.repo.id, "pull_request", pullRequestPayload("opened", context.first));
    await llmReached;
    seedPullRequest(github, context.second, HEAD_2);
    await deliver(loom, context.repo.id, "pull_request", pullRequestPayload("synchronize", context.second));
    await context.settled(loom);

    assert.deepEqual((await context.jobs()).map((job) => job.status), ["cancelled", "completed"]);
    assert.equal(github.state.reviews.length, 1, "only the newest head's review is posted");
    assert.equal(github.state.reviews[0]!.commitId, context.second.headSha);
    // The old job is cancelled in the database at once; its worker notices at the next heartbeat and only then
    // marks the old head's status, so wait for that instead of racing it.
    const firstHeadStates = () =>
      github.state.statuses.filter((status) => status.sha === context.first.headSha).map((status) =>
        status.state
      );
    await waitFor(
      () => firstHeadStates().length >= 2 ? true : undefined,
      () => JSON.stringify(firstHeadStates()),
    );
    assert.deepEqual(firstHeadStates(), ["pending", "error"]);
    assert.equal(progressComments(github).length, 1);
    assert.match(
      progressComments(github)[0]!.body,
      new RegExp(`Loom reviewed ${context.second.headSha.slice(0, 7)}`),
      "the newer review owns the comment",
    );

    // Closing while a review waits for the model cancels it; nothing more is posted.
    stall = true;
    const third = await makeGitDiff({ "src/cache.ts": { base: BASE, head: HEAD_2 + "// more\n" } });
    seedPullRequest(github, third, HEAD_2 + "// more\n");
    const llmAgain = new Promise<void>((resolve) => (reachedLlm = resolve));
    await deliver(loom, context.repo.id, "pull_request", pullRequestPayload("synchronize", third));
    await llmAgain;
    // The pull request is closed on GitHub first: Loom checks a close with the platform before it cancels.
    github.state.pullRequests.get(`${REPO}#42`)!.state = "closed";
    const closed = await deliver(loom, context.repo.id, "pull_request", pullRequestPayload("closed", third));
    assert.equal(closed.outcome, "cancelled");
    await context.settled(loom);
    assert.equal((await context.jobs()).at(-1)!.status, "cancelled");
    assert.equal(github.state.reviews.length, 1);
  });

  Deno.test(`draft and bot pull requests on GitHub follow the trigger rules [${dialect}]`, async () => {
    await using context = await setup(dialect, findingsReply);
    await using loom = await startLoom(context.env);
    seedPullRequest(context.github, context.first, HEAD, true);
    await deliver(
      loom,
      context.repo.id,
      "pull_request",
      pullRequestPayload("opened", context.first, { draft: true }),
    );
    await context.settled(loom);
    // The review reads the author from GitHub when it starts, so GitHub says it is the bot too.
    seedPullRequest(context.github, context.first, HEAD, false, { login: "renovate[bot]", type: "Bot" });
    const bot = pullRequestPayload("reopened", context.first, { bot: true });
    await deliver(loom, context.repo.id, "pull_request", bot);
    await context.settled(loom);
    assert.equal(context.github.state.reviews.length, 0);
    assert.equal(context.github.state.statuses.length, 0, "skipped reviews set no status");
    assert.equal(progressComments(context.github).length, 0);
    await loom.waitForLog(/Pull request is a draft and triggers\.drafts is false/);
    await loom.waitForLog(/is a bot and triggers\.authors\.bots is false/);
  });
}
