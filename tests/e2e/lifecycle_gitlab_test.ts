/**
 * A merge request's whole life on GitLab, in the real process against local fakes: the progress note and commit
 * status around a review with llm and sandboxed script steps, commands in notes (write access read from GitLab's
 * members API), a push superseding an in-flight review, closing cancelling pending work, and draft and bot merge
 * requests following the trigger rules.
 */
import assert from "node:assert/strict";
import mergeRequestEvent from "../../lib/platforms/gitlab/testdata/merge-request-event.json" with {
  type: "json",
};
import noteEvent from "../../lib/platforms/gitlab/testdata/comment-merge-request-event.json" with {
  type: "json",
};
import { sql } from "../../lib/db/mod.ts";
import { createRepo } from "../../lib/db/repos.ts";
import { createSecretBox } from "../../lib/crypto/secret_box.ts";
import { type FakeGitLab, startFakeGitLab } from "../fakes/gitlab.ts";
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

const WEBHOOK_SECRET = "e2e-gitlab-token";
const REPO = "octo-group/cache-service";

// deno-lint-ignore no-explicit-any
type Payload = Record<string, any>;

function mergeRequestPayload(
  action: "open" | "update" | "close" | "reopen",
  heads: { headSha: string; baseSha: string; oldrev?: string },
  options: { draft?: boolean; author?: string } = {},
): Payload {
  const payload = structuredClone(mergeRequestEvent) as Payload;
  payload.project.path_with_namespace = REPO;
  payload.user.username = options.author ?? "ada";
  const attributes = payload.object_attributes;
  attributes.action = action;
  attributes.iid = 42;
  attributes.target_branch = "main";
  attributes.source_branch = "eviction";
  attributes.last_commit.id = heads.headSha;
  attributes.draft = options.draft ?? false;
  attributes.work_in_progress = options.draft ?? false;
  if (heads.oldrev !== undefined) attributes.oldrev = heads.oldrev;
  return payload;
}

let noteIds = 7000;
function notePayload(body: string, author: string): Payload {
  const payload = structuredClone(noteEvent) as Payload;
  payload.project.path_with_namespace = REPO;
  payload.user.username = author;
  payload.object_attributes.id = noteIds++;
  payload.object_attributes.note = body;
  payload.merge_request.iid = 42;
  return payload;
}

async function deliver(loom: LoomProcess, repoId: number, event: string, payload: Payload) {
  const response = await fetch(`${loom.url}/api/webhooks/gitlab?repo=${repoId}`, {
    method: "POST",
    body: JSON.stringify(payload),
    headers: {
      "content-type": "application/json",
      "x-gitlab-event": event,
      "x-gitlab-token": WEBHOOK_SECRET,
      "x-gitlab-webhook-uuid": crypto.randomUUID(),
    },
  });
  return await response.json() as { status: string; outcome?: string; message?: string };
}

function seedMergeRequest(
  gitlab: FakeGitLab,
  diff: { diff: string; headSha: string; baseSha: string },
  head: string,
  draft = false,
  state: "open" | "closed" = "open",
  author = "ada",
) {
  gitlab.state.addPullRequest({
    repo: REPO,
    number: 42,
    title: "Add cache eviction",
    author,
    draft,
    state,
    headSha: diff.headSha,
    baseSha: diff.baseSha,
    baseRef: "main",
    headRef: "eviction",
    diff: diff.diff,
    files: {
      "src/cache.ts": { base: BASE, head },
      ".loom/config.yaml": { base: CONFIG },
      ".loom/todos.ts": { base: TODOS_SCRIPT },
      ".loom/crashy.ts": { base: CRASHY_SCRIPT },
    },
  });
}

async function setup(
  dialect: "sqlite" | "postgres",
  reply: (request: FakeLlmRequest) => FakeReply | Promise<FakeReply>,
) {
  const database = await createE2eDatabase(dialect);
  const gitlab = startFakeGitLab();
  const openai = await startFakeOpenAI({ reply });
  const first = await makeGitDiff({ "src/cache.ts": { base: BASE, head: HEAD } });
  const second = await makeGitDiff({ "src/cache.ts": { base: BASE, head: HEAD_2 } });
  seedMergeRequest(gitlab, first, HEAD);
  gitlab.state.addMember(REPO, "ada", 40);
  gitlab.state.addMember(REPO, "eve", 20);
  const box = await createSecretBox(SECRET_KEY);
  const repo = await createRepo(database.db, {
    platform: "gitlab",
    fullName: REPO,
    webhookSecret: await box.encrypt(WEBHOOK_SECRET),
  });
  const env = {
    LOOM_DATABASE_URL: database.url,
    LOOM_SECRET_KEY: SECRET_KEY,
    LOOM_PUBLIC_URL: PUBLIC_URL,
    LOOM_GITLAB_URL: gitlab.url,
    LOOM_GITLAB_TOKEN: gitlab.token,
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
    gitlab,
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
      await gitlab.close();
      await database[Symbol.asyncDispose]();
    },
  };
}

