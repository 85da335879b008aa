import assert from "node:assert/strict";
import { sign } from "@octokit/webhooks-methods";
import examples from "@octokit/webhooks-examples" with { type: "json" };
import type { CommentEvent, PullRequestEvent } from "../types.ts";
import { githubWebhook } from "./webhook.ts";

const SECRET = "It's a Secret to Everybody";
const ACTED_ON = new Set(["opened", "synchronize", "reopened", "ready_for_review", "closed"]);
/** Actions read as `edited`: the labels changed (a title edit is too, tested below). */
const LABEL_ACTIONS = new Set(["labeled", "unlabeled"]);

// deno-lint-ignore no-explicit-any
type Payload = Record<string, any>;

function examplesOf(name: string): Payload[] {
  const definition = (examples as unknown as { name: string; examples: Payload[] }[]).find((item) =>
    item.name === name
  );
  assert.ok(definition, `@octokit/webhooks-examples has no "${name}" examples`);
  return definition.examples;
}

async function readFixture(name: string): Promise<{ raw: Uint8Array; body: Payload }> {
  const raw = await Deno.readFile(new URL(`./testdata/${name}`, import.meta.url));
  return { raw, body: JSON.parse(new TextDecoder().decode(raw)) };
}

function headersFor(event: string, extra: Record<string, string> = {}): Headers {
  return new Headers({
    "X-GitHub-Event": event,
    "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    ...extra,
  });
}

function clone(payload: Payload): Payload {
  return structuredClone(payload);
}

Deno.test("githubWebhook.verify() accepts the signature GitHub computes over the raw body", async () => {
  const { raw } = await readFixture("pull-request.json");
  const signature = await sign(SECRET, new TextDecoder().decode(raw));
  const headers = headersFor("pull_request", { "X-Hub-Signature-256": signature });
  assert.equal(await githubWebhook.verify(headers, raw, SECRET), true);
});

Deno.test("githubWebhook.verify() rejects wrong, missing and malformed signatures and changed bodies", async (t) => {
  const { raw, body } = await readFixture("pull-request.json");
  const signature = await sign(SECRET, new TextDecoder().decode(raw));
  const signed = (value: string) => headersFor("pull_request", { "X-Hub-Signature-256": value });

  await t.step("wrong secret", async () => {
    assert.equal(await githubWebhook.verify(signed(signature), raw, "another secret"), false);
  });
  await t.step("missing header", async () => {
    assert.equal(await githubWebhook.verify(headersFor("pull_request"), raw, SECRET), false);
  });
  await t.step("empty header", async () => {
    assert.equal(await githubWebhook.verify(signed(""), raw, SECRET), false);
  });
  await t.step("malformed headers", async () => {
    for (
      const value of ["sha256=", "sha256=xyz", signature.slice("sha256=".length), `sha1=${"a".repeat(40)}`]
    ) {
      assert.equal(await githubWebhook.verify(signed(value), raw, SECRET), false, value);
    }
    assert.equal(await githubWebhook.verify(signed(signature.toUpperCase()), raw, SECRET), false);
  });
  await t.step("empty secret", async () => {
    assert.equal(await githubWebhook.verify(signed(signature), raw, ""), false);
  });
  await t.step("empty body", async () => {
    assert.equal(await githubWebhook.verify(signed(signature), new Uint8Array(), SECRET), false);
  });
  await t.step("tampered body", async () => {
    const tampered = new TextEncoder().encode(new TextDecoder().decode(raw).replace('"opened"', '"closed"'));
    assert.notDeepEqual(tampered, raw);
    assert.equal(await githubWebhook.verify(signed(signature), tampered, SECRET), false);
  });
  await t.step("pretty-printed re-serialisation of the same object", async () => {
    const pretty = new TextEncoder().encode(JSON.stringify(body, null, 2));
    assert.equal(await githubWebhook.verify(signed(signature), pretty, SECRET), false);
  });
});

