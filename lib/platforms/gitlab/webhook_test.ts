import assert from "node:assert/strict";
import { Webhook } from "standardwebhooks";
import { gitlabWebhook } from "./webhook.ts";

const TESTDATA = new URL("./testdata/", import.meta.url);

async function fixture(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(new URL(name, TESTDATA)));
}

function headers(event: string, extra: Record<string, string> = {}): Headers {
  return new Headers({ "x-gitlab-event": event, "idempotency-key": "6b3b0f0e-delivery", ...extra });
}

const body = new TextEncoder().encode('{"object_kind":"merge_request"}');

Deno.test("gitlabWebhook.verify() accepts the configured X-Gitlab-Token only", async (t) => {
  await t.step("good token", async () => {
    assert.equal(
      await gitlabWebhook.verify(new Headers({ "x-gitlab-token": "s3cret" }), body, "s3cret"),
      true,
    );
  });
  await t.step("wrong token of the same length", async () => {
    assert.equal(
      await gitlabWebhook.verify(new Headers({ "x-gitlab-token": "s3creT" }), body, "s3cret"),
      false,
    );
  });
  await t.step("wrong token of another length", async () => {
    assert.equal(
      await gitlabWebhook.verify(new Headers({ "x-gitlab-token": "s3cret-x" }), body, "s3cret"),
      false,
    );
  });
  await t.step("missing header", async () => {
    assert.equal(await gitlabWebhook.verify(new Headers(), body, "s3cret"), false);
  });
  await t.step("empty header", async () => {
    assert.equal(await gitlabWebhook.verify(new Headers({ "x-gitlab-token": "" }), body, "s3cret"), false);
  });
  await t.step("empty secret never matches", async () => {
    assert.equal(await gitlabWebhook.verify(new Headers({ "x-gitlab-token": "" }), body, ""), false);
  });
});

Deno.test("gitlabWebhook.verify() checks Standard Webhooks signatures for a whsec_ signing token", async (t) => {
  const secret = `whsec_${btoa("0123456789abcdef0123456789abcdef")}`;
  const signer = new Webhook(secret);
  const raw = '{"object_kind":"note","id":1}';
  const signed = (id: string, seconds: number, payload = raw) =>
    new Headers({
      "webhook-id": id,
      "webhook-timestamp": String(seconds),
      "webhook-signature": signer.sign(id, new Date(seconds * 1000), payload),
    });
  const now = Math.floor(Date.now() / 1000);
  const bytes = new TextEncoder().encode(raw);

  await t.step("good signature", async () => {
    assert.equal(await gitlabWebhook.verify(signed("msg_1", now), bytes, secret), true);
  });
  await t.step("body changed after signing", async () => {
    const tampered = new TextEncoder().encode('{"object_kind":"note","id":2}');
    assert.equal(await gitlabWebhook.verify(signed("msg_1", now), tampered, secret), false);
  });
  await t.step("signed with another key", async () => {
    const other = `whsec_${btoa("another-key-another-key-another!!")}`;
    assert.equal(await gitlabWebhook.verify(signed("msg_1", now), bytes, other), false);
  });
  await t.step("timestamp outside the five-minute window", async () => {
    assert.equal(await gitlabWebhook.verify(signed("msg_1", now - 3600), bytes, secret), false);
  });
  await t.step("missing signature headers, even with a token header", async () => {
    assert.equal(await gitlabWebhook.verify(new Headers({ "x-gitlab-token": secret }), bytes, secret), false);
  });
  await t.step("empty signature header", async () => {
    const headers = signed("msg_1", now);
    headers.set("webhook-signature", "");
    assert.equal(await gitlabWebhook.verify(headers, bytes, secret), false);
  });
  await t.step("signing token that is not base64", async () => {
    assert.equal(await gitlabWebhook.verify(signed("msg_1", now), bytes, "whsec_%%%"), false);
  });
});

