/**
 * Webhooks against a managed repository: a regenerated secret with its grace period (on an injected clock), a
 * disconnected repository, and the delivery log that records what became of each delivery. Through the real
 * route with `@octokit/webhooks-methods` signatures, on both databases.
 */
import assert from "node:assert/strict";
import { sign } from "@octokit/webhooks-methods";
import examples from "@octokit/webhooks-examples" with { type: "json" };
import { dbTest } from "../db/testing.ts";
import { sql } from "../db/mod.ts";
import {
  createRepo,
  disconnectRepo,
  getRepo,
  reconnectRepo,
  regenerateRepoSecret,
  SECRET_GRACE_MS,
} from "../db/repos.ts";
import { DELIVERY_LOG_CAP, listDeliveryLog, recordDelivery, recordRefusal } from "../db/deliveries.ts";
import { githubWebhook } from "../platforms/github/webhook.ts";
import { createApp } from "../../app.ts";
import { createTestDeps } from "../../tests/support/app_server.ts";
import { applyWebhookDelivery } from "../queue/webhook_delivery.ts";
import { cancelRepoJobs, claim, enqueue, getJob, heartbeat, prune } from "../queue/mod.ts";
import type { TestDatabase } from "../db/testing.ts";
import { createOrganization } from "../db/organizations.ts";
import { createUser } from "../db/users.ts";
import { claimInstallation } from "../db/github_installations.ts";

const OLD_SECRET = "the-secret-before-regeneration";
const NEW_SECRET = "the-secret-after-regeneration";
const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);
// deno-lint-ignore no-explicit-any
type Payload = Record<string, any>;

function opened(): Payload {
  const definition = (examples as unknown as { name: string; examples: Payload[] }[]).find((item) =>
    item.name === "pull_request"
  );
  return structuredClone(definition!.examples.find((item) => item.action === "opened")!);
}

async function setup(database: TestDatabase) {
  let clock = T0;
  const deps = await createTestDeps(database.db, { parsers: { github: githubWebhook }, now: () => clock });
  const payload = opened();
  const repo = await createRepo(database.db, {
    platform: "github",
    fullName: payload.repository.full_name,
    webhookSecret: await deps.secretBox.encrypt(OLD_SECRET),
  }, () => clock);
  const app = createApp(deps);
  let sequence = 0;
  const send = async (
    secret: string,
    options: { headSha?: string; event?: string; body?: string; delivery?: string } = {},
  ) => {
    const delivery = options.delivery ?? `delivery-${++sequence}`;
    const event = structuredClone(payload);
    event.pull_request.head.sha = options.headSha ?? `head${sequence}`;
    const body = options.body ?? JSON.stringify(event);
    const response = await app.request(`/api/webhooks/github?repo=${repo.id}`, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-github-event": options.event ?? "pull_request",
        "x-github-delivery": delivery,
        "x-hub-signature-256": await sign(secret, body),
      },
    });
    return { status: response.status, body: await response.json(), delivery };
  };
  return {
    deps,
    repo,
    send,
    advance: (ms: number) => void (clock += ms),
    now: () => clock,
    jobs: async () =>
      Number(
        (await database.db.query<{ count: number }>(sql`select count(*) as count from jobs`))[0]!.count,
      ),
  };
}

dbTest("a regenerated secret: the old one works for the grace period, then gets 401", async (database) => {
  const { deps, repo, send, advance, now, jobs } = await setup(database);
  // The first delivery makes the process remember the row and its secret.
  assert.equal((await send(OLD_SECRET)).status, 202);
  const rotated = await regenerateRepoSecret(
    database.db,
    repo.id,
    await deps.secretBox.encrypt(NEW_SECRET),
    now,
  );
  assert.equal(rotated!.previousSecretExpiresAt, T0 + SECRET_GRACE_MS);

  // Within the grace period both secrets are accepted, the remembered row's and the new one.
  assert.equal((await send(OLD_SECRET)).status, 202);
  assert.equal((await send(NEW_SECRET)).status, 202);
  advance(SECRET_GRACE_MS - 1);
  assert.equal((await send(OLD_SECRET)).status, 202);
  assert.equal(await jobs(), 4);

  // At the expiry the old secret is refused like any wrong one, and the refusal is in the delivery log.
  advance(1);
  const refused = await send(OLD_SECRET);
  assert.equal(refused.status, 401);
  assert.equal(refused.body.message, "Webhook authentication failed");
  assert.equal((await send(NEW_SECRET)).status, 202);
  assert.equal(await jobs(), 5);
  const log = await listDeliveryLog(database.db, repo.id);
  const entry = log.find((item) => item.deliveryId === refused.delivery);
  assert.equal(entry?.outcome, "bad_signature");
  assert.equal(entry?.event, "pull_request");
  assert.equal(entry?.reason, "Invalid signature");
});