Deno.test("githubWebhook.deliveryId() and repoName() read the delivery header and repository.full_name", async () => {
  const { body } = await readFixture("pull-request.json");
  const headers = headersFor("pull_request");
  assert.equal(githubWebhook.deliveryId(headers, body), "72d3162e-cc78-11e3-81ab-4c9367dc0958");
  assert.equal(githubWebhook.deliveryId(new Headers(), body), null);
  assert.equal(githubWebhook.repoName(headers, body), "baxterthehacker/public-repo");
  assert.equal(githubWebhook.repoName(headers, { zen: "Keep it logically awesome." }), null);
  assert.equal(githubWebhook.repoName(headers, null), null);
  assert.equal(githubWebhook.repoName(headers, { repository: { full_name: 42 } }), null);
});

Deno.test("githubWebhook.parse() maps the go-playground pull_request fixture to a PullRequestEvent", async () => {
  const { body } = await readFixture("pull-request.json");
  const expected: PullRequestEvent = {
    kind: "pull_request",
    action: "opened",
    deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    pr: { platform: "github", repo: "baxterthehacker/public-repo", number: 1 },
    repoId: "35129377",
    title: "Update the README with new information",
    author: "baxterthehacker",
    authorIsBot: false,
    draft: false,
    headSha: "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
    headRef: "changes",
    baseSha: "9049f1265b7d61be4a8904a9a27120d2064dab3b",
    baseRef: "master",
    repoPublic: true,
  };
  assert.deepEqual(githubWebhook.parse(headersFor("pull_request"), body), expected);
});

Deno.test("githubWebhook.parse() acts on every opened/synchronize/reopened/ready_for_review/closed example and ignores the other pull_request actions", async (t) => {
  const all = examplesOf("pull_request");
  assert.ok(all.length >= 29);
  for (const [index, payload] of all.entries()) {
    await t.step(`${payload.action} #${index}`, () => {
      const event = githubWebhook.parse(headersFor("pull_request"), payload);
      if (!ACTED_ON.has(payload.action) && !LABEL_ACTIONS.has(payload.action)) {
        assert.equal(event, null);
        return;
      }
      assert.ok(event !== null && event.kind === "pull_request");
      const pullRequest = payload.pull_request;
      assert.equal(event.action, LABEL_ACTIONS.has(payload.action) ? "edited" : payload.action);
      assert.deepEqual(event.labels, pullRequest.labels.map((label: { name: string }) => label.name));
      assert.deepEqual(event.pr, {
        platform: "github",
        repo: payload.repository.full_name,
        number: payload.number,
      });
      assert.equal(event.repoId, String(payload.repository.id));
      assert.equal(event.title, pullRequest.title);
      assert.equal(event.author, pullRequest.user.login);
      assert.equal(event.authorIsBot, false);
      assert.equal(event.draft, pullRequest.draft);
      assert.equal(event.headSha, pullRequest.head.sha);
      assert.equal(event.headRef, pullRequest.head.ref);
      assert.equal(event.baseSha, pullRequest.base.sha);
      assert.equal(event.baseRef, pullRequest.base.ref);
      assert.equal(event.beforeSha, payload.action === "synchronize" ? payload.before : undefined);
    });
  }
  const actions = new Set(all.map((payload) => payload.action));
  for (const action of ACTED_ON) assert.ok(actions.has(action), `no "${action}" example`);
});

Deno.test("githubWebhook.parse() treats a retargeted base branch as synchronize and other edits as ignored", () => {
  const opened = examplesOf("pull_request").find((payload) => payload.action === "opened")!;
  const retargeted = clone(opened);
  retargeted.action = "edited";
  retargeted.changes = { base: { ref: { from: "develop" }, sha: { from: "a".repeat(40) } } };
  const event = githubWebhook.parse(headersFor("pull_request"), retargeted);
  assert.ok(event !== null && event.kind === "pull_request");
  assert.equal(event.action, "synchronize");
  assert.equal(event.beforeSha, undefined);

  const retitled = clone(opened);
  retitled.action = "edited";
  retitled.changes = { title: { from: "WIP: Update the README" } };
  const edited = githubWebhook.parse(headersFor("pull_request"), retitled);
  assert.ok(edited !== null && edited.kind === "pull_request");
  assert.equal(edited.action, "edited");
  assert.equal(edited.title, opened.pull_request.title);

  const described = clone(opened);
  described.action = "edited";
  described.changes = { body: { from: "Old description" } };
  assert.equal(githubWebhook.parse(headersFor("pull_request"), described), null);
});