Deno.test("gitlabWebhook.deliveryId() takes Idempotency-Key or webhook-id and no per-request or chain UUID", () => {
  const uuid = "x-uuid";
  assert.equal(
    gitlabWebhook.deliveryId(
      new Headers({ "idempotency-key": "stable", "x-gitlab-webhook-uuid": uuid, "x-gitlab-event-uuid": "e" }),
      {},
    ),
    "stable",
  );
  assert.equal(
    gitlabWebhook.deliveryId(new Headers({ "webhook-id": "msg_1", "x-gitlab-webhook-uuid": uuid }), {}),
    "msg_1",
  );
  assert.equal(gitlabWebhook.deliveryId(new Headers({ "x-gitlab-webhook-uuid": uuid }), {}), null);
  assert.equal(gitlabWebhook.deliveryId(new Headers({ "x-gitlab-event-uuid": "chain" }), {}), null);
});

Deno.test("gitlabWebhook.repoName() reads project.path_with_namespace", async () => {
  assert.equal(
    gitlabWebhook.repoName(new Headers(), await fixture("merge-request-event.json")),
    "gitlabhq/gitlab-test",
  );
  assert.equal(gitlabWebhook.repoName(new Headers(), { project: {} }), null);
  assert.equal(gitlabWebhook.repoName(new Headers(), null), null);
});

Deno.test("gitlabWebhook.parse() turns an opened merge request into a pull_request event", async () => {
  const event = gitlabWebhook.parse(headers("Merge Request Hook"), await fixture("merge-request-event.json"));
  assert.deepEqual(event, {
    kind: "pull_request",
    action: "opened",
    deliveryId: "6b3b0f0e-delivery",
    pr: { platform: "gitlab", repo: "gitlabhq/gitlab-test", number: 1 },
    repoId: "1",
    title: "MS-Viewport",
    labels: ["API"],
    author: "root",
    authorIsBot: false,
    draft: false,
    headSha: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
    headRef: "ms-viewport",
    baseSha: "",
    baseRef: "master",
    beforeSha: undefined,
    repoPublic: true,
  });
});

Deno.test("gitlabWebhook.parse() maps merge request actions", async (t) => {
  const base = await fixture("merge-request-event.json");
  const withAction = (action: string, extra: Record<string, unknown> = {}, changes: unknown = {}) => ({
    ...base,
    changes,
    object_attributes: { ...(base.object_attributes as object), action, ...extra },
  });
  const parse = (payload: unknown) => gitlabWebhook.parse(headers("Merge Request Hook"), payload);
  const oldrev = "0b1a3b1ba3d9a1c6bb3fc81c25ec4bc3a2d1f8c7";

  await t.step(
    "reopen",
    () => assert.equal((parse(withAction("reopen")) as { action: string }).action, "reopened"),
  );
  await t.step("update with oldrev is a push", () => {
    const event = parse(withAction("update", { oldrev }));
    assert.equal(event?.kind, "pull_request");
    assert.equal((event as { action: string }).action, "synchronize");
    assert.equal((event as { beforeSha?: string }).beforeSha, oldrev);
  });
  await t.step("update leaving draft is ready_for_review", () => {
    const event = parse(withAction("update", {}, base.changes));
    assert.equal((event as { action: string }).action, "ready_for_review");
  });
  await t.step("update of the title is edited", () => {
    const event = parse(withAction("update", {}, { title: { previous: "WIP: a", current: "a" } }));
    assert.equal((event as { action: string }).action, "edited");
  });
  await t.step("update of the labels is edited, with the labels after the change", () => {
    const labels = (base.changes as { labels: unknown }).labels;
    const current = [{ id: 207, title: "ai-review", color: "#ffffff", project_id: 14, type: "ProjectLabel" }];
    const payload = { ...withAction("update", {}, { labels }), labels: current };
    const event = parse(payload) as { action: string; labels?: string[] };
    assert.equal(event.action, "edited");
    assert.deepEqual(event.labels, ["ai-review"]);
  });
  await t.step("labels come from object_attributes when the top level has none", () => {
    const payload: Record<string, unknown> = withAction("open", { labels: [{ id: 1, title: "Backend" }] });
    delete payload.labels;
    assert.deepEqual((parse(payload) as { labels?: string[] }).labels, ["Backend"]);
  });
  await t.step("other updates (assignees, description) are ignored", () => {
    assert.equal(parse(withAction("update", {}, { assignees: { previous: [], current: [] } })), null);
  });
  await t.step("close and merge are closed", () => {
    assert.equal((parse(withAction("close")) as { action: string }).action, "closed");
    assert.equal((parse(withAction("merge")) as { action: string }).action, "closed");
  });
  await t.step("approval events are ignored", () => assert.equal(parse(withAction("approved")), null));
  await t.step("draft flag and bot actor", () => {
    const payload = { ...withAction("open", { draft: true }), user: { username: "project_42_bot_9f3c" } };
    const event = parse(payload) as { draft: boolean; authorIsBot: boolean };
    assert.equal(event.draft, true);
    assert.equal(event.authorIsBot, true);
  });
});

