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
import { sql } from "../lib/db/mod.ts";
import { createSecretBox } from "../lib/auth/secret_box.ts";
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

async function run(dialect: "sqlite" | "postgres", rate: number, seconds: number) {
  await using database = await createE2eDatabase(dialect);
  const box = await createSecretBox(SECRET_KEY);
  const repo = await createRepo(database.db, {
    platform: "github",
    fullName: REPO,
    webhookSecret: await box.encrypt(WEBHOOK_SECRET),
  });
  await using loom = await startLoom(
    { LOOM_DATABASE_URL: database.url, LOOM_SECRET_KEY: SECRET_KEY, LOOM_LOG_LEVEL: "warn" },
    ["--no-worker"],
  );
  const total = rate * seconds;
  const warmup = await signedWebhooks(200, REPO, WEBHOOK_SECRET, 1_000_000);
  const requests = await signedWebhooks(total);
  const url = `${loom.url}/api/webhooks/github?repo=${repo.id}`;
  const post = async (request: { body: string; headers: Record<string, string> }) => {
    const response = await fetch(url, { method: "POST", body: request.body, headers: request.headers });
    await response.arrayBuffer();
    return response.status;
  };
  for (const request of warmup) await post(request);

  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now() + 50;
  const inFlight: Promise<void>[] = [];
  for (let index = 0; index < total; index++) {
    const scheduled = start + (index * 1000) / rate;
    const wait = scheduled - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(
      post(requests[index]!).then((status) => {
        if (status !== 202) errors++;
        latencies.push(performance.now() - scheduled);
      }, () => {
        errors++;
      }),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  const [jobs] = await database.db.query<{ count: number }>(sql`select count(*) as count from jobs`);
  latencies.sort((a, b) => a - b);
  return {
    dialect,
    rate,
    sent: total,
    achieved: total / elapsed,
    errors,
    jobs: Number(jobs!.count) - warmup.length,
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
