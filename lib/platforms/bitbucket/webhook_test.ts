import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { bitbucketWebhook } from "./webhook.ts";

const TESTDATA = new URL("./testdata/", import.meta.url);
const SECRET = "It's a Secret to Everybody";

/** The `X-Event-Key` Bitbucket Cloud sends with each sample payload, and what Loom makes of it. */
const CLOUD_FIXTURES: Record<
  string,
  { eventKey: string; expected: "opened" | "synchronize" | "closed" | "comment" | null }
> = {
  "commit-comment-created.json": { eventKey: "repo:commit_comment_created", expected: null },
  "pull-request-approval-removed.json": { eventKey: "pullrequest:unapproved", expected: null },
  "pull-request-approved.json": { eventKey: "pullrequest:approved", expected: null },
  "pull-request-comment-created.json": { eventKey: "pullrequest:comment_created", expected: "comment" },
  "pull-request-comment-deleted.json": { eventKey: "pullrequest:comment_deleted", expected: null },
  "pull-request-comment-updated.json": { eventKey: "pullrequest:comment_updated", expected: null },
  "pull-request-created.json": { eventKey: "pullrequest:created", expected: "opened" },
  "pull-request-declined.json": { eventKey: "pullrequest:rejected", expected: "closed" },
  "pull-request-merged.json": { eventKey: "pullrequest:fulfilled", expected: "closed" },
  "pull-request-updated.json": { eventKey: "pullrequest:updated", expected: "synchronize" },
};

async function readFixture(path: string): Promise<{ raw: Uint8Array; body: unknown }> {
  const raw = await Deno.readFile(new URL(path, TESTDATA));
  return { raw, body: JSON.parse(new TextDecoder().decode(raw)) };
}