Deno.test("gitlabWebhook.parse() turns a new merge request note into a comment event", async () => {
  const event = gitlabWebhook.parse(headers("Note Hook"), await fixture("comment-merge-request-event.json"));
  assert.deepEqual(event, {
    kind: "comment",
    deliveryId: "6b3b0f0e-delivery",
    pr: { platform: "gitlab", repo: "gitlab-org/gitlab-test", number: 1 },
    repoId: "5",
    commentId: "1244",
    body: "This MR needs work.",
    author: "root",
    // The recorded payload predates `user.id` in note hooks.
    authorId: undefined,
    authorIsBot: false,
    repoPublic: false,
  });
});

Deno.test("gitlabWebhook.parse() ignores edited, system and non-merge-request notes", async () => {
  const note = await fixture("comment-merge-request-event.json");
  const attributes = note.object_attributes as object;
  const edited = { ...note, object_attributes: { ...attributes, action: "update" } };
  const system = { ...note, object_attributes: { ...attributes, system: true } };
  assert.equal(gitlabWebhook.parse(headers("Note Hook"), edited), null);
  assert.equal(gitlabWebhook.parse(headers("Note Hook"), system), null);
  assert.equal(gitlabWebhook.parse(headers("Note Hook"), await fixture("comment-commit-event.json")), null);
});

Deno.test("gitlabWebhook.parse() ignores every other fixture event", async () => {
  assert.equal(gitlabWebhook.parse(headers("Pipeline Hook"), await fixture("pipeline-event.json")), null);
  assert.equal(gitlabWebhook.parse(headers("Push Hook"), { object_kind: "push" }), null);
});

Deno.test("gitlabWebhook.parse() throws TypeError for malformed payloads", async () => {
  assert.throws(() => gitlabWebhook.parse(headers("Merge Request Hook"), null), TypeError);
  assert.throws(() => gitlabWebhook.parse(headers("Merge Request Hook"), [1]), TypeError);
  const payload = await fixture("merge-request-event.json");
  assert.throws(
    () =>
      gitlabWebhook.parse(headers("Merge Request Hook"), {
        ...payload,
        object_attributes: { action: "open" },
      }),
    (error: unknown) =>
      error instanceof TypeError && /Cannot parse GitLab "merge_request" webhook/.test(error.message),
  );
  const note = await fixture("comment-merge-request-event.json");
  const { merge_request: _, ...withoutMergeRequest } = note;
  assert.throws(() => gitlabWebhook.parse(headers("Note Hook"), withoutMergeRequest), TypeError);
});

Deno.test("gitlabWebhook.parse() reads the discussion of a note on the diff", async () => {
  const note = await fixture("comment-merge-request-event.json");
  const attributes = note.object_attributes as Record<string, unknown>;
  const diffNote = {
    ...note,
    object_attributes: {
      ...attributes,
      type: "DiffNote",
      discussion_id: "6a9c1750b37d513a43987b574953fceb50b03ce7",
    },
  };
  const event = gitlabWebhook.parse(headers("Note Hook"), diffNote);
  assert.ok(event !== null && event.kind === "comment");
  assert.deepEqual(event.thread, { id: "6a9c1750b37d513a43987b574953fceb50b03ce7" });
  // A plain note is a discussion of one (`individual_note`): no thread to answer in.
  const plain = { ...note, object_attributes: { ...attributes, type: null, discussion_id: "5f6e" } };
  const general = gitlabWebhook.parse(headers("Note Hook"), plain);
  assert.ok(general !== null && general.kind === "comment");
  assert.equal(general.thread, undefined);
});
