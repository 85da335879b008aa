/**
 * A burst of 2,000 signed GitHub webhooks through the real HTTP server (`createApp` served by `Deno.serve`),
 * 48 in flight at a time: new pull requests, replays of the same delivery, redeliveries of the same head under a
 * new delivery id, events Loom ignores, and forged signatures. Every request must be accounted for in
 * `webhook_deliveries` and `jobs` — one job per pull-request head, one delivery row per delivery id — and none lost.
 */
import assert from "node:assert/strict";
import { sign } from "@octokit/webhooks-methods";
import examples from "@octokit/webhooks-examples" with { type: "json" };
import { dbTest } from "../../lib/db/testing.ts";
import { sql } from "../../lib/db/mod.ts";
import { createRepo } from "../../lib/db/repos.ts";
import { WEBHOOK_PARSERS } from "../../lib/platforms/mod.ts";
import { createLoomMetrics, metricValue } from "../../lib/metrics.ts";
import { createTestDeps, serveApp, TEST_SECRET_KEY } from "../support/app_server.ts";
import { createSecretBox } from "../../lib/crypto/secret_box.ts";

const SECRET = "burst-webhook-secret";
const REPO = "octo-org/burst";

// deno-lint-ignore no-explicit-any
type Payload = Record<string, any>;

function pullRequestPayload(action: string, number: number, headSha: string): Payload {
  const definition = (examples as unknown as { name: string; examples: Payload[] }[])
    .find((item) => item.name === "pull_request")!;
  const payload = structuredClone(definition.examples.find((item) => item.action === "opened")!);
  payload.action = action;
  payload.number = number;
  payload.pull_request.number = number;
  payload.pull_request.draft = false;
  payload.pull_request.head.sha = headSha;
  payload.pull_request.base.ref = "main";
  payload.repository.full_name = REPO;
  payload.repository.name = "burst";
  payload.repository.owner.login = "octo-org";
  return payload;
}

interface Delivery {
  kind: "new" | "replay" | "redelivery" | "ignored" | "forged";
  deliveryId: string;
  body: string;
}

function headSha(number: number): string {
  return number.toString(16).padStart(40, "0");
}

/** 800 new heads, 350 replays, 350 redeliveries, 400 ignored events, 100 forged: 2,000, shuffled with a seed. */
function plan(): Delivery[] {
  const deliveries: Delivery[] = [];
  for (let number = 1; number <= 800; number++) {
    deliveries.push({
      kind: "new",
      deliveryId: `new-${number}`,
      body: JSON.stringify(pullRequestPayload("opened", number, headSha(number))),
    });
  }
  for (let index = 0; index < 350; index++) {
    const original = deliveries[index * 2]!;
    deliveries.push({ kind: "replay", deliveryId: original.deliveryId, body: original.body });
  }
  for (let index = 0; index < 350; index++) {
    const number = index * 2 + 2;
    deliveries.push({
      kind: "redelivery",
      deliveryId: `again-${number}`,
      body: JSON.stringify(pullRequestPayload("synchronize", number, headSha(number))),
    });
  }
  for (let index = 0; index < 400; index++) {
    deliveries.push({
      kind: "ignored",
      deliveryId: `locked-${index}`,
      // A label change is a review event (`edited`); locking the conversation is one Loom ignores.
      body: JSON.stringify(pullRequestPayload("locked", (index % 800) + 1, headSha((index % 800) + 1))),
    });
  }
  for (let index = 0; index < 100; index++) {
    deliveries.push({
      kind: "forged",
      deliveryId: `forged-${index}`,
      body: JSON.stringify(pullRequestPayload("opened", 5000 + index, headSha(5000 + index))),
    });
  }
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let index = deliveries.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [deliveries[index], deliveries[other]] = [deliveries[other]!, deliveries[index]!];
  }
  return deliveries;
}

