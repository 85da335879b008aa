import assert from "node:assert/strict";
import { bitbucketServerWebhook } from "./webhook.ts";

/** Atlassian's documented sample payloads (`../bitbucket/testdata/NOTICE.md`). */
const TESTDATA = new URL("../bitbucket/testdata/server/", import.meta.url);
const SECRET = "It's a Secret to Everybody";

/** What Loom makes of each sample payload's `X-Event-Key`. */
const FIXTURES: Record<string, "opened" | "closed" | "comment" | null> = {
  "pr-comment-added.json": "comment",
  "pr-comment-deleted.json": null,
  "pr-comment-edited.json": null,
  "pr-declined.json": "closed",
  "pr-deleted.json": "closed",
  "pr-merged.json": "closed",
  "pr-modified.json": null,
  "pr-opened.json": "opened",
  "pr-reviewer-approved.json": null,
  "pr-reviewer-needs-work.json": null,
  "pr-reviewer-unapproved.json": null,
  "pr-reviewer-updated.json": null,
};

async function readFixture(name: string): Promise<{ raw: Uint8Array; body: Record<string, unknown> }> {
  const raw = await Deno.readFile(new URL(name, TESTDATA));
  return { raw, body: JSON.parse(new TextDecoder().decode(raw)) };
}

/** Signs with WebCrypto's own hex, independently of the code under test. */
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

/** The headers Data Center sends with a delivery. */
function headers(eventKey: string, extra: Record<string, string> = {}): Headers {
  return new Headers({
    "x-event-key": eventKey,
    "x-request-id": "b1f2c3d4-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
    "user-agent": "Atlassian HttpClient 3.0.4 / Bitbucket-8.19.1 (8019001) / Default",
    ...extra,
  });
}

Deno.test("bitbucketServerWebhook.parse() acts on or ignores every Data Center sample payload", async (t) => {
  const files = [...Deno.readDirSync(TESTDATA)].map((entry) => entry.name).sort();
  assert.deepEqual(files, Object.keys(FIXTURES).sort());
  for (const [file, expected] of Object.entries(FIXTURES)) {
    await t.step(file, async () => {
      const { body } = await readFixture(file);
      const event = bitbucketServerWebhook.parse(headers(body.eventKey as string), body);
      if (expected === null) return assert.equal(event, null);
      assert.equal(event?.kind === "pull_request" ? event.action : event?.kind, expected);
      assert.equal(event?.pr.repo, "~gopher/webhook-test");
      assert.equal(event?.deliveryId, "b1f2c3d4-5e6f-4a8b-9c0d-1e2f3a4b5c6d");
    });
  }
});

Deno.test("bitbucketServerWebhook.parse() reads pr:opened into a neutral event", async () => {
  const { body } = await readFixture("pr-opened.json");
  assert.deepEqual(bitbucketServerWebhook.parse(headers("pr:opened"), body), {
    kind: "pull_request",
    action: "opened",
    deliveryId: "b1f2c3d4-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
    pr: { platform: "bitbucket_server", repo: "~gopher/webhook-test", number: 5 },
    repoId: "4",
    title: "Update README",
    author: "gopher",
    authorIsBot: false,
    draft: false,
    headSha: "32a0b8a740c2963c6f56bd8baf3dc05683d299e0",
    headRef: "feature/wip",
    baseSha: "cde6c45a4210afe81638aa1f3aa960d633c66a90",
    baseRef: "master",
    beforeSha: undefined,
    repoPublic: false,
  });
  assert.equal(bitbucketServerWebhook.repoName(headers("pr:opened"), body), "~gopher/webhook-test");
});

Deno.test("bitbucketServerWebhook.parse() takes pr:from_ref_updated for a push, with the head before it", async () => {
  const { body } = await readFixture("pr-opened.json");
  const pushed = { ...body, eventKey: "pr:from_ref_updated", previousFromHash: "a".repeat(40) };
  const event = bitbucketServerWebhook.parse(headers("pr:from_ref_updated"), pushed);
  assert.ok(event?.kind === "pull_request");
  assert.equal(event.action, "synchronize");
  assert.equal(event.beforeSha, "a".repeat(40));
});

