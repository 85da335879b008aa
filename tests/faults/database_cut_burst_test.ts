/**
 * PostgreSQL goes away for 10 s while signed webhooks keep arriving. The web server and a worker reach the shared
 * server through a cuttable TCP proxy. Every webhook is answered within a second (accepted, or 503 for the
 * platform to deliver again), `/readyz` says 503 within a second, every pull request is reviewed exactly once,
 * and the review caught running by the cut is settled as soon as the database is back — not after its lease.
 */
import assert from "node:assert/strict";
import { sign } from "@octokit/webhooks-methods";
import examples from "@octokit/webhooks-examples" with { type: "json" };
import { createPostgresDb, sql } from "../../lib/db/mod.ts";
import { createTestDatabase } from "../../lib/db/testing.ts";
import { createRepo } from "../../lib/db/repos.ts";
import { createSecretBox } from "../../lib/crypto/secret_box.ts";
import { loadServerConfig } from "../../lib/config/env.ts";
import { createLogger } from "../../lib/log.ts";
import { WEBHOOK_PARSERS } from "../../lib/platforms/mod.ts";
import { runWorker, type TaskRegistry } from "../../worker/run_worker.ts";
import { createTestDeps, serveApp, TEST_SECRET_KEY } from "../support/app_server.ts";
import { startCuttableProxy } from "./_cuttable_proxy.ts";

const SECRET = "cut-webhook-secret";
const REPO = "octo-org/cut";
const PULL_REQUESTS = 60;
const CUT_MS = 10_000;
const LEASE_MS = 60_000;
/** "Within 1 s", with room for a loaded machine. */
const WITHIN_ONE_SECOND = 1_500;
/** The review that is running when the database goes away. */
const CAUGHT = 8;

// deno-lint-ignore no-explicit-any
type Payload = Record<string, any>;

function webhookBody(number: number): string {
  const definition = (examples as unknown as { name: string; examples: Payload[] }[])
    .find((item) => item.name === "pull_request")!;
  const payload = structuredClone(definition.examples.find((item) => item.action === "opened")!);
  payload.number = number;
  payload.pull_request.number = number;
  payload.pull_request.draft = false;
  payload.pull_request.head.sha = number.toString(16).padStart(40, "0");
  payload.pull_request.base.ref = "main";
  payload.repository.full_name = REPO;
  payload.repository.name = "cut";
  payload.repository.owner.login = "octo-org";
  return JSON.stringify(payload);
}