function replies(gitlab: FakeGitLab): string[] {
  return gitlab.state.notes.filter((note) => note.body.includes("<!-- loom:reply")).map((note) => note.body);
}

function progressNotes(gitlab: FakeGitLab) {
  return gitlab.state.notes.filter((note) => note.body.includes("<!-- loom:progress -->"));
}

/** Loom's summary note (GitLab has no review object: the summary is a note edited in place). */
function summaryNotes(gitlab: FakeGitLab) {
  return gitlab.state.notes.filter((note) => note.body.includes("<!-- loom:summary -->"));
}

for (const dialect of ["sqlite", "postgres"] as const) {
  Deno.test(`a GitLab merge request's review, commands and script steps work end to end [${dialect}]`, async () => {
    await using context = await setup(dialect, findingsReply);
    await using loom = await startLoom(context.env);
    const { gitlab } = context;
    const opened = await deliver(
      loom,
      context.repo.id,
      "Merge Request Hook",
      mergeRequestPayload("open", context.first),
    );
    assert.equal(opened.outcome, "enqueued", JSON.stringify(opened));
    await context.settled(loom);

    const inline = gitlab.state.discussions.map((note) => note.body);
    assert.equal(inline.length, 2, "the llm finding and the script finding, inline");
    assert.ok(inline.some((body) => /Unresolved TODO/.test(body)));
    assert.ok(inline.some((body) => /Off-by-one in evict loop/.test(body)));
    assert.equal(summaryNotes(gitlab).length, 1);
    assert.match(
      summaryNotes(gitlab)[0]!.body,
      /\*\*crashy\*\*: Script step "crashy" crashed: exit code 1: .*the lint table is missing/,
    );
    // The progress note points to the summary note instead of repeating it.
    const progress = progressNotes(gitlab);
    assert.equal(progress.length, 1);
    assert.match(
      progress[0]!.body,
      /^⛔ \*\*Loom reviewed [0-9a-f]{7}\*\*: Partial review: step crashy failed/,
    );
    assert.equal(gitlab.state.notes.filter((note) => note.body.includes("## Loom review")).length, 1);
    const [reviewRow] = await context.database.db.query<{ id: number }>(sql`select id from reviews`);
    const statuses = gitlab.state.statuses.filter((status) => status.sha === context.first.headSha);
    assert.deepEqual(statuses.map((status) => status.state), ["pending", "failed"]);
    assert.equal(statuses[1]!.target_url, `${PUBLIC_URL}/reviews/${reviewRow!.id}`);
    assert.equal(statuses[1]!.name, "loom/review");

    // GitLab notes say nothing about access: the members API decides.
    await deliver(loom, context.repo.id, "Note Hook", notePayload("@loom pause", "eve"));
    await deliver(
      loom,
      context.repo.id,
      "Note Hook",
      notePayload("@loom ignore Document the TTL choice", "ada"),
    );
    await context.settled(loom);
    assert.match(replies(gitlab).join("\n"), /Thanks for asking, @eve! Only people with write access/);
    assert.match(
      replies(gitlab).join("\n"),
      /will not post “Document the TTL choice” on this pull request again/,
    );
    const own = notePayload(replies(gitlab)[0]!, gitlab.botUsername);
    assert.equal((await deliver(loom, context.repo.id, "Note Hook", own)).outcome, "ignored");

    await deliver(loom, context.repo.id, "Note Hook", notePayload("@loom pause", "ada"));
    await context.settled(loom);
    seedMergeRequest(gitlab, context.second, HEAD_2);
    const pushed = mergeRequestPayload("update", { ...context.second, oldrev: context.first.headSha });
    assert.equal((await deliver(loom, context.repo.id, "Merge Request Hook", pushed)).outcome, "enqueued");
    await context.settled(loom);
    await loom.waitForLog(/Automatic reviews of this pull request are paused/);
    assert.equal(gitlab.state.statuses.filter((status) => status.sha === context.second.headSha).length, 0);

    await deliver(loom, context.repo.id, "Note Hook", notePayload("@loom review", "ada"));
    await context.settled(loom);
    assert.deepEqual(
      gitlab.state.statuses.filter((status) => status.sha === context.second.headSha).map((status) =>
        status.state
      ),
      // The crashing script step fails again: a partial review is never a success.
      ["pending", "failed"],
      "the manual review ran while paused",
    );
    assert.equal(summaryNotes(gitlab).length, 1, "GitLab's summary note is edited in place");
    assert.doesNotMatch(
      summaryNotes(gitlab)[0]!.body,
      /Document the TTL choice/,
      "the ignored finding stays out",
    );
    assert.equal(progressNotes(gitlab).length, 1);

    await deliver(
      loom,
      context.repo.id,
      "Note Hook",
      notePayload("@loom explain what is wrong with evict?", "ada"),
    );
    await context.settled(loom);
    const question = context.openai.requests.find((request) => !request.structured)!;
    assert.match(question.messages.at(-1)!.content, /DIFF START[\s\S]*evict[\s\S]*DIFF END/);
    assert.match(
      replies(gitlab).at(-1)!,
      /^> what is wrong with evict\?\n\nEXPLAINED: `evict` reads one element/,
    );
    assert.ok((await context.jobs()).every((job) => job.status === "completed"));
  });

  Deno.test(`a push supersedes the in-flight review on GitLab and closing cancels it [${dialect}]`, async () => {
    let stall = true;
    let reachedLlm!: () => void;
    let llmReached = new Promise<void>((resolve) => (reachedLlm = resolve));
    await using context = await setup(dialect, (request) => {
      if (stall && request.structured) {
        stall = false;
        reachedLlm();
        return { delayMs: 120_000 };
      }
      return findingsReply(request);
    });
    await using loom = await startLoom(context.env);
    const { gitlab } = context;
    await deliver(loom, context.repo.id, "Merge Request Hook", mergeRequestPayload("open", context.first));
    await llmReached;
    seedMergeRequest(gitlab, context.second, HEAD_2);
    const pushed = mergeRequestPayload("update", { ...context.second, oldrev: context.first.headSha });
    await deliver(loom, context.repo.id, "Merge Request Hook", pushed);
    await context.settled(loom);

    assert.deepEqual((await context.jobs()).map((job) => job.status), ["cancelled", "completed"]);
    assert.equal(summaryNotes(gitlab).length, 1);
    assert.ok(
      summaryNotes(gitlab)[0]!.body.includes(context.second.headSha),
      "only the newest head is posted",
    );
    assert.ok(gitlab.state.discussions.length > 0);
    // The old job is cancelled in the database at once; its worker notices at the next heartbeat and only then
    // marks the old head's status, so wait for that instead of racing it.
    const firstHeadStates = () =>
      gitlab.state.statuses.filter((status) => status.sha === context.first.headSha).map((status) =>
        status.state
      );
    await waitFor(
      () => firstHeadStates().length >= 2 ? true : undefined,
      () => JSON.stringify(firstHeadStates()),
    );
    assert.deepEqual(firstHeadStates(), ["pending", "failed"]);

    stall = true;
    const head3 = HEAD_2 + "// more\n";
    const third = await makeGitDiff({ "src/cache.ts": { base: BASE, head: head3 } });
    seedMergeRequest(gitlab, third, head3);
    llmReached = new Promise<void>((resolve) => (reachedLlm = resolve));
    const discussions = gitlab.state.discussions.length;
    await deliver(
      loom,
      context.repo.id,
      "Merge Request Hook",
      mergeRequestPayload("update", { ...third, oldrev: context.second.headSha }),
    );
    await llmReached;
    // The merge request is closed on GitLab first: Loom checks a close with the platform before it cancels.
    seedMergeRequest(gitlab, third, head3, false, "closed");
    const closed = await deliver(
      loom,
      context.repo.id,
      "Merge Request Hook",
      mergeRequestPayload("close", third),
    );
    assert.equal(closed.outcome, "cancelled");
    await context.settled(loom);
    assert.equal((await context.jobs()).at(-1)!.status, "cancelled");
    assert.equal(gitlab.state.discussions.length, discussions, "nothing posted after closing");
  });

  Deno.test(`draft and bot merge requests on GitLab follow the trigger rules [${dialect}]`, async () => {
    await using context = await setup(dialect, findingsReply);
    await using loom = await startLoom(context.env);
    seedMergeRequest(context.gitlab, context.first, HEAD, true);
    await deliver(
      loom,
      context.repo.id,
      "Merge Request Hook",
      mergeRequestPayload("open", context.first, { draft: true }),
    );
    await context.settled(loom);
    // The review reads the author from GitLab when it starts, so GitLab says it is the bot too.
    seedMergeRequest(context.gitlab, context.first, HEAD, false, "open", "renovate-bot");
    const bot = mergeRequestPayload("reopen", context.first, { author: "renovate-bot" });
    await deliver(loom, context.repo.id, "Merge Request Hook", bot);
    await context.settled(loom);
    assert.equal(summaryNotes(context.gitlab).length, 0);
    assert.equal(context.gitlab.state.statuses.length, 0);
    assert.equal(progressNotes(context.gitlab).length, 0);
    await loom.waitForLog(/Pull request is a draft and triggers\.drafts is false/);
    await loom.waitForLog(/is a bot and triggers\.authors\.bots is false/);
  });
}