Deno.test("bitbucketServerWebhook.parse() reviews a pull request taken out of draft, not other edits", async () => {
  const { body } = await readFixture("pr-modified.json");
  const pullRequest = body.pullRequest as Record<string, unknown>;
  const ready = { ...body, previousDraft: true, pullRequest: { ...pullRequest, draft: false } };
  const event = bitbucketServerWebhook.parse(headers("pr:modified"), ready);
  assert.equal(event?.kind === "pull_request" && event.action, "ready_for_review");
  const drafted = { ...body, previousDraft: false, pullRequest: { ...pullRequest, draft: true } };
  assert.equal(bitbucketServerWebhook.parse(headers("pr:modified"), drafted), null);
});

Deno.test("bitbucketServerWebhook.parse() reads a new title as edited, for triggers.title", async () => {
  const { body } = await readFixture("pr-modified.json");
  const pullRequest = body.pullRequest as Record<string, unknown>;
  // The recorded delivery changed the description only: its previousTitle is the title.
  assert.equal(bitbucketServerWebhook.parse(headers("pr:modified"), body), null);
  const retitled = {
    ...body,
    previousTitle: "WIP: Feature",
    pullRequest: { ...pullRequest, title: "Feature" },
  };
  const event = bitbucketServerWebhook.parse(headers("pr:modified"), retitled);
  assert.ok(event?.kind === "pull_request");
  assert.equal(event.action, "edited");
  assert.equal(event.title, "Feature");
  assert.equal(event.labels, undefined);
});

Deno.test("bitbucketServerWebhook.parse() reads a comment's text and author; a service user is a bot", async () => {
  const { body } = await readFixture("pr-comment-added.json");
  const event = bitbucketServerWebhook.parse(headers("pr:comment:added"), body);
  assert.ok(event?.kind === "comment");
  assert.equal(event.commentId, "167");
  assert.equal(event.body, "test");
  assert.equal(event.author, "gopher");
  assert.equal(event.authorId, "3231");
  assert.equal(event.authorIsBot, false);
  const comment = body.comment as { author: Record<string, unknown> };
  const bot = {
    ...body,
    comment: { ...comment, author: { ...comment.author, name: "loom-bot", type: "SERVICE" } },
  };
  const fromBot = bitbucketServerWebhook.parse(headers("pr:comment:added"), bot);
  assert.equal(fromBot?.kind === "comment" && fromBot.authorIsBot, true);
});

Deno.test("bitbucketServerWebhook.verify() checks X-Hub-Signature over the raw bytes", async () => {
  const { raw } = await readFixture("pr-opened.json");
  const signature = await sign(raw, SECRET);
  assert.equal(
    await bitbucketServerWebhook.verify(headers("pr:opened", { "x-hub-signature": signature }), raw, SECRET),
    true,
  );
  const upper = "sha256=" + signature.slice(7).toUpperCase();
  assert.equal(
    await bitbucketServerWebhook.verify(headers("pr:opened", { "x-hub-signature": upper }), raw, SECRET),
    true,
  );
  const tampered = raw.slice();
  tampered[10] ^= 1;
  for (
    const [signed, body, secret] of [
      [signature, tampered, SECRET],
      [signature, raw, "another secret"],
      [signature, raw, ""],
      [signature.replace("sha256=", "sha1="), raw, SECRET],
      ["sha256=", raw, SECRET],
      ["sha256=zz", raw, SECRET],
    ] as const
  ) {
    assert.equal(
      await bitbucketServerWebhook.verify(headers("pr:opened", { "x-hub-signature": signed }), body, secret),
      false,
    );
  }
  assert.equal(await bitbucketServerWebhook.verify(headers("pr:opened"), raw, SECRET), false, "no signature");
});

Deno.test("bitbucketServerWebhook.deliveryId() is X-Request-Id, or null without one", () => {
  assert.equal(
    bitbucketServerWebhook.deliveryId(headers("pr:opened"), {}),
    "b1f2c3d4-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
  );
  assert.equal(bitbucketServerWebhook.deliveryId(new Headers(), {}), null);
});

Deno.test("bitbucketServerWebhook.parse() throws a TypeError naming the missing field", async () => {
  const { body } = await readFixture("pr-opened.json");
  const pullRequest = structuredClone(body.pullRequest) as { fromRef: Record<string, unknown> };
  delete pullRequest.fromRef.latestCommit;
  assert.throws(
    () => bitbucketServerWebhook.parse(headers("pr:opened"), { ...body, pullRequest }),
    (error: unknown) =>
      error instanceof TypeError && /pullRequest\.fromRef\.latestCommit/.test(error.message),
  );
  assert.equal(bitbucketServerWebhook.repoName(headers("pr:opened"), { pullRequest: "nope" }), null);
});