Deno.test("a 10 s PostgreSQL outage under a webhook burst: prompt answers, every review once, no lease waited out [postgres]", async () => {
  await using database = await createTestDatabase("postgres");
  const url = new URL(database.url);
  const proxy = startCuttableProxy({ hostname: url.hostname, port: Number(url.port || 5432) });
  url.port = String(proxy.port);
  const webDb = createPostgresDb(url.toString(), { schema: database.schema, max: 4 });
  const workerDb = createPostgresDb(url.toString(), { schema: database.schema, max: 2 });
  const box = await createSecretBox(TEST_SECRET_KEY);
  const repo = await createRepo(database.db, {
    platform: "github",
    fullName: REPO,
    webhookSecret: await box.encrypt(SECRET),
  });

  let cutStarted!: () => void;
  const cut = new Promise<void>((resolve) => (cutStarted = resolve));
  const executions = new Map<number, number>();
  const tasks = {
    review_pull_request: async (job) => {
      executions.set(job.payload.number, (executions.get(job.payload.number) ?? 0) + 1);
      // This review is still running when the database goes away: its completion cannot be recorded then.
      if (job.payload.number === CAUGHT) await cut;
      await new Promise((resolve) => setTimeout(resolve, 20));
    },
    pull_request_command: () => Promise.resolve(),
    describe_pull_request: () => Promise.resolve(),
  } as TaskRegistry;
  const stop = new AbortController();
  const worker = runWorker({
    db: workerDb,
    log: createLogger({ level: "error", write: () => {} }),
    tasks,
    workerId: "cut-worker",
    concurrency: 2,
    leaseMs: LEASE_MS,
    pollIntervalMs: 50,
    recordRetryMs: 200,
    signal: stop.signal,
  });
  const config = loadServerConfig({ LOOM_SECRET_KEY: TEST_SECRET_KEY, LOOM_DB_REQUEST_TIMEOUT_MS: "800" });
  const server = serveApp(await createTestDeps(webDb, { parsers: WEBHOOK_PARSERS, config }));
  const answers: { number: number; status: number; ms: number; during: boolean }[] = [];
  let cutting = false;
  const deliver = async (number: number) => {
    const body = webhookBody(number);
    const started = performance.now();
    const during = cutting;
    const response = await fetch(`${server.url}/api/webhooks/github?repo=${repo.id}`, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-github-event": "pull_request",
        "x-github-delivery": `delivery-${number}`,
        "x-hub-signature-256": await sign(SECRET, body),
      },
    });
    await response.body?.cancel();
    answers.push({ number, status: response.status, ms: performance.now() - started, during });
    return response.status;
  };
  const completedCount = async () =>
    Number(
      (await database.db.query<{ count: number }>(
        sql`select count(*) as count from jobs where status = 'completed'`,
      ))[0]!.count,
    );
  try {
    const sending = (async () => {
      for (let number = 1; number <= PULL_REQUESTS; number++) {
        await deliver(number);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    })();
    // Cut once the caught review is running.
    const deadline = Date.now() + 30_000;
    while (!executions.has(CAUGHT)) {
      assert.ok(Date.now() < deadline, "the caught review never started");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    proxy.cut();
    cutting = true;
    cutStarted();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const readyStarted = performance.now();
    const ready = await fetch(`${server.url}/readyz`);
    await ready.body?.cancel();
    const readyMs = performance.now() - readyStarted;
    await new Promise((resolve) => setTimeout(resolve, CUT_MS - 1_000));
    proxy.restore();
    cutting = false;
    const restoredAt = Date.now();
    await sending;

    assert.equal(ready.status, 503, "/readyz says the database is away");
    assert.ok(readyMs < WITHIN_ONE_SECOND, `/readyz answered in ${Math.round(readyMs)} ms`);
    const slow = answers.filter((answer) => answer.ms >= WITHIN_ONE_SECOND);
    assert.deepEqual(slow, [], "every webhook answered within a second");
    const wrong = answers.filter((answer) => ![200, 202, 503].includes(answer.status));
    assert.deepEqual(wrong, [], "every webhook accepted or refused with 503");
    assert.ok(answers.some((answer) => answer.during && answer.status === 503), "the outage was felt");

    // The caught review is settled as soon as the database answers again, far from its 60 s lease.
    while (
      (await database.db.query<{ status: string }>(
        sql`select status from jobs where payload like ${`%"number":${CAUGHT},%`}`,
      ))[0]?.status !== "completed"
    ) {
      assert.ok(Date.now() - restoredAt < 15_000, "the caught review waited for its lease");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    // The platform delivers the refused webhooks again.
    for (const answer of answers.filter((answer) => answer.status === 503)) {
      assert.ok([200, 202].includes(await deliver(answer.number)), `redelivery of #${answer.number}`);
    }
    while ((await completedCount()) < PULL_REQUESTS) {
      assert.ok(Date.now() - restoredAt < 30_000, `only ${await completedCount()} reviews completed`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const jobs = await database.db.query<{ status: string }>(sql`select status from jobs`);
    assert.equal(jobs.length, PULL_REQUESTS, "one job per pull request");
    assert.deepEqual(
      [...executions.entries()].filter(([, count]) => count !== 1),
      [],
      "every pull request reviewed exactly once",
    );
    assert.equal(executions.size, PULL_REQUESTS);
  } finally {
    stop.abort();
    await worker;
    await server[Symbol.asyncDispose]();
    await webDb.close().catch(() => {});
    await workerDb.close().catch(() => {});
    await proxy.close();
  }
});
