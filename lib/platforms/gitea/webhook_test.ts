import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { decodeGiteaBody, giteaWebhook } from "./webhook.ts";

const TESTDATA = new URL("./testdata/", import.meta.url);
const SECRET = "gitea-s3cret";

async function fixture(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(new URL(name, TESTDATA)));
}

function hmac(text: string, secret = SECRET): string {
  return createHmac("sha256", secret).update(text).digest("hex");
}

function headers(event: string, extra: Record<string, string> = {}): Headers {
  return new Headers({
    "x-gitea-event": event,
    "x-gitea-delivery": "0b4a7c1e-delivery",
    "content-type": "application/json",
    ...extra,
  });
}

const RAW = '{"action":"opened","number":2}';
const BYTES = new TextEncoder().encode(RAW);

Deno.test("giteaWebhook.verify() checks the bare-hex HMAC of the raw body", async (t) => {
  await t.step("X-Gitea-Signature", async () => {
    assert.equal(
      await giteaWebhook.verify(headers("pull_request", { "x-gitea-signature": hmac(RAW) }), BYTES, SECRET),
      true,
    );
  });
  await t.step("X-Forgejo-Signature", async () => {
    const forgejo = new Headers({ "x-forgejo-signature": hmac(RAW) });
    assert.equal(await giteaWebhook.verify(forgejo, BYTES, SECRET), true);
  });
  await t.step("X-Hub-Signature-256 only", async () => {
    const hub = new Headers({ "x-hub-signature-256": `sha256=${hmac(RAW)}` });
    assert.equal(await giteaWebhook.verify(hub, BYTES, SECRET), true);
  });
  await t.step("wrong secret", async () => {
    const signed = headers("pull_request", { "x-gitea-signature": hmac(RAW, "other") });
    assert.equal(await giteaWebhook.verify(signed, BYTES, SECRET), false);
  });
  await t.step("body changed", async () => {
    const signed = headers("pull_request", { "x-gitea-signature": hmac(RAW) });
    assert.equal(await giteaWebhook.verify(signed, new TextEncoder().encode(RAW + " "), SECRET), false);
  });
  await t.step("missing signature", async () => {
    assert.equal(await giteaWebhook.verify(headers("pull_request"), BYTES, SECRET), false);
  });
  await t.step("empty headers sent by a hook without a secret", async () => {
    const empty = headers("pull_request", { "x-gitea-signature": "", "x-hub-signature-256": "sha256=" });
    assert.equal(await giteaWebhook.verify(empty, BYTES, SECRET), false);
  });
  await t.step("not hex", async () => {
    const bad = headers("pull_request", { "x-gitea-signature": "z".repeat(64) });
    assert.equal(await giteaWebhook.verify(bad, BYTES, SECRET), false);
  });
  await t.step("empty secret never verifies", async () => {
    const signed = headers("pull_request", { "x-gitea-signature": hmac(RAW, "") });
    assert.equal(await giteaWebhook.verify(signed, BYTES, ""), false);
  });
});

Deno.test("giteaWebhook.verify() checks form-encoded hooks against the JSON in payload=", async () => {
  const payload = JSON.stringify(await fixture("pull-request-event.json"));
  const form = new TextEncoder().encode(new URLSearchParams({ payload }).toString());
  const formHeaders = (signature: string) =>
    headers("pull_request", {
      "content-type": "application/x-www-form-urlencoded",
      "x-gitea-signature": signature,
    });
  assert.equal(await giteaWebhook.verify(formHeaders(hmac(payload)), form, SECRET), true);
  assert.equal(
    await giteaWebhook.verify(formHeaders(hmac(new TextDecoder().decode(form))), form, SECRET),
    false,
  );
  const body = decodeGiteaBody(formHeaders(""), form);
  const event = giteaWebhook.parse(formHeaders(""), body);
  assert.equal(event?.kind, "pull_request");
  assert.throws(
    () => decodeGiteaBody(formHeaders(""), new TextEncoder().encode("other=1")),
    SyntaxError,
  );
});

Deno.test("giteaWebhook.deliveryId() reads X-Forgejo-Delivery or X-Gitea-Delivery", () => {
  assert.equal(giteaWebhook.deliveryId(new Headers({ "x-gitea-delivery": "g" }), {}), "g");
  assert.equal(
    giteaWebhook.deliveryId(new Headers({ "x-forgejo-delivery": "f", "x-gitea-delivery": "f" }), {}),
    "f",
  );
  assert.equal(giteaWebhook.deliveryId(new Headers(), {}), null);
});

Deno.test("giteaWebhook.repoName() reads repository.full_name", async () => {
  assert.equal(
    giteaWebhook.repoName(new Headers(), await fixture("pull-request-event.json")),
    "example/example",
  );
  assert.equal(giteaWebhook.repoName(new Headers(), {}), null);
});

