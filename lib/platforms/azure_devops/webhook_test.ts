import assert from "node:assert/strict";
import { azureDevopsWebhook, parseAzureDevopsHookSecret } from "./webhook.ts";

const TESTDATA = new URL("./testdata/", import.meta.url);

async function readFixture(name: string): Promise<{ raw: Uint8Array; body: Record<string, unknown> }> {
  const raw = await Deno.readFile(new URL(name, TESTDATA));
  return { raw, body: JSON.parse(new TextDecoder().decode(raw)) };
}

const FIXTURES: Record<string, "opened" | "synchronize" | "closed" | "comment" | null> = {
  "git.pullrequest.created.json": "opened",
  // The sample is "marked the pull request as completed".
  "git.pullrequest.updated.json": "closed",
  "git.pullrequest.merged.json": "closed",
  "git-pullrequest-comment-event.json": "comment",
  "git.push.json": null,
};

Deno.test("azureDevopsWebhook.parse() acts on or ignores every fixture", async (t) => {
  const files = [...Deno.readDirSync(TESTDATA)].map((entry) => entry.name).filter((name) =>
    name.endsWith(".json")
  );
  assert.deepEqual(files.sort(), Object.keys(FIXTURES).sort());
  for (const [file, expected] of Object.entries(FIXTURES)) {
    await t.step(file, async () => {
      const { body } = await readFixture(file);
      const event = azureDevopsWebhook.parse(new Headers(), body);
      if (expected === null) assert.equal(event, null);
      else if (expected === "comment") assert.equal(event?.kind, "comment");
      else assert.equal(event?.kind === "pull_request" && event.action, expected);
    });
  }
});

Deno.test("azureDevopsWebhook.parse() maps git.pullrequest.created to an opened event", async () => {
  const { body } = await readFixture("git.pullrequest.created.json");
  assert.deepEqual(azureDevopsWebhook.parse(new Headers(), body), {
    kind: "pull_request",
    action: "opened",
    deliveryId: "2ab4e3d3-b7a6-425e-92b1-5a9982c1269e",
    pr: { platform: "azure_devops", repo: "Fabrikam/Fabrikam", number: 1 },
    repoId: "4bc14d40-c903-45e2-872e-0462c7748079",
    title: "my first pull request",
    labels: [],
    author: "fabrikamfiber4@hotmail.com",
    authorIsBot: false,
    draft: false,
    headSha: "53d54ac915144006c2c9e90d2c7d3880920db49c",
    headRef: "mytopic",
    baseSha: "a511f535b1ea495ee0c903badb68fbc83772c882",
    baseRef: "master",
    repoPublic: undefined,
  });
});

Deno.test("azureDevopsWebhook.parse() maps an update of an active pull request to synchronize", async () => {
  const { body } = await readFixture("git.pullrequest.updated.json");
  const resource = body.resource as Record<string, unknown>;
  resource.status = "active";
  resource.isDraft = true;
  const event = azureDevopsWebhook.parse(new Headers(), body);
  assert.ok(event?.kind === "pull_request");
  assert.equal(event.action, "synchronize");
  assert.equal(event.draft, true);
  assert.equal(event.headSha, "53d54ac915144006c2c9e90d2c7d3880920db49c");
});

Deno.test("azureDevopsWebhook.parse() carries the active labels of the pull request resource", async () => {
  const { body } = await readFixture("git.pullrequest.updated.json");
  const resource = body.resource as Record<string, unknown>;
  resource.status = "active";
  // `WebApiTagDefinition`s as the REST API and service hooks send them; a label taken off stays, inactive.
  resource.labels = [
    {
      id: "7e1c2f3a-0000-4000-8000-000000000001",
      name: "ai-review",
      active: true,
      url: "https://x/labels/1",
    },
    {
      id: "7e1c2f3a-0000-4000-8000-000000000002",
      name: "no-review",
      active: false,
      url: "https://x/labels/2",
    },
  ];
  const event = azureDevopsWebhook.parse(new Headers(), body);
  assert.ok(event?.kind === "pull_request");
  // Every update of an open pull request, a label change included, reads as synchronize.
  assert.equal(event.action, "synchronize");
  assert.deepEqual(event.labels, ["ai-review"]);
});