dbTest(
  "the delivery's transaction accepts the previous secret only within its grace period",
  async (database) => {
    const { deps, repo, now } = await setup(database);
    const before = (await getRepo(database.db, repo.id))!;
    await regenerateRepoSecret(database.db, repo.id, await deps.secretBox.encrypt(NEW_SECRET), now);
    const payload = opened();
    const delivery = (id: string, headSha: string) => ({
      // Verified with the old secret: the ciphertext the row held when it was read.
      repo: before,
      deliveryId: id,
      event: "pull_request.opened",
      action: {
        kind: "enqueue_review" as const,
        payload: {
          platform: "github" as const,
          repoId: repo.id,
          repo: repo.fullName,
          number: payload.number,
          headSha,
          baseSha: "b",
          baseRef: "main",
          headRef: "f",
          title: "t",
          author: "a",
          authorIsBot: false,
          draft: false,
          action: "opened" as const,
        },
        dedupeKey: `review:${headSha}`,
        groupKey: `group-${headSha}`,
        supersedeReason: "Superseded",
      },
    });
    const within = await applyWebhookDelivery(
      database.db,
      delivery("d1", "h1"),
      () => T0 + SECRET_GRACE_MS - 1,
    );
    assert.equal(within.outcome, "enqueued");
    const after = await applyWebhookDelivery(database.db, delivery("d2", "h2"), () => T0 + SECRET_GRACE_MS);
    assert.equal(after.outcome, "stale_repo");
    // A disconnected repository takes nothing, even with its current secret.
    const current = (await getRepo(database.db, repo.id))!;
    await disconnectRepo(database.db, repo.id, now);
    const gone = await applyWebhookDelivery(database.db, { ...delivery("d3", "h3"), repo: current }, now);
    assert.equal(gone.outcome, "stale_repo");
    assert.equal(
      (await database.db.query(
        sql`select delivery_id from webhook_deliveries where delivery_id in ('d2', 'd3')`,
      ))
        .length,
      0,
    );
  },
);

dbTest(
  "a disconnected repository's jobs are cancelled and its webhooks get 410, logged",
  async (database) => {
    const { repo, send, jobs, now, deps } = await setup(database);
    assert.equal((await send(OLD_SECRET)).status, 202);
    const command = await enqueue(database.db, "review_pull_request", {
      platform: "github",
      repoId: repo.id,
      repo: repo.fullName,
      number: 99,
      headSha: "manual",
      baseSha: "b",
      baseRef: "main",
      headRef: "f",
      title: "t",
      author: "a",
      authorIsBot: false,
      draft: false,
      action: "manual",
    }, { groupKey: "other-group", now });
    const [running] = await claim(database.db, "worker-1", { limit: 1, leaseMs: 60_000, now });
    assert.ok(running);

    await database.db.transaction(async (tx) => {
      assert.equal(await disconnectRepo(tx, repo.id, now), true);
      const cancelled = await cancelRepoJobs(tx, repo.id, "Repository disconnected", now);
      assert.equal(cancelled.length, 2);
    });
    assert.equal((await getJob(database.db, command.id))!.status, "cancelled");
    // The running job's worker loses it: its heartbeat fails and the posting guard's job check refuses.
    assert.equal(await heartbeat(database.db, running, "worker-1", { leaseMs: 60_000, now }), false);
    assert.equal((await getJob(database.db, running.id))!.status, "cancelled");

    const refused = await send(OLD_SECRET);
    assert.equal(refused.status, 410);
    assert.match(refused.body.message, /disconnected/);
    assert.equal(await jobs(), 2);
    // A wrong signature is still the uniform 401: nobody learns the repository's state without its secret.
    assert.equal((await send("not-the-secret")).status, 401);
    const log = await listDeliveryLog(database.db, repo.id);
    assert.equal(log.find((entry) => entry.deliveryId === refused.delivery)?.outcome, "disconnected");
    // History stays: the accepted deliveries are still listed.
    assert.equal(log.filter((entry) => entry.outcome === "enqueued").length, 1);

    // Connecting again keeps the id; the old secret is gone, the new one works.
    await reconnectRepo(database.db, repo.id, await deps.secretBox.encrypt(NEW_SECRET));
    assert.equal((await send(OLD_SECRET)).status, 401);
    assert.equal((await send(NEW_SECRET)).status, 202);
  },
);

