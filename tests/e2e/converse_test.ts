/**
 * Conversations in Loom's review threads, end to end in the real process on the GitHub and GitLab fakes, on both
 * databases: a review posts the off-by-one finding inline; the pull request's author disputes it in a reply in that
 * thread (a real-shaped `pull_request_review_comment` webhook with `in_reply_to_id`, a GitLab note hook on a
 * `DiffNote` with its `discussion_id`). Loom answers in the same thread; the model's request holds the whole
 * thread, oldest first, inside a fence, with the commented hunk, the file and the recorded finding. The model
 * concedes, so the finding is dismissed on the pull request — a later push does not post it again even once the
 * thread is gone — and a learning is proposed. Loom's own reply, delivered back as a webhook, starts nothing.
 * Also: `@loom ask` answers in a reply and is recorded in the history as an `ask` run.
 */
import assert from "node:assert/strict";
import { sign } from "@octokit/webhooks-methods";
import examples from "@octokit/webhooks-examples" with { type: "json" };
import gitlabMergeRequest from "../../lib/platforms/gitlab/testdata/merge-request-event.json" with {
  type: "json",
};
import gitlabNote from "../../lib/platforms/gitlab/testdata/comment-merge-request-event.json" with {
  type: "json",
};
import { sql } from "../../lib/db/mod.ts";
import { FAKE_GITHUB_TOKEN, type FakeGitHub, startFakeGitHub } from "../fakes/github.ts";
import { type FakeGitLab, startFakeGitLab } from "../fakes/gitlab.ts";
import { userId as gitlabUserId } from "../fakes/gitlab/shapes.ts";
import type { FakeLlmRequest, FakeReply } from "../fakes/openai.ts";
import type { GitDiffResult } from "../fakes/git_diff.ts";
import { type LoomProcess, startLoom } from "../support/loom_process.ts";
import {
  ANCHORED_TITLE,
  BASE_SOURCE,
  findingsReply,
  HEAD_SOURCE,
  postWebhook,
  type ReviewE2e,
  REVIEWED_PATH,
  SECOND_HEAD_SOURCE,
  secondPushDiff,
  setupReviewE2e,
  waitForCompletedJobs,
} from "../support/e2e_review.ts";

const SECRET = "e2e-converse-webhook-secret";
const DISPUTE = "This cannot overflow: `keys` always has a sentinel at the end, see `evict`'s callers.";
const CONCESSION = "You are right: with the sentinel the last index is never read, so the loop is safe.";
const LEARNING = "Loops in src/cache.ts may run to keys.length because callers append a sentinel.";
const QUESTION = "Why is the TTL a whole year?";
const ASK_ANSWER = "The TTL is set to a year so cached keys survive restarts.";

/** The user message of a request. */
function userText(request: FakeLlmRequest): string {
  return request.messages.filter((message) => message.role === "user").map((message) => message.content).join(
    "\n",
  );
}

/** Reviews find the off-by-one; a thread answer concedes it; a question gets its answer. */
function model(request: FakeLlmRequest): FakeReply {
  const text = userText(request);
  if (text.includes("THREAD START")) {
    return {
      json: { reply: CONCESSION, verdict: "concede", learning: LEARNING },
      usage: { inputTokens: 900, outputTokens: 60 },
    };
  }
  if (text.includes("QUESTION START")) {
    return { text: ASK_ANSWER, usage: { inputTokens: 700, outputTokens: 30 } };
  }
  return findingsReply(request);
}