/** Signs with WebCrypto, independently of the `node:crypto` code under test. */
async function sign(raw: Uint8Array, secret: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, raw as Uint8Array<ArrayBuffer>));
  return "sha256=" + Array.from(signature, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function cloudHeaders(eventKey: string, extra: Record<string, string> = {}): Headers {
  return new Headers({
    "x-event-key": eventKey,
    "x-request-uuid": "e8c6b3a0-5f4e-4b8e-9d62-6c2f0e2c7d11",
    "x-hook-uuid": "{0a1b2c3d-0000-4000-8000-000000000001}",
    "x-attempt-number": "1",
    "user-agent": "Bitbucket-Webhooks/2.0",
    ...extra,
  });
}

Deno.test("bitbucketWebhook.parse() acts on or ignores every Bitbucket Cloud fixture", async (t) => {
  const files = [...Deno.readDirSync(new URL("cloud/", TESTDATA))].map((entry) => entry.name).sort();
  assert.deepEqual(files, Object.keys(CLOUD_FIXTURES).sort());
  for (const [file, { eventKey, expected }] of Object.entries(CLOUD_FIXTURES)) {
    await t.step(`${file} (${eventKey})`, async () => {
      const { body } = await readFixture(`cloud/${file}`);
      const event = bitbucketWebhook.parse(cloudHeaders(eventKey), body);
      if (expected === null) assert.equal(event, null);
      else if (expected === "comment") assert.equal(event?.kind, "comment");
      else assert.equal(event?.kind === "pull_request" && event.action, expected);
    });
  }
});

Deno.test("bitbucketWebhook.parse() maps pullrequest:created to an opened event", async () => {
  const { body } = await readFixture("cloud/pull-request-created.json");
  assert.deepEqual(bitbucketWebhook.parse(cloudHeaders("pullrequest:created"), body), {
    kind: "pull_request",
    action: "opened",
    deliveryId: "e8c6b3a0-5f4e-4b8e-9d62-6c2f0e2c7d11",
    pr: { platform: "bitbucket", repo: "team_name/repo_name", number: 1 },
    repoId: "{673a6070-3421-46c9-9d48-90745f7bfe8e}",
    title: "Title of pull request",
    author: "emmap1",
    authorIsBot: false,
    draft: false,
    headSha: "d3022fc0ca3d",
    headRef: "branch2",
    baseSha: "ce5965ddd289",
    baseRef: "master",
    repoPublic: false,
  });
});

Deno.test("bitbucketWebhook.parse() maps pullrequest:updated to synchronize with the source hash as head", async () => {
  const { body } = await readFixture("cloud/pull-request-updated.json");
  const event = bitbucketWebhook.parse(cloudHeaders("pullrequest:updated"), body);
  assert.ok(event?.kind === "pull_request");
  assert.equal(event.action, "synchronize");
  assert.equal(event.headSha, "d3022fc0ca3d");
});

Deno.test("bitbucketWebhook.parse() reads draft and access-token bot authors", async () => {
  const { body } = await readFixture("cloud/pull-request-created.json");
  const copy = structuredClone(body) as {
    pullrequest: { draft?: boolean; author: { type?: string; nickname?: string } };
  };
  copy.pullrequest.draft = true;
  copy.pullrequest.author.type = "app_user";
  const event = bitbucketWebhook.parse(cloudHeaders("pullrequest:created"), copy);
  assert.ok(event?.kind === "pull_request");
  assert.equal(event.draft, true);
  assert.equal(event.authorIsBot, true);
});

Deno.test("bitbucketWebhook.parse() maps pullrequest:comment_created to a comment event", async () => {
  const { body } = await readFixture("cloud/pull-request-comment-created.json");
  assert.deepEqual(bitbucketWebhook.parse(cloudHeaders("pullrequest:comment_created"), body), {
    kind: "comment",
    deliveryId: "e8c6b3a0-5f4e-4b8e-9d62-6c2f0e2c7d11",
    pr: { platform: "bitbucket", repo: "team_name/repo_name", number: 1 },
    repoId: "{673a6070-3421-46c9-9d48-90745f7bfe8e}",
    commentId: "17",
    body: "Comment text",
    // The sample comment has no `user`, so the actor who triggered the event is the author.
    author: "emmap1",
    authorId: "{a54f16da-24e9-4d7f-a3a7-b1ba2cd98aa3}",
    authorIsBot: false,
    repoPublic: false,
    // The sample is a reply (`parent.id` 16) on a line: it answers in comment 16's thread.
    thread: { id: "16", inReplyTo: "16" },
  });
  const copy = structuredClone(body) as { comment: Record<string, unknown> };
  delete copy.comment.parent;
  const topLevel = bitbucketWebhook.parse(cloudHeaders("pullrequest:comment_created"), copy);
  assert.ok(topLevel?.kind === "comment" && topLevel.thread === undefined, "a new comment answers no one");
});

Deno.test("bitbucketWebhook.parse() prefers the comment's own user over the actor", async () => {
  const { body } = await readFixture("cloud/pull-request-comment-created.json");
  const copy = structuredClone(body) as { comment: Record<string, unknown> };
  copy.comment.user = { nickname: "loom-bot", type: "app_user" };
  const event = bitbucketWebhook.parse(cloudHeaders("pullrequest:comment_created"), copy);
  assert.ok(event?.kind === "comment");
  assert.equal(event.author, "loom-bot");
  assert.equal(event.authorIsBot, true);
});

Deno.test("bitbucketWebhook.parse() ignores every Bitbucket Data Center fixture", async () => {
  for (const entry of Deno.readDirSync(new URL("server/", TESTDATA))) {
    const { body } = await readFixture(`server/${entry.name}`);
    const eventKey = (body as { eventKey: string }).eventKey;
    const headers = new Headers({
      "x-event-key": eventKey,
      "x-request-id": "9f1e1b6a-1f0d-4e8f-b0b9-3c4e1d2a7b55",
    });
    assert.equal(bitbucketWebhook.parse(headers, body), null, entry.name);
    assert.equal(bitbucketWebhook.repoName(headers, body), null, entry.name);
  }
});

Deno.test("bitbucketWebhook.parse() throws TypeError naming the missing field", async () => {
  const { body } = await readFixture("cloud/pull-request-created.json");
  const copy = structuredClone(body) as { pullrequest: { source: { commit?: unknown } } };
  delete copy.pullrequest.source.commit;
  assert.throws(
    () => bitbucketWebhook.parse(cloudHeaders("pullrequest:created"), copy),
    (error: unknown) =>
      error instanceof TypeError && error.message.includes('"pullrequest:created"') &&
      error.message.includes('"pullrequest.source.commit"'),
  );
  assert.throws(() => bitbucketWebhook.parse(cloudHeaders("pullrequest:updated"), "not json"), TypeError);
});

Deno.test("bitbucketWebhook.deliveryId() and repoName() read X-Request-UUID and repository.full_name", async () => {
  const { body } = await readFixture("cloud/pull-request-created.json");
  const headers = cloudHeaders("pullrequest:created");
  assert.equal(bitbucketWebhook.deliveryId(headers, body), "e8c6b3a0-5f4e-4b8e-9d62-6c2f0e2c7d11");
  assert.equal(bitbucketWebhook.deliveryId(new Headers(), body), null);
  assert.equal(bitbucketWebhook.repoName(headers, body), "team_name/repo_name");
  assert.equal(bitbucketWebhook.repoName(headers, { repository: {} }), null);
  assert.equal(bitbucketWebhook.repoName(headers, null), null);
});

Deno.test("bitbucketWebhook.verify() checks X-Hub-Signature over the raw body", async (t) => {
  const { raw } = await readFixture("cloud/pull-request-created.json");
  const signature = await sign(raw, SECRET);

  await t.step("accepts a good signature", async () => {
    const headers = cloudHeaders("pullrequest:created", { "x-hub-signature": signature });
    assert.equal(await bitbucketWebhook.verify(headers, raw, SECRET), true);
  });
  await t.step("rejects a signature made with another secret", async () => {
    const headers = cloudHeaders("pullrequest:created", { "x-hub-signature": await sign(raw, "other") });
    assert.equal(await bitbucketWebhook.verify(headers, raw, SECRET), false);
  });
  await t.step("rejects a missing or empty header", async () => {
    assert.equal(await bitbucketWebhook.verify(cloudHeaders("pullrequest:created"), raw, SECRET), false);
    const empty = cloudHeaders("pullrequest:created", { "x-hub-signature": "" });
    assert.equal(await bitbucketWebhook.verify(empty, raw, SECRET), false);
  });
  await t.step("rejects a tampered or re-serialised body", async () => {
    const headers = cloudHeaders("pullrequest:created", { "x-hub-signature": signature });
    const pretty = new TextEncoder().encode(
      JSON.stringify(JSON.parse(new TextDecoder().decode(raw)), null, 2),
    );
    assert.equal(await bitbucketWebhook.verify(headers, pretty, SECRET), false);
    const tampered = raw.slice();
    tampered[10] ^= 1;
    assert.equal(await bitbucketWebhook.verify(headers, tampered, SECRET), false);
  });
  await t.step("rejects a GitHub-style sha1 header and a malformed value", async () => {
    for (const value of ["sha1=" + signature.slice(7, 47), signature.slice(7), "sha256=zz"]) {
      const headers = cloudHeaders("pullrequest:created", { "x-hub-signature": value });
      assert.equal(await bitbucketWebhook.verify(headers, raw, SECRET), false, value);
    }
  });
  await t.step("rejects everything when no secret is configured", async () => {
    // WebCrypto refuses empty HMAC keys, so the "empty secret" signature comes from node:crypto.
    const emptyKeySignature = "sha256=" + createHmac("sha256", "").update(raw).digest("hex");
    const headers = cloudHeaders("pullrequest:created", { "x-hub-signature": emptyKeySignature });
    assert.equal(await bitbucketWebhook.verify(headers, raw, ""), false);
  });
});
