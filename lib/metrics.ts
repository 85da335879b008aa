/**
 * Prometheus metrics: a small registry that renders the text exposition format (version 0.0.4), and Loom's
 * metric set. Counters and histograms live in the process that observes them (the web process counts webhooks,
 * a worker counts jobs and LLM tokens); queue gauges are read from the database at scrape time, so every web
 * replica reports the same cluster-wide queue.
 */
import type { Db } from "./db/mod.ts";
import { queueStats } from "./queue/mod.ts";
import type { ChatMessage, ChatOptions, LlmClient, TokenUsage } from "./llm/types.ts";
import { LlmError } from "./llm/types.ts";
import { isLocalPublicUrl } from "./http/public_url.ts";

export type Labels = Record<string, string>;

interface Series {
  labels: Labels;
  value: number;
}

interface HistogramSeries {
  labels: Labels;
  counts: number[];
  sum: number;
  count: number;
}

export interface Counter {
  inc(labels?: Labels, amount?: number): void;
  get(labels?: Labels): number;
}

export interface Gauge {
  set(labels: Labels, value: number): void;
  get(labels?: Labels): number;
}

export interface Histogram {
  observe(labels: Labels, value: number): void;
  /** Number of observations and their sum for one label set. */
  get(labels?: Labels): { count: number; sum: number };
}

export interface MetricsRegistry {
  counter(name: string, help: string): Counter;
  gauge(name: string, help: string): Gauge;
  histogram(name: string, help: string, buckets: number[]): Histogram;
  /** Runs before each render; used to refresh gauges from the database. */
  onCollect(collect: () => Promise<void> | void): void;
  /** The whole registry in Prometheus text format. */
  render(): Promise<string>;
}

/** The content type Prometheus expects for the text format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function keyOf(labels: Labels): string {
  return Object.keys(labels).sort().map((key) => `${key}\u0000${labels[key]}`).join("\u0001");
}

function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');
}

function formatLabels(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return "";
  return `{${keys.map((key) => `${key}="${escapeLabel(labels[key]!)}"`).join(",")}}`;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function checkLabels(metric: string, labels: Labels): void {
  for (const key of Object.keys(labels)) {
    if (!LABEL.test(key) || key === "le") {
      throw new TypeError(`Cannot use label "${key}" on metric "${metric}"`);
    }
  }
}

/** Creates an empty registry. Metric names must be unique within it. */
export function createMetricsRegistry(): MetricsRegistry {
  const renderers: { name: string; render: () => string[] }[] = [];
  const collectors: (() => Promise<void> | void)[] = [];

  const register = (name: string, help: string, type: string, lines: () => string[]) => {
    if (!NAME.test(name)) throw new TypeError(`Cannot register metric "${name}": invalid name`);
    if (renderers.some((metric) => metric.name === name)) {
      throw new TypeError(`Cannot register metric "${name}": already registered`);
    }
    const header = [
      `# HELP ${name} ${help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n")}`,
      `# TYPE ${name} ${type}`,
    ];
    renderers.push({ name, render: () => [...header, ...lines()] });
  };

  const scalar = (name: string, help: string, type: "counter" | "gauge") => {
    const series = new Map<string, Series>();
    register(
      name,
      help,
      type,
      () =>
        [...series.values()].map((item) => `${name}${formatLabels(item.labels)} ${formatNumber(item.value)}`),
    );
    const entry = (labels: Labels) => {
      const key = keyOf(labels);
      let item = series.get(key);
      if (!item) {
        checkLabels(name, labels);
        item = { labels: { ...labels }, value: 0 };
        series.set(key, item);
      }
      return item;
    };
    return { series, entry };
  };

  return {
    counter(name, help) {
      const { series, entry } = scalar(name, help, "counter");
      return {
        inc(labels = {}, amount = 1) {
          if (!(amount >= 0)) throw new RangeError(`Cannot add ${amount} to counter "${name}": must be >= 0`);
          entry(labels).value += amount;
        },
        get: (labels = {}) => series.get(keyOf(labels))?.value ?? 0,
      };
    },
    gauge(name, help) {
      const { series, entry } = scalar(name, help, "gauge");
      return {
        set(labels, value) {
          entry(labels).value = value;
        },
        get: (labels = {}) => series.get(keyOf(labels))?.value ?? 0,
      };
    },
    histogram(name, help, buckets) {
      const bounds = [...buckets].sort((a, b) => a - b);
      const series = new Map<string, HistogramSeries>();
      register(name, help, "histogram", () =>
        [...series.values()].flatMap((item) => {
          const lines = bounds.map((bound, index) =>
            `${name}_bucket${formatLabels({ ...item.labels, le: formatNumber(bound) })} ${item.counts[index]}`
          );
          lines.push(`${name}_bucket${formatLabels({ ...item.labels, le: "+Inf" })} ${item.count}`);
          lines.push(`${name}_sum${formatLabels(item.labels)} ${formatNumber(item.sum)}`);
          lines.push(`${name}_count${formatLabels(item.labels)} ${item.count}`);
          return lines;
        }));
      return {
        observe(labels, value) {
          const key = keyOf(labels);
          let item = series.get(key);
          if (!item) {
            checkLabels(name, labels);
            item = { labels: { ...labels }, counts: bounds.map(() => 0), sum: 0, count: 0 };
            series.set(key, item);
          }
          // Buckets are cumulative: an observation counts in every bucket whose bound it does not exceed.
          for (let index = 0; index < bounds.length; index++) {
            if (value <= bounds[index]!) item.counts[index]!++;
          }
          item.sum += value;
          item.count++;
        },
        get(labels = {}) {
          const item = series.get(keyOf(labels));
          return { count: item?.count ?? 0, sum: item?.sum ?? 0 };
        },
      };
    },
    onCollect(collect) {
      collectors.push(collect);
    },
    async render() {
      for (const collect of collectors) await collect();
      return renderers.flatMap((metric) => metric.render()).join("\n") + "\n";
    },
  };
}