Deno.test("azureDevopsWebhook.parse() ignores a merge attempt on an active pull request", async () => {
  const { body } = await readFixture("git.pullrequest.merged.json");
  (body.resource as Record<string, unknown>).status = "active";
  assert.equal(azureDevopsWebhook.parse(new Headers(), body), null);
});

Deno.test("azureDevopsWebhook.parse() maps a new pull-request comment to a comment event", async () => {
  const { body } = await readFixture("git-pullrequest-comment-event.json");
  assert.deepEqual(azureDevopsWebhook.parse(new Headers(), body), {
    kind: "comment",
    deliveryId: "af07be1b-f3ad-44c8-a7f1-c4835f2df06b",
    pr: { platform: "azure_devops", repo: "Fabrikam/Fabrikam", number: 1 },
    repoId: "4bc14d40-c903-45e2-872e-0462c7748079",
    commentId: "1:2",
    body: "@loom review",
    author: "fabrikamfiber4@hotmail.com",
    authorId: "54d125f7-69f7-4191-904f-c5b96b6261c8",
    authorIsBot: false,
    repoPublic: undefined,
    // The sample answers comment 1 of thread 1 (`parentCommentId`).
    thread: { id: "1", inReplyTo: "1:1" },
  });
  const first = structuredClone(body) as { resource: { comment: Record<string, unknown> } };
  first.resource.comment.parentCommentId = 0;
  const started = azureDevopsWebhook.parse(new Headers(), first);
  assert.ok(
    started?.kind === "comment" && started.thread === undefined,
    "a thread's first comment answers no one",
  );
});

Deno.test("azureDevopsWebhook.parse() ignores edited, system and deleted comments", async () => {
  const { body } = await readFixture("git-pullrequest-comment-event.json");
  const comment = (body.resource as { comment: Record<string, unknown> }).comment;
  for (
    const change of [
      { lastContentUpdatedDate: "2014-06-18T09:00:00Z" },
      { commentType: "system" },
      { isDeleted: true },
    ]
  ) {
    const copy = structuredClone(body);
    Object.assign((copy.resource as { comment: Record<string, unknown> }).comment, change);
    assert.equal(azureDevopsWebhook.parse(new Headers(), copy), null, JSON.stringify(change));
  }
  assert.equal(comment.commentType, "text");
});

Deno.test("azureDevopsWebhook.parse() explains a resource version 1.0 comment event", async () => {
  const { body } = await readFixture("git-pullrequest-comment-event.json");
  delete (body.resource as Record<string, unknown>).pullRequest;
  assert.throws(
    () => azureDevopsWebhook.parse(new Headers(), body),
    (error: unknown) => error instanceof TypeError && error.message.includes("resource version to 2.0"),
  );
});

Deno.test("azureDevopsWebhook.parse() throws TypeError naming the missing field", async () => {
  const { body } = await readFixture("git.pullrequest.created.json");
  delete (body.resource as Record<string, unknown>).lastMergeSourceCommit;
  assert.throws(
    () => azureDevopsWebhook.parse(new Headers(), body),
    (error: unknown) => error instanceof TypeError && error.message.includes('"lastMergeSourceCommit"'),
  );
  assert.throws(() => azureDevopsWebhook.parse(new Headers(), [1, 2]), TypeError);
});