Deno.test("giteaWebhook.parse() turns an opened pull request into a pull_request event", async () => {
  const event = giteaWebhook.parse(headers("pull_request"), await fixture("pull-request-event.json"));
  assert.deepEqual(event, {
    kind: "pull_request",
    action: "opened",
    deliveryId: "0b4a7c1e-delivery",
    pr: { platform: "gitea", repo: "example/example", number: 2 },
    repoId: "1",
    title: "update",
    labels: [],
    author: "example2",
    authorIsBot: false,
    draft: false,
    headSha: "48e773f892a831faa47c0a160d1b7f0cd369ae2a",
    headRef: "master",
    baseSha: "67b56589a45103f891bdee7c0546e5d40bc02001",
    baseRef: "master",
    repoPublic: true,
  });
});

Deno.test("giteaWebhook.parse() maps pull request actions", async (t) => {
  const base = await fixture("pull-request-event.json");
  const pullRequest = base.pull_request as Record<string, unknown>;
  const parse = (payload: unknown) =>
    giteaWebhook.parse(headers("pull_request"), payload) as { action: string } | null;
  await t.step("synchronized is a push", () => {
    assert.equal(parse({ ...base, action: "synchronized" })?.action, "synchronize");
  });
  await t.step("reopened and closed", () => {
    assert.equal(parse({ ...base, action: "reopened" })?.action, "reopened");
    assert.equal(parse({ ...base, action: "closed" })?.action, "closed");
  });
  await t.step("removing the WIP prefix is ready_for_review", () => {
    assert.equal(
      parse({ ...base, action: "edited", changes: { title: { from: "WIP: update" } } })?.action,
      "ready_for_review",
    );
  });
  await t.step("a new title is edited; a description edit and assignments are ignored", () => {
    assert.equal(parse({ ...base, action: "edited", changes: { title: { from: "old" } } })?.action, "edited");
    assert.equal(parse({ ...base, action: "edited", changes: { body: { from: "old" } } }), null);
    assert.equal(parse({ ...base, action: "assigned" }), null);
  });
  await t.step("a label added or cleared is edited, with the labels after the change", () => {
    // X-Gitea-Event-Type pull_request_label arrives as X-Gitea-Event pull_request.
    const labelled = {
      ...base,
      action: "label_updated",
      pull_request: {
        ...pullRequest,
        labels: [{ id: 3, name: "AI-Review", color: "ededed", description: "", exclusive: false, url: "" }],
      },
    };
    const event = giteaWebhook.parse(headers("pull_request"), labelled) as {
      action: string;
      labels: string[];
    };
    assert.equal(event.action, "edited");
    assert.deepEqual(event.labels, ["AI-Review"]);
    const cleared = { ...base, action: "label_cleared", pull_request: { ...pullRequest, labels: null } };
    const emptied = giteaWebhook.parse(headers("pull_request"), cleared) as {
      action: string;
      labels: string[];
    };
    assert.equal(emptied.action, "edited");
    assert.deepEqual(emptied.labels, []);
  });
  await t.step("a WIP title marks a draft", () => {
    const event = giteaWebhook.parse(headers("pull_request"), {
      ...base,
      pull_request: { ...pullRequest, title: "[WIP] update" },
    }) as { draft: boolean };
    assert.equal(event.draft, true);
  });
});

Deno.test("giteaWebhook.parse() turns a comment on a pull request into a comment event", async () => {
  const event = giteaWebhook.parse(
    headers("issue_comment", { "x-gitea-event-type": "pull_request_comment" }),
    await fixture("pull-request-comment-event.json"),
  );
  assert.deepEqual(event, {
    kind: "comment",
    deliveryId: "0b4a7c1e-delivery",
    pr: { platform: "gitea", repo: "example/example", number: 2 },
    repoId: "1",
    commentId: "6",
    body: "example",
    author: "example",
    authorId: "1",
    authorIsBot: false,
    repoPublic: true,
  });
});

Deno.test("giteaWebhook.parse() ignores comment edits and comments on issues", async () => {
  const comment = await fixture("pull-request-comment-event.json");
  assert.equal(giteaWebhook.parse(headers("issue_comment"), { ...comment, action: "edited" }), null);
  const issue = { ...(comment.issue as object), pull_request: null };
  assert.equal(giteaWebhook.parse(headers("issue_comment"), { ...comment, is_pull: false, issue }), null);
});

Deno.test("giteaWebhook.parse() ignores review and repository events", async () => {
  const review = await fixture("pull-request-review-event.json");
  assert.equal(giteaWebhook.parse(headers("pull_request_comment"), review), null);
  assert.equal(giteaWebhook.parse(headers("pull_request_approved"), review), null);
  assert.equal(giteaWebhook.parse(headers("repository"), await fixture("repository-event.json")), null);
});

Deno.test("giteaWebhook.parse() falls back to the body's shape without event headers", async () => {
  const event = giteaWebhook.parse(new Headers(), await fixture("pull-request-event.json"));
  assert.equal(event?.kind, "pull_request");
  assert.equal(event?.deliveryId, "");
});

Deno.test("giteaWebhook.parse() throws TypeError for malformed payloads", async () => {
  assert.throws(() => giteaWebhook.parse(headers("pull_request"), "text"), TypeError);
  const base = await fixture("pull-request-event.json");
  assert.throws(
    () => giteaWebhook.parse(headers("pull_request"), { ...base, pull_request: { number: 2 } }),
    (error: unknown) =>
      error instanceof TypeError && /Cannot parse Gitea "pull_request" webhook/.test(error.message),
  );
});
