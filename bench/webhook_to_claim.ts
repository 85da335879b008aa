/**
 * Webhook-to-claim latency: from sending a signed webhook to the moment a worker starts the job it enqueued.
 * The web app is served over real HTTP and the worker loop runs beside it with its own database connection:
 * on PostgreSQL the worker is woken by LISTEN/NOTIFY (as a separate worker process is), on SQLite by the
 * in-process wake-up of embedded mode. Webhooks are sent one at a time, 25 ms apart, so each measures an idle
 * worker's reaction rather than queueing behind the previous job.
 *
 *   deno run -A bench/webhook_to_claim.ts [--count 200]
 */
import { createTestDatabase } from "../lib/db/testing.ts";
import { createRepo } from "../lib/db/repos.ts";
import { createSecretBox } from "../lib/crypto/secret_box.ts";
import { WEBHOOK_PARSERS } from "../lib/platforms/mod.ts";
import { createWakeup } from "../lib/queue/mod.ts";
import { silentLogger } from "../lib/log.ts";
import { runWorker, type TaskRegistry } from "../worker/run_worker.ts";
import { createTestDeps, serveApp, TEST_SECRET_KEY } from "../tests/support/app_server.ts";
import { percentile, signedWebhooks } from "./webhook_load.ts";

const countFlag = Deno.args.indexOf("--count");
const COUNT = countFlag >= 0 ? Number(Deno.args[countFlag + 1]) : 200;
const SECRET = "bench-webhook-secret";

async function measure(dialect: "sqlite" | "postgres") {
  await using database = await createTestDatabase(dialect);
  const box = await createSecretBox(TEST_SECRET_KEY);
  const repo = await createRepo(database.db, {
    platform: "github",
    fullName: "octo-org/load",
    webhookSecret: await box.encrypt(SECRET),
  });
  const workerDb = database.connect();
  const wakeup = await createWakeup(dialect === "postgres" ? workerDb : undefined);
  const started = new Map<number, number>();
  const tasks = {
    review_pull_request: (job) => {
      started.set(job.payload.number, performance.now());
      return Promise.resolve();
    },
    pull_request_command: () => Promise.resolve(),
    describe_pull_request: () => Promise.resolve(),
  } as TaskRegistry;
  const stop = new AbortController();
  const worker = runWorker({
    db: workerDb,
    log: silentLogger,
    tasks,
    concurrency: 1,
    pollIntervalMs: 1000,
    wakeup,
    signal: stop.signal,
  });
  const deps = await createTestDeps(database.db, {
    parsers: WEBHOOK_PARSERS,
    onEnqueued: dialect === "sqlite" ? () => wakeup.wake() : undefined,
  });
  await using server = serveApp(deps);
  const webhooks = await signedWebhooks(COUNT, "octo-org/load", SECRET);
  const sent = new Map<number, number>();
  try {
    for (const [index, webhook] of webhooks.entries()) {
      sent.set(index + 1, performance.now());
      const response = await fetch(`${server.url}/api/webhooks/github?repo=${repo.id}`, {
        method: "POST",
        body: webhook.body,
        headers: webhook.headers,
      });
      await response.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const deadline = Date.now() + 10_000;
    while (started.size < COUNT && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    stop.abort();
    await worker;
    await wakeup.close();
  }
  if (started.size < COUNT) throw new Error(`Only ${started.size} of ${COUNT} jobs were claimed`);
  const latencies = [...started].map(([number, at]) => at - sent.get(number)!).sort((a, b) => a - b);
  return { dialect, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1)! };
}

const rows = [];
for (const dialect of ["sqlite", "postgres"] as const) {
  const result = await measure(dialect);
  rows.push(
    `| ${dialect} | ${COUNT} | ${result.p50.toFixed(1)} | ${result.p99.toFixed(1)} | ${
      result.max.toFixed(1)
    } |`,
  );
}
const table = [
  "| database | webhooks | p50 ms | p99 ms | max ms |",
  "| --- | --- | --- | --- | --- |",
  ...rows,
].join("\n");
await Deno.stdout.write(new TextEncoder().encode(table + "\n"));