Deno.test("azureDevopsWebhook.deliveryId() and repoName() read the body", async () => {
  const { body } = await readFixture("git.pullrequest.created.json");
  assert.equal(azureDevopsWebhook.deliveryId(new Headers(), body), "2ab4e3d3-b7a6-425e-92b1-5a9982c1269e");
  assert.equal(
    azureDevopsWebhook.deliveryId(new Headers(), { subscriptionId: "sub-1", notificationId: 7 }),
    "sub-1:7",
  );
  assert.equal(azureDevopsWebhook.deliveryId(new Headers(), {}), null);
  assert.equal(azureDevopsWebhook.repoName(new Headers(), body), "Fabrikam/Fabrikam");
  const comment = await readFixture("git-pullrequest-comment-event.json");
  assert.equal(azureDevopsWebhook.repoName(new Headers(), comment.body), "Fabrikam/Fabrikam");
  const push = await readFixture("git.push.json");
  assert.equal(
    azureDevopsWebhook.repoName(new Headers(), push.body),
    "Fabrikam-Fiber-Git/Fabrikam-Fiber-Git",
  );
  assert.equal(azureDevopsWebhook.repoName(new Headers(), "x"), null);
});

Deno.test("parseAzureDevopsHookSecret() reads basic and header secrets", () => {
  assert.deepEqual(parseAzureDevopsHookSecret("basic:loom:pa:ss"), {
    kind: "basic",
    username: "loom",
    password: "pa:ss",
  });
  assert.deepEqual(parseAzureDevopsHookSecret("header:X-Loom-Token:abc:def"), {
    kind: "header",
    name: "X-Loom-Token",
    value: "abc:def",
  });
  for (const bad of ["", "abc", "basic:", "basic:user:", "token:x:y", "header::v"]) {
    assert.equal(parseAzureDevopsHookSecret(bad), null, bad);
  }
});

Deno.test("azureDevopsWebhook.verify() checks Basic credentials", async (t) => {
  const { raw } = await readFixture("git.pullrequest.created.json");
  const secret = "basic:loom:s3cret:with:colons";
  const basic = (value: string) => new Headers({ authorization: `Basic ${btoa(value)}` });
  await t.step("accepts the configured credentials, any scheme case", async () => {
    assert.equal(await azureDevopsWebhook.verify(basic("loom:s3cret:with:colons"), raw, secret), true);
    const lower = new Headers({ authorization: `basic ${btoa("loom:s3cret:with:colons")}` });
    assert.equal(await azureDevopsWebhook.verify(lower, raw, secret), true);
  });
  await t.step("rejects a wrong user or password", async () => {
    assert.equal(await azureDevopsWebhook.verify(basic("loom:wrong"), raw, secret), false);
    assert.equal(await azureDevopsWebhook.verify(basic("other:s3cret:with:colons"), raw, secret), false);
  });
  await t.step("rejects missing, non-Basic and malformed headers", async () => {
    assert.equal(await azureDevopsWebhook.verify(new Headers(), raw, secret), false);
    const bearer = new Headers({ authorization: "Bearer loom:s3cret:with:colons" });
    assert.equal(await azureDevopsWebhook.verify(bearer, raw, secret), false);
    const garbage = new Headers({ authorization: "Basic %%%not-base64" });
    assert.equal(await azureDevopsWebhook.verify(garbage, raw, secret), false);
  });
});

Deno.test("azureDevopsWebhook.verify() checks a custom header", async (t) => {
  const { raw } = await readFixture("git.pullrequest.created.json");
  const secret = "header:X-Loom-Token:tok3n";
  await t.step("accepts the configured value", async () => {
    assert.equal(
      await azureDevopsWebhook.verify(new Headers({ "x-loom-token": "tok3n" }), raw, secret),
      true,
    );
  });
  await t.step("rejects a wrong, empty or missing value", async () => {
    assert.equal(
      await azureDevopsWebhook.verify(new Headers({ "x-loom-token": "tok3n2" }), raw, secret),
      false,
    );
    assert.equal(await azureDevopsWebhook.verify(new Headers({ "x-loom-token": "" }), raw, secret), false);
    assert.equal(await azureDevopsWebhook.verify(new Headers(), raw, secret), false);
  });
  await t.step("never accepts anything under a malformed secret", async () => {
    const headers = new Headers({ "x-loom-token": "tok3n", authorization: `Basic ${btoa("a:b")}` });
    for (const bad of ["", "tok3n", "header:X-Loom-Token", "basic:a", "header:Bad Name:x"]) {
      assert.equal(await azureDevopsWebhook.verify(headers, raw, bad), false, bad);
    }
  });
});