dbTest(
  "a burst of 2,000 signed webhooks is fully accounted for: one job per head, none lost",
  async ({ db }) => {
    const box = await createSecretBox(TEST_SECRET_KEY);
    const repo = await createRepo(db, {
      platform: "github",
      fullName: REPO,
      webhookSecret: await box.encrypt(SECRET),
    });
    const metrics = createLoomMetrics({ db });
    await using server = serveApp(await createTestDeps(db, { parsers: WEBHOOK_PARSERS, metrics }));
    const deliveries = plan();
    assert.equal(deliveries.length, 2000);

    const outcomes = new Map<string, number>();
    const byKind = new Map<string, Map<string, number>>();
    let next = 0;
    const send = async () => {
      while (next < deliveries.length) {
        const delivery = deliveries[next++]!;
        const signature = await sign(delivery.kind === "forged" ? "not-the-secret" : SECRET, delivery.body);
        const response = await fetch(`${server.url}/api/webhooks/github?repo=${repo.id}`, {
          method: "POST",
          body: delivery.body,
          headers: {
            "content-type": "application/json",
            "x-github-event": "pull_request",
            "x-github-delivery": delivery.deliveryId,
            "x-hub-signature-256": signature,
          },
        });
        const body = await response.json();
        const outcome = `${response.status} ${body.outcome ?? body.status}`;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        const kind = byKind.get(delivery.kind) ?? new Map<string, number>();
        kind.set(outcome, (kind.get(outcome) ?? 0) + 1);
        byKind.set(delivery.kind, kind);
      }
    };
    await Promise.all(Array.from({ length: 48 }, send));

    // Which of two racing deliveries of one head gets the job is up to the race; the totals are not.
    assert.deepEqual(Object.fromEntries([...outcomes].sort()), {
      "200 duplicate": 350,
      "202 duplicate_job": 350,
      "202 enqueued": 800,
      "202 ignored": 400,
      "401 rejected": 100,
    });
    assert.deepEqual(Object.fromEntries(byKind.get("ignored")!), { "202 ignored": 400 });
    assert.deepEqual(Object.fromEntries(byKind.get("forged")!), { "401 rejected": 100 });

    const jobs = await db.query<{ dedupeKey: string; status: string }>(
      sql`select dedupe_key, status from jobs`,
    );
    assert.equal(jobs.length, 800, "one job per pull-request head");
    assert.equal(new Set(jobs.map((job) => job.dedupeKey)).size, 800);
    assert.ok(jobs.every((job) => job.status === "pending"), "no job was cancelled or lost");
    const expectedKeys = Array.from(
      { length: 800 },
      (_, index) => `review:github:${REPO}#${index + 1}@${headSha(index + 1)}`,
    );
    assert.deepEqual(
      jobs.map((job) => job.dedupeKey).sort(),
      expectedKeys.sort(),
    );

    const rows = await db.query<{ outcome: string; count: number; linked: number }>(sql`
    select outcome, count(*) as count, count(job_id) as linked from webhook_deliveries group by outcome order by outcome`);
    assert.deepEqual(
      rows.map((row) => [row.outcome, Number(row.count), Number(row.linked)]),
      [["duplicate_job", 350, 350], ["enqueued", 800, 800], ["ignored", 400, 0]],
      "one delivery row per delivery id, each with its outcome and job",
    );
    const [forged] = await db.query<{ count: number }>(
      sql`select count(*) as count from webhook_deliveries where delivery_id like ${"forged-%"}`,
    );
    assert.equal(Number(forged!.count), 0, "forged requests write nothing");

    assert.equal(
      await metricValue(metrics.webhooksReceived, { platform: "github", outcome: "enqueued" }),
      800,
    );
    assert.equal(
      await metricValue(metrics.webhooksReceived, { platform: "github", outcome: "duplicate" }),
      350,
    );
    assert.equal(await metricValue(metrics.webhooksRejected, { platform: "github", status: "401" }), 100);
  },
);
