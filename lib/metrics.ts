/**
 * Loom's Prometheus metrics, kept by `prom-client` in one registry per process. Counters and histograms live in
 * the process that observes them (the web process counts webhooks, a worker counts jobs and LLM tokens); queue
 * gauges are read from the database at scrape time, so every web replica reports the same cluster-wide queue.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Db } from "./db/mod.ts";
import { queueStats } from "./queue/mod.ts";
import type { ChatMessage, ChatOptions, LlmClient, TokenUsage } from "./llm/types.ts";
import { LlmError } from "./llm/types.ts";
import { isLocalPublicUrl } from "./http/public_url.ts";

/** The content type Prometheus expects for the text format (version 0.0.4). */
export const PROMETHEUS_CONTENT_TYPE: string = Registry.PROMETHEUS_CONTENT_TYPE;

/** Loom's metrics. Every process creates one set; `/metrics` renders its registry. */
export interface LoomMetrics {
  registry: Registry;
  /** Webhooks that passed verification, by platform and outcome (enqueued, duplicate, ignored…). */
  webhooksReceived: Counter<"platform" | "outcome">;
  /** Webhooks answered with an error status, by platform and status code. */
  webhooksRejected: Counter<"platform" | "status">;
  /** Jobs this process finished, by type and outcome (completed, retry, failed, cancelled, released). */
  jobsProcessed: Counter<"type" | "outcome">;
  /** Wall time of review jobs in this process, by outcome. */
  reviewDuration: Histogram<"outcome">;
  /** Tokens billed by LLM providers, by provider and direction (input, output). */
  llmTokens: Counter<"provider" | "direction">;
  /** Failed LLM calls after retries, by provider and whether the error was retryable. */
  llmErrors: Counter<"provider" | "retryable">;
}

const DURATION_BUCKETS = [0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600];
const JOB_STATES = ["pending", "in_progress", "completed", "failed", "cancelled"];

/**
 * Creates Loom's metric set in a registry of its own. With `db`, each scrape also reads jobs by state and the
 * queue's depth and age from the database (a failed read leaves the previous values and sets
 * `loom_metrics_database_up` to 0); without it, the queue gauges are left out rather than reported as zeros.
 */