/** Loom's metrics. Every process creates one set; `/metrics` renders it. */
export interface LoomMetrics {
  registry: MetricsRegistry;
  /** Webhooks that passed verification, by platform and outcome (enqueued, duplicate, ignored…). */
  webhooksReceived: Counter;
  /** Webhooks answered with an error status, by platform and status code. */
  webhooksRejected: Counter;
  /** Jobs this process finished, by type and outcome (completed, retry, failed, cancelled, released). */
  jobsProcessed: Counter;
  /** Wall time of review jobs in this process, by outcome. */
  reviewDuration: Histogram;
  /** Tokens billed by LLM providers, by provider and direction (input, output). */
  llmTokens: Counter;
  /** Failed LLM calls after retries, by provider and whether the error was retryable. */
  llmErrors: Counter;
  /** Jobs in the database by state (read at scrape time). */
  jobs: Gauge;
  /** Pending jobs that are due now. */
  queueDepth: Gauge;
  /** Age of the oldest due pending job. */
  queueOldestAge: Gauge;
}

const DURATION_BUCKETS = [0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600];
const JOB_STATES = ["pending", "in_progress", "completed", "failed", "cancelled"];

/**
 * Creates Loom's metric set. With `db`, each scrape also reads jobs by state and the queue's depth and age
 * from the database (a failed read leaves the previous values and sets `loom_metrics_database_up` to 0).
 */
export function createLoomMetrics(options: { db?: Db; now?: () => number } = {}): LoomMetrics {
  const registry = createMetricsRegistry();
  const metrics: LoomMetrics = {
    registry,
    webhooksReceived: registry.counter(
      "loom_webhooks_received_total",
      "Verified webhook deliveries, by platform and outcome.",
    ),
    webhooksRejected: registry.counter(
      "loom_webhooks_rejected_total",
      "Webhook requests answered with an error, by platform and HTTP status.",
    ),
    jobsProcessed: registry.counter(
      "loom_jobs_processed_total",
      "Jobs finished by this process, by type and outcome.",
    ),
    reviewDuration: registry.histogram(
      "loom_review_duration_seconds",
      "Wall time of review jobs, by outcome.",
      DURATION_BUCKETS,
    ),
    llmTokens: registry.counter("loom_llm_tokens_total", "LLM tokens billed, by provider and direction."),
    llmErrors: registry.counter("loom_llm_errors_total", "LLM calls that failed after retries, by provider."),
    jobs: registry.gauge("loom_jobs", "Jobs in the database, by state."),
    queueDepth: registry.gauge("loom_queue_depth", "Pending jobs that are due now."),
    queueOldestAge: registry.gauge(
      "loom_queue_oldest_age_seconds",
      "Age of the oldest due pending job (0 when the queue is empty).",
    ),
  };
  const db = options.db;
  if (db) {
    const up = registry.gauge("loom_metrics_database_up", "1 when the last scrape could read the database.");
    registry.onCollect(async () => {
      try {
        const now = options.now ?? Date.now;
        const stats = await queueStats(db, now);
        for (const state of new Set([...JOB_STATES, ...Object.keys(stats.byStatus)])) {
          metrics.jobs.set({ state }, stats.byStatus[state] ?? 0);
        }
        metrics.queueOldestAge.set({}, stats.oldestPendingAgeMs / 1000);
        metrics.queueDepth.set({}, stats.duePending);
        up.set({}, 1);
      } catch {
        up.set({}, 0);
      }
    });
  }
  return metrics;
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
    return new Response(await metrics.registry.render(), {
      headers: { "content-type": PROMETHEUS_CONTENT_TYPE },
    });
  });
}