Deno.test("githubWebhook.parse() reads a label added later as edited, with the labels and the author's bot flag", () => {
  const labeled = clone(examplesOf("pull_request").find((payload) => payload.action === "labeled")!);
  labeled.pull_request.labels.push({ ...labeled.label, name: "ai-review" });
  // A labeler bot adding the label does not make a person's pull request a bot's.
  labeled.sender.type = "Bot";
  const event = githubWebhook.parse(headersFor("pull_request"), labeled);
  assert.ok(event !== null && event.kind === "pull_request");
  assert.equal(event.action, "edited");
  assert.deepEqual(event.labels, ["bug", "ai-review"]);
  assert.equal(event.authorIsBot, false);
  labeled.pull_request.user.type = "Bot";
  const byBot = githubWebhook.parse(headersFor("pull_request"), labeled);
  assert.ok(byBot !== null && byBot.kind === "pull_request");
  assert.equal(byBot.authorIsBot, true);
});

Deno.test("githubWebhook.parse() flags events from bots by sender or pull request author", () => {
  const opened = examplesOf("pull_request").find((payload) => payload.action === "opened")!;
  const bySender = clone(opened);
  bySender.sender.type = "Bot";
  const byAuthor = clone(opened);
  byAuthor.pull_request.user.type = "Bot";
  for (const payload of [bySender, byAuthor]) {
    const event = githubWebhook.parse(headersFor("pull_request"), payload);
    assert.ok(event !== null && event.kind === "pull_request");
    assert.equal(event.authorIsBot, true);
  }
});

Deno.test("githubWebhook.parse() maps a conversation comment on a pull request to a CommentEvent", async () => {
  const { body } = await readFixture("pull-request-issue-comment.json");
  const expected: CommentEvent = {
    kind: "comment",
    deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    pr: { platform: "github", repo: "chhsia0/knative-route-demo", number: 3 },
    repoId: "199540710",
    commentId: "546616131",
    body: "/build",
    author: "chhsia0",
    authorId: "4643017",
    authorIsBot: false,
    repoPublic: true,
  };
  assert.deepEqual(githubWebhook.parse(headersFor("issue_comment"), body), expected);
});

Deno.test("githubWebhook.parse() ignores comments on plain issues and non-created comment actions", async (t) => {
  const { body } = await readFixture("issue-comment.json");
  assert.equal(githubWebhook.parse(headersFor("issue_comment"), body), null);
  for (const [index, payload] of examplesOf("issue_comment").entries()) {
    await t.step(`${payload.action} #${index} on an issue`, () => {
      assert.equal(githubWebhook.parse(headersFor("issue_comment"), payload), null);
    });
    await t.step(`${payload.action} #${index} moved onto a pull request`, () => {
      const onPullRequest = clone(payload);
      onPullRequest.issue.pull_request = {
        url: `https://api.github.com/repos/${payload.repository.full_name}/pulls/${payload.issue.number}`,
      };
      const event = githubWebhook.parse(headersFor("issue_comment"), onPullRequest);
      if (payload.action !== "created") {
        assert.equal(event, null);
        return;
      }
      assert.ok(event !== null && event.kind === "comment");
      assert.equal(event.pr.number, payload.issue.number);
      assert.equal(event.commentId, String(payload.comment.id));
      assert.equal(event.body, payload.comment.body);
      assert.equal(event.author, payload.comment.user.login);
      assert.equal(event.authorId, String(payload.comment.user.id));
      assert.equal("authorCanWrite" in event, false, "write access is the permission API's answer");
    });
  }
});