dbTest(
  "the delivery log lists accepted and refused deliveries newest first, capped per repository",
  async (database) => {
    const { repo, now, advance } = await setup(database);
    const other = await createRepo(database.db, {
      platform: "github",
      fullName: "o/other",
      webhookSecret: "x",
    });
    await recordDelivery(database.db, {
      platform: "github",
      deliveryId: "accepted-1",
      repoId: repo.id,
      event: "pull_request.labeled",
      outcome: "ignored",
    }, now);
    for (let index = 0; index < DELIVERY_LOG_CAP + 5; index++) {
      advance(1000);
      await recordRefusal(database.db, {
        repoId: repo.id,
        deliveryId: `forged-${index}`,
        event: "pull_request",
        outcome: "bad_signature",
        reason: "Invalid signature",
      }, now);
    }
    await recordRefusal(database.db, {
      repoId: other.id,
      deliveryId: "x".repeat(500),
      event: "push",
      outcome: "bad_signature",
      reason: "Invalid signature",
    }, now);
    const [count] = await database.db.query<{ count: number }>(
      sql`select count(*) as count from delivery_log where repo_id = ${repo.id}`,
    );
    assert.equal(Number(count!.count), DELIVERY_LOG_CAP);
    const log = await listDeliveryLog(database.db, repo.id, 300);
    assert.equal(log.length, DELIVERY_LOG_CAP + 1);
    assert.equal(log[0]!.deliveryId, `forged-${DELIVERY_LOG_CAP + 4}`);
    assert.equal(log.at(-1)!.deliveryId, "accepted-1");
    assert.equal(log.at(-2)!.deliveryId, "forged-5");
    assert.equal((await listDeliveryLog(database.db, repo.id, 50)).length, 50);
    // Unverified header values are cut short.
    assert.equal((await listDeliveryLog(database.db, other.id))[0]!.deliveryId!.length, 120);
    // Retention prunes the log like the deliveries.
    const pruned = await prune(database.db, { olderThanMs: 0, now: () => now() + 1 });
    assert.equal(pruned.deliveries, DELIVERY_LOG_CAP + 2);
    assert.deepEqual(await listDeliveryLog(database.db, repo.id), []);
  },
);

dbTest("the delivery log records malformed, repeated and ignored deliveries with why", async (database) => {
  const { repo, send } = await setup(database);
  const first = await send(OLD_SECRET, { headSha: "same" });
  assert.equal(first.status, 202);
  const repeated = await send(OLD_SECRET, { headSha: "same", delivery: first.delivery });
  assert.equal(repeated.status, 200);
  const malformed = await send(OLD_SECRET, { body: "{not json" });
  assert.equal(malformed.status, 400);
  const ping = await send(OLD_SECRET, { event: "ping", body: JSON.stringify({ zen: "hi", hook_id: 1 }) });
  assert.equal(ping.status, 202);
  const log = await listDeliveryLog(database.db, repo.id);
  const byId = new Map(log.map((entry) => [entry.deliveryId, entry]));
  assert.deepEqual(
    log.filter((entry) => entry.deliveryId === first.delivery).map((entry) => entry.outcome).sort(),
    ["duplicate", "enqueued"],
  );
  assert.equal(byId.get(malformed.delivery)?.outcome, "malformed");
  assert.match(byId.get(malformed.delivery)!.reason!, /Cannot parse the webhook body/);
  assert.equal(byId.get(ping.delivery)?.outcome, "ignored");
  assert.equal(byId.get(ping.delivery)?.event, "ping");
});