/** The request that answered in the thread; checks the thread, hunk, file and finding are in it, fenced. */
function assertThreadPrompt(requests: readonly FakeLlmRequest[], rootAuthor: string) {
  const found = requests.filter((request) => userText(request).includes("THREAD START"));
  assert.equal(found.length, 1, "one model call answered the thread");
  const text = userText(found[0]!);
  const thread = /THREAD START\n(`{3,})\n([\s\S]*?)\n\1\nTHREAD END/.exec(text);
  assert.ok(thread, `the thread is fenced between THREAD START and THREAD END: ${text}`);
  const history = thread[2]!;
  const finding = history.indexOf(ANCHORED_TITLE);
  const dispute = history.indexOf(DISPUTE);
  assert.ok(finding >= 0, "the finding's comment is in the thread");
  assert.ok(dispute > finding, "the dispute follows it: oldest first");
  assert.match(history, new RegExp(`\\[finding 1\\] @${rootAuthor.replace(/[[\]]/g, "\\$&")} \\(Loom\\)`));
  assert.match(history, /\[reply 2\] @ada:/);
  assert.doesNotMatch(history, /loom:fp=/, "markers are not shown to the model");
  assert.match(text, /HUNK START\n`{3,}diff\n[\s\S]*\+ {2}for \(let i = 0; i <= keys\.length/);
  assert.match(text, /FILE START\n`{3,}\n[\s\S]*10 \| {3}for \(let i = 0; i <= keys\.length/);
  assert.match(text, /FINDING START\n`{3,}\nOff-by-one in evict loop/);
}

/** The database rows the conversation leaves: the dismissal, the proposed learning and the history run. */
async function assertRecorded(context: ReviewE2e, prNumber: number) {
  const db = context.database.db;
  const ignored = await db.query<{ title: string; ignoredBy: string }>(
    sql`select title, ignored_by from ignored_findings where repo_id = ${context.repo.id} and pr_number = ${prNumber}`,
  );
  assert.deepEqual(ignored.map((row) => [row.title, row.ignoredBy]), [[ANCHORED_TITLE, "ada"]]);
  const learnings = await db.query<{ rule: string; sourceKind: string; status: string; createdBy: string }>(
    sql`select rule, source_kind, status, created_by from learnings where repo_id = ${context.repo.id}`,
  );
  assert.deepEqual(learnings.map((row) => ({ ...row })), [
    { rule: LEARNING, sourceKind: "concede", status: "proposed", createdBy: "ada" },
  ]);
  const runs = await db.query<{ kind: string; status: string; inputTokens: number; outputTokens: number }>(
    sql`select kind, status, input_tokens, output_tokens from reviews where kind = 'converse'`,
  );
  assert.deepEqual(
    runs.map((row) => [row.kind, row.status, Number(row.inputTokens), Number(row.outputTokens)]),
    [["converse", "completed", 900, 60]],
  );
}

// ---------------------------------------------------------------------------------------------- GitHub

const REPO = "octo-org/cache-service";
// deno-lint-ignore no-explicit-any
type Payload = Record<string, any>;
const EXAMPLES = examples as unknown as { name: string; examples: Payload[] }[];

function example(name: string, action: string): Payload {
  const payload = structuredClone(
    EXAMPLES.find((item) => item.name === name)!.examples.find((item) => item.action === action)!,
  );
  payload.repository.full_name = REPO;
  payload.repository.name = "cache-service";
  payload.repository.owner.login = "octo-org";
  return payload;
}

async function deliverGitHub(loom: LoomProcess, context: ReviewE2e, event: string, payload: Payload) {
  const body = JSON.stringify(payload);
  return (await postWebhook(loom, context.webhookPath, body, {
    "x-github-event": event,
    "x-github-delivery": crypto.randomUUID(),
    "x-hub-signature-256": await sign(SECRET, body),
  })).body;
}

function seedGitHub(github: FakeGitHub, diff: GitDiffResult, head: string) {
  github.state.addPullRequest({
    repo: REPO,
    number: 42,
    title: "Add cache eviction",
    author: "ada",
    headSha: diff.headSha,
    baseSha: diff.baseSha,
    headRef: "eviction",
    diff: diff.diff,
    files: { [REVIEWED_PATH]: { base: BASE_SOURCE, head } },
  });
}

function pushPayload(action: string, diff: GitDiffResult): Payload {
  const payload = example("pull_request", "opened");
  payload.action = action;
  payload.number = 42;
  payload.pull_request.number = 42;
  payload.pull_request.draft = false;
  payload.pull_request.head.sha = diff.headSha;
  payload.pull_request.base.sha = diff.baseSha;
  payload.pull_request.base.ref = "main";
  return payload;
}

/** A `pull_request_review_comment` `created` webhook for `comment`, as GitHub sends a reply in a thread. */
function reviewCommentPayload(
  comment: { id: number; body: string; inReplyTo: number; login: string; type?: "User" | "Bot" },
): Payload {
  const payload = example("pull_request_review_comment", "created");
  payload.pull_request.number = 42;
  payload.comment.id = comment.id;
  payload.comment.body = comment.body;
  payload.comment.in_reply_to_id = comment.inReplyTo;
  payload.comment.path = REVIEWED_PATH;
  payload.comment.user.login = comment.login;
  payload.comment.user.type = comment.type ?? "User";
  payload.sender.login = comment.login;
  payload.sender.type = comment.type ?? "User";
  return payload;
}

let nextIssueComment = 9000;
function issueCommentPayload(body: string, login: string): Payload {
  const payload = example("issue_comment", "created");
  payload.issue.number = 42;
  payload.issue.pull_request = { url: `https://api.github.com/repos/${REPO}/pulls/42` };
  payload.comment.id = nextIssueComment++;
  payload.comment.body = body;
  payload.comment.user.login = login;
  payload.comment.user.type = "User";
  payload.sender.login = login;
  payload.sender.type = "User";
  return payload;
}

async function githubSetup(dialect: "sqlite" | "postgres") {
  const context = await setupReviewE2e({
    dialect,
    platform: "github",
    fullName: REPO,
    webhookSecret: SECRET,
    reply: model,
  });
  const github = startFakeGitHub();
  seedGitHub(github, context.diff, HEAD_SOURCE);
  github.state.setPermission(REPO, "ada", "write");
  return {
    context,
    github,
    env: { ...context.env, LOOM_GITHUB_API_URL: github.url, LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN },
    async [Symbol.asyncDispose]() {
      await github.close();
      await context[Symbol.asyncDispose]();
    },
  };
}

for (const dialect of ["sqlite", "postgres"] as const) {
  Deno.test(`GitHub: a dispute in Loom's review thread is answered there and the conceded finding is dismissed [${dialect}]`, async () => {
    await using setup = await githubSetup(dialect);
    const { context, github } = setup;
    await using loom = await startLoom(setup.env);
    assert.equal(
      (await deliverGitHub(loom, context, "pull_request", pushPayload("opened", context.diff))).outcome,
      "enqueued",
    );
    await waitForCompletedJobs(context, loom, 1);
    const root = github.state.reviewComments.find((comment) => comment.body.includes(ANCHORED_TITLE))!;
    assert.ok(root, "the review posted the finding inline");

    // The author replies in the thread (GitHub stores the reply, then delivers the webhook).
    const dispute = github.state.addReviewComment(REPO, 42, {
      path: REVIEWED_PATH,
      line: 10,
      body: DISPUTE,
      user: { login: "ada", type: "User" },
    });
    dispute.inReplyTo = root.id;
    const delivered = await deliverGitHub(
      loom,
      context,
      "pull_request_review_comment",
      reviewCommentPayload({ id: dispute.id, body: DISPUTE, inReplyTo: root.id, login: "ada" }),
    );
    assert.equal(delivered.outcome, "enqueued");
    await waitForCompletedJobs(context, loom, 2);

    const answers = github.state.reviewComments.filter((comment) =>
      comment.inReplyTo === root.id && comment.user.login === "loom-bot"
    );
    assert.equal(answers.length, 1, "one answer, in the thread");
    assert.ok(answers[0]!.body.includes(CONCESSION), answers[0]!.body);
    assert.match(answers[0]!.body, /Dismissed: I will not post this finding on this pull request again/);
    assert.match(answers[0]!.body, new RegExp(`<!-- loom:reply to=${dispute.id} -->`));
    assert.equal(
      github.state.issueComments.filter((comment) => comment.body.includes(CONCESSION)).length,
      0,
      "nothing is posted outside the thread",
    );
    assertThreadPrompt(context.openai.requests, "loom-bot");
    await assertRecorded(context, 42);

    // Loom's own answer, delivered back as GitHub would, starts nothing.
    const own = await deliverGitHub(
      loom,
      context,
      "pull_request_review_comment",
      reviewCommentPayload({
        id: answers[0]!.id,
        body: answers[0]!.body,
        inReplyTo: root.id,
        login: "loom-bot",
      }),
    );
    assert.equal(own.outcome, "ignored");

    // A maintainer deletes the settled thread; the next push still does not post the dismissed finding.
    github.state.reviewComments.splice(
      0,
      github.state.reviewComments.length,
      ...github.state.reviewComments.filter((comment) =>
        comment.id !== root.id && comment.inReplyTo !== root.id
      ),
    );
    const pushed = await secondPushDiff();
    seedGitHub(github, pushed, SECOND_HEAD_SOURCE);
    assert.equal(
      (await deliverGitHub(loom, context, "pull_request", pushPayload("synchronize", pushed))).outcome,
      "enqueued",
    );
    await waitForCompletedJobs(context, loom, 3);
    const second = github.state.reviews.at(-1)!;
    assert.equal(second.commitId, pushed.headSha, "the push was reviewed");
    assert.ok(
      context.openai.requests.at(-1)!.messages.some((message) =>
        message.content.includes("i <= keys.length")
      ),
      "the model saw the disputed line again",
    );
    const posted = [second.body, ...second.comments.map((comment) => comment.body)].join("\n");
    assert.doesNotMatch(posted, new RegExp(ANCHORED_TITLE), "the dismissed finding is not posted again");
  });

  Deno.test(`GitHub: @loom ask is answered in a reply and recorded as an ask run [${dialect}]`, async () => {
    await using setup = await githubSetup(dialect);
    const { context, github } = setup;
    await using loom = await startLoom(setup.env);
    const asked = await deliverGitHub(
      loom,
      context,
      "issue_comment",
      issueCommentPayload(`@loom ask ${QUESTION}`, "ada"),
    );
    assert.equal(asked.outcome, "enqueued");
    await waitForCompletedJobs(context, loom, 1);
    const replies = github.state.issueComments.filter((comment) => comment.user.login === "loom-bot");
    assert.equal(replies.length, 1);
    assert.ok(replies[0]!.body.includes(`> ${QUESTION}`), replies[0]!.body);
    assert.ok(replies[0]!.body.includes(ASK_ANSWER), replies[0]!.body);
    const request = context.openai.requests.find((candidate) =>
      userText(candidate).includes("QUESTION START")
    )!;
    assert.match(
      userText(request),
      new RegExp(`QUESTION START\\n(\`{3,})\\n${QUESTION.replace("?", "\\?")}\\n\\1\\nQUESTION END`),
    );
    assert.match(userText(request), /DIFF START\n`{3,}diff\n[\s\S]*evict/);
    const runs = await context.database.db.query<{ kind: string; status: string; inputTokens: number }>(
      sql`select kind, status, input_tokens from reviews`,
    );
    assert.deepEqual(runs.map((row) => [row.kind, row.status, Number(row.inputTokens)]), [[
      "ask",
      "completed",
      700,
    ]]);
  });
}

// ---------------------------------------------------------------------------------------------- GitLab

const PROJECT = "platform-team/cache-service";

function seedGitLab(gitlab: FakeGitLab, diff: GitDiffResult, head: string) {
  gitlab.state.addPullRequest({
    repo: PROJECT,
    number: 3,
    title: "Add cache eviction",
    author: "ada",
    headSha: diff.headSha,
    baseSha: diff.baseSha,
    baseRef: "main",
    headRef: "eviction",
    diff: diff.diff,
    files: { [REVIEWED_PATH]: { base: BASE_SOURCE, head } },
  });
}

async function deliverGitLab(loom: LoomProcess, context: ReviewE2e, event: string, payload: unknown) {
  return (await postWebhook(loom, context.webhookPath, JSON.stringify(payload), {
    "x-gitlab-event": event,
    "x-gitlab-token": SECRET,
    "idempotency-key": crypto.randomUUID(),
  })).body;
}

function mergeRequestPayload(diff: GitDiffResult, pushed: GitDiffResult | null) {
  const payload = structuredClone(gitlabMergeRequest);
  payload.project.id = 7;
  payload.project.path_with_namespace = PROJECT;
  payload.user.username = "ada";
  const attributes = payload.object_attributes as Record<string, unknown> & typeof payload.object_attributes;
  attributes.iid = 3;
  attributes.title = "Add cache eviction";
  attributes.action = pushed ? "update" : "open";
  attributes.oldrev = pushed ? diff.headSha : null;
  attributes.source_branch = "eviction";
  attributes.target_branch = "main";
  attributes.target_project_id = 7;
  attributes.draft = false;
  attributes.work_in_progress = false;
  attributes.last_commit.id = (pushed ?? diff).headSha;
  return payload;
}

/** A note hook for a note in a diff discussion, as GitLab sends it (`type: "DiffNote"`, `discussion_id`). */
function diffNotePayload(note: { id: number; body: string; discussionId: string; username: string }) {
  const payload = structuredClone(gitlabNote) as Payload;
  payload.project.id = 7;
  payload.project_id = 7;
  payload.project.path_with_namespace = PROJECT;
  payload.user.username = note.username;
  payload.user.id = gitlabUserId(note.username);
  payload.merge_request.iid = 3;
  Object.assign(payload.object_attributes, {
    id: note.id,
    note: note.body,
    action: "create",
    type: "DiffNote",
    discussion_id: note.discussionId,
    project_id: 7,
  });
  return payload;
}

for (const dialect of ["sqlite", "postgres"] as const) {
  Deno.test(`GitLab: a dispute in Loom's discussion is answered there and the conceded finding is dismissed [${dialect}]`, async () => {
    await using context = await setupReviewE2e({
      dialect,
      platform: "gitlab",
      fullName: PROJECT,
      webhookSecret: SECRET,
      reply: model,
    });
    await using gitlab = startFakeGitLab();
    seedGitLab(gitlab, context.diff, HEAD_SOURCE);
    gitlab.state.addMember(PROJECT, "ada", 30);
    await using loom = await startLoom({
      ...context.env,
      LOOM_GITLAB_URL: gitlab.url,
      LOOM_GITLAB_TOKEN: gitlab.token,
    });
    assert.equal(
      (await deliverGitLab(loom, context, "Merge Request Hook", mergeRequestPayload(context.diff, null)))
        .outcome,
      "enqueued",
    );
    await waitForCompletedJobs(context, loom, 1);
    const root = gitlab.state.discussions.find((note) => note.body.includes(ANCHORED_TITLE))!;
    assert.ok(root, "the review started a discussion on the finding");

    const dispute = gitlab.state.addNote({ repo: PROJECT, number: 3, body: DISPUTE, author: "ada" });
    Object.assign(dispute, { discussionId: root.discussionId, type: "DiffNote", position: root.position });
    const delivered = await deliverGitLab(
      loom,
      context,
      "Note Hook",
      diffNotePayload({ id: dispute.id, body: DISPUTE, discussionId: root.discussionId, username: "ada" }),
    );
    assert.equal(delivered.outcome, "enqueued");
    await waitForCompletedJobs(context, loom, 2);

    const thread = gitlab.state.notes.filter((note) => note.discussionId === root.discussionId);
    assert.deepEqual(
      thread.map((note) => note.author),
      ["loom-bot", "ada", "loom-bot"],
      "answered in the discussion",
    );
    assert.ok(thread[2]!.body.includes(CONCESSION), thread[2]!.body);
    assert.match(thread[2]!.body, /Dismissed: I will not post this finding on this pull request again/);
    assertThreadPrompt(context.openai.requests, "loom-bot");
    await assertRecorded(context, 3);

    // Loom's own note, delivered back, starts nothing.
    const own = await deliverGitLab(
      loom,
      context,
      "Note Hook",
      diffNotePayload({
        id: thread[2]!.id,
        body: thread[2]!.body,
        discussionId: root.discussionId,
        username: "loom-bot",
      }),
    );
    assert.equal(own.outcome, "ignored");

    // The discussion is deleted; the next push still does not post the dismissed finding.
    for (const list of [gitlab.state.notes, gitlab.state.discussions]) {
      list.splice(0, list.length, ...list.filter((note) => note.discussionId !== root.discussionId));
    }
    const pushed = await secondPushDiff();
    seedGitLab(gitlab, pushed, SECOND_HEAD_SOURCE);
    assert.equal(
      (await deliverGitLab(loom, context, "Merge Request Hook", mergeRequestPayload(context.diff, pushed)))
        .outcome,
      "enqueued",
    );
    await waitForCompletedJobs(context, loom, 3);
    assert.ok(
      gitlab.state.statuses.some((status) => status.sha === pushed.headSha && status.state === "success"),
      "the push was reviewed",
    );
    const posted = gitlab.state.notes.map((note) => note.body).join("\n");
    assert.doesNotMatch(posted, new RegExp(ANCHORED_TITLE), "the dismissed finding is not posted again");
  });
}