export function createLoomMetrics(options: { db?: Db; now?: () => number } = {}): LoomMetrics {
  const registry = new Registry();
  const registers = [registry];
  const metrics: LoomMetrics = {
    registry,
    webhooksReceived: new Counter({
      name: "loom_webhooks_received_total",
      help: "Verified webhook deliveries, by platform and outcome.",
      labelNames: ["platform", "outcome"],
      registers,
    }),
    webhooksRejected: new Counter({
      name: "loom_webhooks_rejected_total",
      help: "Webhook requests answered with an error, by platform and HTTP status.",
      labelNames: ["platform", "status"],
      registers,
    }),
    jobsProcessed: new Counter({
      name: "loom_jobs_processed_total",
      help: "Jobs finished by this process, by type and outcome.",
      labelNames: ["type", "outcome"],
      registers,
    }),
    reviewDuration: new Histogram({
      name: "loom_review_duration_seconds",
      help: "Wall time of review jobs, by outcome.",
      labelNames: ["outcome"],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    llmTokens: new Counter({
      name: "loom_llm_tokens_total",
      help: "LLM tokens billed, by provider and direction.",
      labelNames: ["provider", "direction"],
      registers,
    }),
    llmErrors: new Counter({
      name: "loom_llm_errors_total",
      help: "LLM calls that failed after retries, by provider.",
      labelNames: ["provider", "retryable"],
      registers,
    }),
  };
  if (options.db) registerQueueGauges(registry, options.db, options.now ?? Date.now);
  return metrics;
}

/**
 * The queue gauges, refreshed by one database read per scrape: prom-client collects every metric of a scrape at
 * once, so each gauge's `collect` joins the read already in flight instead of starting its own.
 */
function registerQueueGauges(registry: Registry, db: Db, now: () => number): void {
  let reading: Promise<void> | null = null;
  const refresh = () => {
    reading ??= read().finally(() => (reading = null));
    return reading;
  };
  const registers = [registry];
  const jobs = new Gauge({
    name: "loom_jobs",
    help: "Jobs in the database, by state.",
    labelNames: ["state"],
    registers,
    collect: refresh,
  });
  const depth = new Gauge({
    name: "loom_queue_depth",
    help: "Pending jobs that are due now.",
    registers,
    collect: refresh,
  });
  const oldestAge = new Gauge({
    name: "loom_queue_oldest_age_seconds",
    help: "Age of the oldest due pending job (0 when the queue is empty).",
    registers,
    collect: refresh,
  });
  const up = new Gauge({
    name: "loom_metrics_database_up",
    help: "1 when the last scrape could read the database.",
    registers,
    collect: refresh,
  });
  async function read(): Promise<void> {
    try {
      const stats = await queueStats(db, now);
      for (const state of new Set([...JOB_STATES, ...Object.keys(stats.byStatus)])) {
        jobs.set({ state }, stats.byStatus[state] ?? 0);
      }
      oldestAge.set(stats.oldestPendingAgeMs / 1000);
      depth.set(stats.duePending);
      up.set(1);
    } catch {
      up.set(0);
    }
  }
}

/** The current value of one labelled series of a counter or gauge (0 when never touched). */
export async function metricValue(
  metric: Counter<string> | Gauge<string>,
  labels: Record<string, string> = {},
) {
  const { values } = await metric.get();
  const keys = Object.keys(labels);
  const match = values.find((value) =>
    Object.keys(value.labels).length === keys.length && keys.every((key) => value.labels[key] === labels[key])
  );
  return match?.value ?? 0;
}

/** Wraps an LLM client so its billed tokens and its failures are counted per provider. */
export function instrumentLlm(client: LlmClient, metrics: LoomMetrics): LlmClient {
  const countUsage = (usage: TokenUsage) => {
    metrics.llmTokens.inc({ provider: client.provider, direction: "input" }, usage.inputTokens);
    metrics.llmTokens.inc({ provider: client.provider, direction: "output" }, usage.outputTokens);
  };
  const countError = (error: unknown) => {
    if (error instanceof LlmError && error.cancelled) return;
    const retryable = error instanceof LlmError ? String(error.retryable) : "false";
    metrics.llmErrors.inc({ provider: client.provider, retryable });
  };
  return {
    provider: client.provider,
    model: client.model,
    async chat<T>(messages: ChatMessage[], options?: ChatOptions<T>) {
      try {
        const result = await client.chat(messages, options);
        countUsage(result.usage);
        return result;
      } catch (error) {
        countError(error);
        throw error;
      }
    },
    async *stream(messages, options) {
      try {
        const usage = yield* client.stream(messages, options);
        countUsage(usage);
        return usage;
      } catch (error) {
        countError(error);
        throw error;
      }
    },
  };
}

/**
 * Checks a scrape's `Authorization` header against `LOOM_METRICS_TOKEN` in constant time. Without a token, only a
 * Loom whose public URL is localhost serves its metrics: anywhere else they would tell the internet which
 * repositories are busy, how many jobs fail and what the model calls cost.
 */
export async function metricsAuthorized(
  authorization: string | undefined,
  token: string | undefined,
  options: { publicUrl: string },
): Promise<boolean> {
  if (!token) return isLocalPublicUrl(options.publicUrl);
  const given = authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim() ?? "";
  const digest = async (value: string) =>
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value)));
  const [a, b] = await Promise.all([digest(given), digest(token)]);
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= a[index]! ^ b[index]!;
  return difference === 0 && given.length > 0;
}

/** The 401 body for a refused scrape: a missing server-side token is the operator's to fix, and says so. */
export function metricsRefusal(token: string | undefined): { error: string } {
  return {
    error: token
      ? "Metrics need a valid bearer token"
      : "Metrics need LOOM_METRICS_TOKEN to be set when LOOM_PUBLIC_URL is not localhost",
  };
}

/**
 * Serves `/metrics` (and `/healthz` for a liveness probe) on its own port, for a worker process that has no web
 * server. Stops when `signal` aborts.
 */
export function serveMetrics(
  metrics: LoomMetrics,
  options: {
    port: number;
    hostname: string;
    token?: string;
    /** `LOOM_PUBLIC_URL`: without a token, metrics are served only when it is localhost. */
    publicUrl: string;
    signal: AbortSignal;
    onListen?: (url: string) => void;
  },
): Deno.HttpServer {
  return Deno.serve({
    port: options.port,
    hostname: options.hostname,
    signal: options.signal,
    onListen: ({ hostname, port }) => options.onListen?.(`http://${hostname}:${port}`),
  }, async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/healthz") return Response.json({ status: "ok" });
    if (path !== "/metrics") return Response.json({ error: `Not found: ${path}` }, { status: 404 });
    const authorization = request.headers.get("authorization") ?? undefined;
    if (!(await metricsAuthorized(authorization, options.token, { publicUrl: options.publicUrl }))) {
      return Response.json(metricsRefusal(options.token), {
        status: 401,
        headers: { "www-authenticate": "Bearer" },
      });
    }
    return new Response(await metrics.registry.metrics(), {
      headers: { "content-type": PROMETHEUS_CONTENT_TYPE },
    });
  });
}