Deno.test("githubWebhook.parse() maps created review comments and ignores edits and deletions", async (t) => {
  for (const [index, payload] of examplesOf("pull_request_review_comment").entries()) {
    await t.step(`${payload.action} #${index}`, () => {
      const event = githubWebhook.parse(headersFor("pull_request_review_comment"), payload);
      if (payload.action !== "created") {
        assert.equal(event, null);
        return;
      }
      assert.ok(event !== null && event.kind === "comment");
      assert.deepEqual(event.pr, {
        platform: "github",
        repo: payload.repository.full_name,
        number: payload.pull_request.number,
      });
      assert.equal(event.commentId, String(payload.comment.id));
      assert.equal(event.body, payload.comment.body);
      assert.equal(event.authorId, String(payload.comment.user.id));
      assert.equal("authorCanWrite" in event, false, "write access is the permission API's answer");
    });
  }
  await t.step("older payload without author_association", async () => {
    const { body } = await readFixture("pull-request-review-comment.json");
    const event = githubWebhook.parse(headersFor("pull_request_review_comment"), body);
    assert.ok(event !== null && event.kind === "comment");
    assert.equal(event.commentId, "29724692");
    assert.equal(event.pr.number, 1);
    assert.equal("authorCanWrite" in event, false);
  });
  await t.step("a bot author", () => {
    const payload = clone(examplesOf("pull_request_review_comment")[0]);
    payload.comment.author_association = "CONTRIBUTOR";
    payload.comment.user.type = "Bot";
    const event = githubWebhook.parse(headersFor("pull_request_review_comment"), payload);
    assert.ok(event !== null && event.kind === "comment");
    assert.equal(event.authorIsBot, true);
  });
});

Deno.test("githubWebhook.parse() ignores ping, reviews and unknown events", async () => {
  for (const payload of examplesOf("ping")) {
    assert.equal(githubWebhook.parse(headersFor("ping"), payload), null);
  }
  assert.equal(githubWebhook.parse(headersFor("ping"), (await readFixture("ping.json")).body), null);
  const review = (await readFixture("pull-request-review.json")).body;
  assert.equal(githubWebhook.parse(headersFor("pull_request_review"), review), null);
  const push = examplesOf("push")[0];
  assert.equal(githubWebhook.parse(headersFor("push"), push), null);
  assert.equal(githubWebhook.parse(new Headers(), push), null);
});

Deno.test("githubWebhook.parse() throws TypeError naming the missing fields of a malformed payload", async () => {
  const { body } = await readFixture("pull-request.json");
  const withoutHead = clone(body);
  delete withoutHead.pull_request.head;
  assert.throws(
    () => githubWebhook.parse(headersFor("pull_request"), withoutHead),
    (error: unknown) =>
      error instanceof TypeError &&
      error.message.startsWith('Cannot parse GitHub "pull_request" webhook: ') &&
      error.message.includes("pull_request.head"),
  );
  const withoutRepository = clone(body);
  delete withoutRepository.repository;
  assert.throws(() => githubWebhook.parse(headersFor("pull_request"), withoutRepository), /repository/);
  assert.throws(() => githubWebhook.parse(headersFor("pull_request"), "not an object"), TypeError);
  assert.throws(() => githubWebhook.parse(headersFor("issue_comment"), { issue: {} }), /action/);

  const { body: comment } = await readFixture("pull-request-issue-comment.json");
  const withoutCommentBody = clone(comment);
  delete withoutCommentBody.comment.body;
  assert.throws(() => githubWebhook.parse(headersFor("issue_comment"), withoutCommentBody), /comment\.body/);
});

Deno.test("githubWebhook.parse() reads the thread of a review comment from in_reply_to_id", () => {
  const first = clone(examplesOf("pull_request_review_comment")[0]);
  const opened = githubWebhook.parse(headersFor("pull_request_review_comment"), first);
  assert.ok(opened !== null && opened.kind === "comment");
  // A thread's first comment is its own thread: it answers no one.
  assert.deepEqual(opened.thread, { id: String(first.comment.id) });

  const reply = clone(first);
  reply.comment.id = first.comment.id + 1;
  reply.comment.in_reply_to_id = first.comment.id;
  const answered = githubWebhook.parse(headersFor("pull_request_review_comment"), reply);
  assert.ok(answered !== null && answered.kind === "comment");
  assert.deepEqual(answered.thread, { id: String(first.comment.id), inReplyTo: String(first.comment.id) });

  const conversation = githubWebhook.parse(headersFor("issue_comment"), examplesOf("issue_comment")[0]);
  assert.equal(
    conversation === null || !("thread" in conversation),
    true,
    "a conversation comment has no thread",
  );
});