dbTest(
  "a GitHub App delivery for a disconnected repository is logged and ignored, not answered 410",
  async (database) => {
    const { db } = database;
    const APP_SECRET = "github-app-webhook-secret";
    const deps = await createTestDeps(db, { parsers: { github: githubWebhook } });
    deps.config = { ...deps.config, githubWebhookSecret: APP_SECRET };
    const organization = await createOrganization(db, { name: "Acme" });
    const admin = await createUser(db, { email: "admin@example.com", name: "Admin" });
    const installationId = 957387;
    assert.ok(
      await claimInstallation(db, {
        host: "github.com",
        installationId,
        accountLogin: "Codertocat",
        accountId: installationId,
        accountType: "Organization",
      }, { organizationId: organization.id, userId: admin.id }),
    );
    const payload = opened();
    payload.installation = { id: installationId };
    const repo = await createRepo(db, {
      platform: "github",
      host: "github.com",
      fullName: payload.repository.full_name,
      platformRepoId: String(payload.repository.id),
      webhookSecret: "unused: App deliveries are verified with the App's secret",
      organizationId: organization.id,
      installationId,
    });
    const app = createApp(deps);
    const send = async (id: string) => {
      const body = JSON.stringify(payload);
      const response = await app.request("/api/webhooks/github", {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "x-github-event": "pull_request",
          "x-github-delivery": id,
          "x-hub-signature-256": await sign(APP_SECRET, body),
        },
      });
      return { status: response.status, body: await response.json() };
    };
    assert.equal((await send("app-1")).body.outcome, "enqueued");
    await disconnectRepo(db, repo.id);
    const ignored = await send("app-2");
    assert.equal(ignored.status, 202);
    assert.equal(ignored.body.outcome, "ignored");
    const log = await listDeliveryLog(db, repo.id);
    assert.equal(log.find((entry) => entry.deliveryId === "app-2")?.outcome, "disconnected");
    const [jobs] = await db.query<{ count: number }>(sql`select count(*) as count from jobs`);
    assert.equal(Number(jobs!.count), 1);
  },
);

dbTest(
  "a webhook over LOOM_MAX_WEBHOOK_BYTES is refused 413 and noted as too large in its repository's log",
  async (database) => {
    const { db } = database;
    const deps = await createTestDeps(db, { parsers: { github: githubWebhook } });
    deps.config = { ...deps.config, maxWebhookBytes: 1024 };
    const repo = await createRepo(db, {
      platform: "github",
      fullName: "octo/big",
      webhookSecret: await deps.secretBox.encrypt(OLD_SECRET),
    });
    const app = createApp(deps);
    const post = async (query: string) => {
      const response = await app.request(`/api/webhooks/github${query}`, {
        method: "POST",
        body: "x".repeat(4096),
        headers: { "x-github-event": "pull_request", "x-github-delivery": "big-1" },
      });
      await response.body?.cancel();
      return response.status;
    };
    assert.equal(await post(`?repo=${repo.id}`), 413);
    const [entry] = await listDeliveryLog(db, repo.id);
    assert.equal(entry?.outcome, "too_large");
    assert.equal(entry?.deliveryId, "big-1");
    assert.match(entry!.reason!, /LOOM_MAX_WEBHOOK_BYTES \(1024 bytes\)/);
    // Another platform's id, or no repository, notes nothing.
    assert.equal(await post(`?repo=${repo.id + 1}`), 413);
    assert.equal(
      (await app.request(`/api/webhooks/gitlab?repo=${repo.id}`, { method: "POST", body: "x".repeat(4096) }))
        .status,
      413,
    );
    assert.equal((await listDeliveryLog(db, repo.id)).length, 1);
  },
);
