/**
 * Webhook throughput and latency against the real web process (`main.ts --no-worker`, so reviews do not compete
 * for the CPU): an open-loop generator sends signed GitHub `pull_request.opened` webhooks at a fixed rate — each
 * a new head, so every request verifies, records its delivery and enqueues a job — and reports the latency of
 * each request measured from its scheduled send time (no coordinated omission), on SQLite and PostgreSQL.
 *
 *   deno run -A bench/webhook_load.ts [--rate 500] [--seconds 10] [--dialect sqlite|postgres]
 */
import { sign } from "@octokit/webhooks-methods";
import examples from "@octokit/webhooks-examples" with { type: "json" };
import { createRepo } from "../lib/db/repos.ts";
import { queueStats } from "../lib/queue/mod.ts";
import { createSecretBox } from "../lib/crypto/secret_box.ts";
import { createE2eDatabase, startLoom } from "../tests/support/loom_process.ts";

const SECRET_KEY = "bench-secret-key-bench-secret-key-0123456789";
const WEBHOOK_SECRET = "bench-webhook-secret";
const REPO = "octo-org/load";

function flag(name: string): string | undefined {
  const index = Deno.args.indexOf(name);
  return index >= 0 ? Deno.args[index + 1] : undefined;
}

// deno-lint-ignore no-explicit-any
type Payload = Record<string, any>;

/** Pre-signs `count` distinct webhooks so signing does not skew the generator's clock. */
export async function signedWebhooks(count: number, repo = REPO, secret = WEBHOOK_SECRET, offset = 0) {
  const template = (examples as unknown as { name: string; examples: Payload[] }[])
    .find((item) => item.name === "pull_request")!.examples.find((item) => item.action === "opened")!;
  const [owner, name] = repo.split("/");
  return await Promise.all(Array.from({ length: count }, async (_, index) => {
    const number = offset + index + 1;
    const payload = structuredClone(template);
    payload.number = number;
    payload.pull_request.number = number;
    payload.pull_request.draft = false;
    payload.pull_request.head.sha = number.toString(16).padStart(40, "0");
    payload.repository.full_name = repo;
    payload.repository.name = name;
    payload.repository.owner.login = owner;
    const body = JSON.stringify(payload);
    return {
      body,
      headers: {
        "content-type": "application/json",
        "x-github-event": "pull_request",
        "x-github-delivery": `load-${number}`,
        "x-hub-signature-256": await sign(secret, body),
      },
    };
  }));
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Sends `requests` open-loop at `rate` per second and reports each one's latency counted from its scheduled send
 * time (a failed request reports status 0). Resolves to the seconds from the first scheduled send to the last
 * answer.
 */
async function sendAtRate<T>(
  requests: T[],
  rate: number,
  post: (request: T) => Promise<number>,
  onDone: (status: number, latency: number) => void = () => {},
): Promise<number> {
  const start = performance.now() + 50;
  const inFlight: Promise<void>[] = [];
  for (const [index, request] of requests.entries()) {
    const scheduled = start + (index * 1000) / rate;
    const wait = scheduled - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(
      post(request).then(
        (status) => onDone(status, performance.now() - scheduled),
        () => onDone(0, performance.now() - scheduled),
      ),
    );
  }
  await Promise.all(inFlight);
  return (performance.now() - start) / 1000;
}

async function run(dialect: "sqlite" | "postgres", rate: number, seconds: number) {
  await using database = await createE2eDatabase(dialect);
  const box = await createSecretBox(SECRET_KEY);
  const repo = await createRepo(database.db, {
    platform: "github",
    fullName: REPO,
    webhookSecret: await box.encrypt(WEBHOOK_SECRET),
  });
  await using loom = await startLoom(
    // "info": `startLoom` reads the server's address from its "listening" line; no request logs at that level.
    { LOOM_DATABASE_URL: database.url, LOOM_SECRET_KEY: SECRET_KEY, LOOM_LOG_LEVEL: "info" },
    ["--no-worker"],
  );
  const total = rate * seconds;
  // Bodies are encoded up front: encoding ~20 KB per request would fill the generator's young generation, and its
  // collections (10–20 ms every few seconds at 500 req/s) would be counted as the server's latency.
  const encoder = new TextEncoder();
  const encode = (list: Awaited<ReturnType<typeof signedWebhooks>>) =>
    list.map((request) => ({ body: encoder.encode(request.body), headers: request.headers }));
  const warmup = encode(await signedWebhooks(Math.max(200, rate), REPO, WEBHOOK_SECRET, 1_000_000));
  const requests = encode(await signedWebhooks(total));
  const url = `${loom.url}/api/webhooks/github?repo=${repo.id}`;
  const post = async (request: { body: Uint8Array<ArrayBuffer>; headers: Record<string, string> }) => {
    const response = await fetch(url, { method: "POST", body: request.body, headers: request.headers });
    await response.arrayBuffer();
    return response.status;
  };
  // Warm up at the measured rate: a server reaches its steady state (compiled code, as many database connections
  // as that rate keeps busy) only under that load; one request at a time would open a single connection.
  await sendAtRate(warmup, rate, post);

  const latencies: number[] = [];
  let errors = 0;
  const elapsed = await sendAtRate(requests, rate, post, (status, latency) => {
    if (status !== 202) errors++;
    latencies.push(latency);
  });
  const { byStatus } = await queueStats(database.db);
  const jobCount = Object.values(byStatus).reduce((sum, count) => sum + count, 0);
  latencies.sort((a, b) => a - b);
  return {
    dialect,
    rate,
    sent: total,
    achieved: total / elapsed,
    errors,
    jobs: jobCount - warmup.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1)!,
  };
}

if (import.meta.main) {
  const rate = Number(flag("--rate") ?? 500);
  const seconds = Number(flag("--seconds") ?? 10);
  const dialects = flag("--dialect")
    ? [flag("--dialect") as "sqlite" | "postgres"]
    : ["sqlite", "postgres"] as const;
  const rows = [];
  for (const dialect of dialects) {
    const result = await run(dialect, rate, seconds);
    rows.push(
      `| ${result.dialect} | ${result.rate} | ${result.sent} | ${
        result.achieved.toFixed(0)
      } | ${result.errors} | ${result.jobs} | ${result.p50.toFixed(1)} | ${result.p99.toFixed(1)} | ${
        result.max.toFixed(1)
      } |`,
    );
  }
  const table = [
    "| database | target req/s | requests | achieved req/s | errors | jobs created | p50 ms | p99 ms | max ms |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
  await Deno.stdout.write(new TextEncoder().encode(table + "\n"));
}
