import assert from "node:assert/strict";
import { createTestDatabase } from "../db/testing.ts";
import { type Db, sql } from "../db/mod.ts";
import { createRepo, type Repo, setRepoPaused } from "../db/repos.ts";
import { reviewPayload } from "./testing.ts";
import { applyWebhookDelivery, deliveryCall, type WebhookDelivery } from "./webhook_delivery.ts";
import definition from "./apply_webhook_delivery.sql" with { type: "text" };
import { deliveryFunction, ensureDeliveryFunction, versioned } from "./delivery_function.ts";

/** The delivery functions in the connection's schema, by name, with their bodies. */
async function installed(db: Db): Promise<{ name: string; body: string }[]> {
  return await db.query(sql`
    select p.proname as name, p.prosrc as body from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = current_schema() and p.proname like 'apply_webhook_delivery%' order by p.proname`);
}

function bodyOf(text: string): string {
  return text.slice(text.indexOf("AS $$") + "AS $$".length, text.lastIndexOf("$$"));
}

function reviewDelivery(repo: Repo, number: number): WebhookDelivery {
  const payload = reviewPayload({ repoId: repo.id, number, headSha: `h${number}` });
  return {
    repo,
    deliveryId: `d${number}`,
    event: "pull_request.opened",
    action: {
      kind: "enqueue_review",
      payload,
      dedupeKey: `review:octo/hello#${number}@h${number}`,
      groupKey: `octo/hello#${number}`,
      supersedeReason: "Superseded",
    },
  };
}

function applyReview(db: Db, repo: Repo, number: number) {
  return applyWebhookDelivery(db, reviewDelivery(repo, number));
}

function repoOf(db: Db) {
  return createRepo(db, { platform: "github", fullName: "octo/hello", webhookSecret: "v1.iv.data" });
}

Deno.test("versioned() names the delivery function after its text: one edit, a new name", async () => {
  const current = await versioned(definition);
  assert.match(current.name, /^apply_webhook_delivery_[0-9a-f]{16}$/);
  assert.deepEqual(await versioned(definition), current);
  assert.deepEqual(await deliveryFunction(), current);
  assert.ok(current.text.includes(`CREATE OR REPLACE FUNCTION ${current.name}(`));
  const edited = await versioned(definition.replace("'paused'::TEXT", "'held'::TEXT"));
  assert.notEqual(edited.name, current.name);
  await assert.rejects(versioned("select 1"), /lacks __FUNCTION_NAME__/);
});

Deno.test("applyWebhookDelivery() on PostgreSQL runs the function of apply_webhook_delivery.sql, not a migration's", async () => {
  await using database = await createTestDatabase("postgres");
  const { db } = database;
  // Migration 0014 dropped the copy that migrations 0004, 0009 and 0011 defined.
  assert.deepEqual(await installed(db), []);
  const repo = await repoOf(db);
  assert.equal((await applyReview(db, repo, 1)).outcome, "enqueued");
  const fn = await deliveryFunction();
  assert.deepEqual(await installed(db), [{ name: fn.name, body: bodyOf(fn.text) }]);
  assert.equal(bodyOf(fn.text), bodyOf(definition));
});

Deno.test("An edit of the pause rule is one change of the .sql text, installed beside the previous version", async () => {
  await using database = await createTestDatabase("postgres");
  const { db } = database;
  const repo = await repoOf(db);
  await setRepoPaused(db, repo.id, true);
  assert.equal((await applyReview(db, repo, 1)).outcome, "paused");
  const edited = await versioned(definition.replaceAll("'paused'", "'held'"));
  await ensureDeliveryFunction(db, edited);
  const names = (await installed(db)).map((row) => row.name);
  assert.deepEqual(names, [(await deliveryFunction()).name, edited.name].sort());
  const [row] = await db.query(deliveryCall(edited.name, reviewDelivery(repo, 2), 1_000));
  assert.equal(row?.appliedOutcome, "held");
  // A process of the older version keeps its own function during a rolling upgrade.
  assert.equal((await applyReview(db, repo, 3)).outcome, "paused");
});

Deno.test("First deliveries from four connections at once install the function once and all apply", async () => {
  await using database = await createTestDatabase("postgres");
  const repo = await repoOf(database.db);
  const connections = Array.from({ length: 4 }, () => database.connect());
  const outcomes = await Promise.all(connections.map((db, index) => applyReview(db, repo, index + 1)));
  assert.deepEqual(outcomes.map((applied) => applied.outcome), [
    "enqueued",
    "enqueued",
    "enqueued",
    "enqueued",
  ]);
  assert.deepEqual((await installed(database.db)).map((row) => row.name), [(await deliveryFunction()).name]);
});

Deno.test("A delivery function dropped under a running process is installed again by its next delivery", async () => {
  await using database = await createTestDatabase("postgres");
  const { db } = database;
  const repo = await repoOf(db);
  assert.equal((await applyReview(db, repo, 1)).outcome, "enqueued");
  const fn = await deliveryFunction();
  await db.execScript(`drop function ${fn.name}`);
  assert.equal((await applyReview(db, repo, 2)).outcome, "enqueued");
  assert.deepEqual((await installed(db)).map((row) => row.name), [fn.name]);
});

Deno.test("ensureDeliveryFunction() on SQLite changes nothing: the same steps run in a transaction", async () => {
  await using database = await createTestDatabase("sqlite");
  await ensureDeliveryFunction(database.db);
  const repo = await repoOf(database.db);
  assert.equal((await applyReview(database.db, repo, 1)).outcome, "enqueued");
});
