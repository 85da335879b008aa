import assert from "node:assert/strict";
import {
  createLoomMetrics,
  instrumentLlm,
  metricsAuthorized,
  metricValue,
  PROMETHEUS_CONTENT_TYPE,
} from "./metrics.ts";
import { dbTest } from "./db/testing.ts";
import type { Db } from "./db/mod.ts";
import { reviewPayload } from "./queue/testing.ts";
import { claim, enqueue } from "./queue/mod.ts";
import type { LlmClient } from "./llm/types.ts";
import { LlmError } from "./llm/types.ts";
import { createApp } from "../app.ts";
import { createTestDeps } from "../tests/support/app_server.ts";
import { loadServerConfig } from "./config/env.ts";

Deno.test("createLoomMetrics() renders Loom's metric names, types, help and labels in Prometheus text format", async () => {
  const metrics = createLoomMetrics();
  metrics.webhooksReceived.inc({ platform: "github", outcome: "enqueued" });
  metrics.webhooksRejected.inc({ platform: "gitlab", status: "401" }, 2);
  metrics.jobsProcessed.inc({ type: "review_pull_request", outcome: "completed" });
  metrics.reviewDuration.observe({ outcome: "completed" }, 0.75);
  metrics.reviewDuration.observe({ outcome: "completed" }, 700);
  metrics.llmTokens.inc({ provider: "openai", direction: "input" }, 120);
  metrics.llmErrors.inc({ provider: "openai", retryable: "true" });
  const text = await metrics.registry.metrics();
  const lines = text.split("\n").filter((line) => line !== "");
  const buckets = [0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600];
  assert.deepEqual(lines, [
    "# HELP loom_webhooks_received_total Verified webhook deliveries, by platform and outcome.",
    "# TYPE loom_webhooks_received_total counter",
    'loom_webhooks_received_total{platform="github",outcome="enqueued"} 1',
    "# HELP loom_webhooks_rejected_total Webhook requests answered with an error, by platform and HTTP status.",
    "# TYPE loom_webhooks_rejected_total counter",
    'loom_webhooks_rejected_total{platform="gitlab",status="401"} 2',
    "# HELP loom_jobs_processed_total Jobs finished by this process, by type and outcome.",
    "# TYPE loom_jobs_processed_total counter",
    'loom_jobs_processed_total{type="review_pull_request",outcome="completed"} 1',
    "# HELP loom_review_duration_seconds Wall time of review jobs, by outcome.",
    "# TYPE loom_review_duration_seconds histogram",
    ...buckets.map((bound) =>
      `loom_review_duration_seconds_bucket{le="${bound}",outcome="completed"} ${bound < 0.75 ? 0 : 1}`
    ),
    'loom_review_duration_seconds_bucket{le="+Inf",outcome="completed"} 2',
    'loom_review_duration_seconds_sum{outcome="completed"} 700.75',
    'loom_review_duration_seconds_count{outcome="completed"} 2',
    "# HELP loom_llm_tokens_total LLM tokens billed, by provider and direction.",
    "# TYPE loom_llm_tokens_total counter",
    'loom_llm_tokens_total{provider="openai",direction="input"} 120',
    "# HELP loom_llm_errors_total LLM calls that failed after retries, by provider.",
    "# TYPE loom_llm_errors_total counter",
    'loom_llm_errors_total{provider="openai",retryable="true"} 1',
  ]);
  assert.ok(text.endsWith("\n"));
  assert.equal(PROMETHEUS_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
});

Deno.test("createLoomMetrics() escapes label values and refuses labels and amounts a metric does not take", async () => {
  const metrics = createLoomMetrics();
  metrics.webhooksReceived.inc({ platform: 'git"hub\\\n', outcome: "ignored" });
  assert.match(
    await metrics.registry.metrics(),
    /^loom_webhooks_received_total\{platform="git\\"hub\\\\\\n",outcome="ignored"\} 1$/m,
  );
  assert.throws(() => metrics.webhooksReceived.inc({ platform: "github", status: "401" } as never), /label/);
  assert.throws(
    () => metrics.llmTokens.inc({ provider: "openai", direction: "input" }, -1),
    /decrease a counter/,
  );
  assert.equal(await metricValue(metrics.llmTokens, { provider: "openai", direction: "input" }), 0);
});

dbTest(
  "createLoomMetrics() reads jobs by state and the queue's depth and age at scrape time",
  async ({ db }) => {
    const now = () => 1_000_000;
    const payload = {
      platform: "github" as const,
      repoId: 1,
      repo: "octo/demo",
      number: 1,
      headSha: "a",
      baseSha: "b",
      baseRef: "main",
      headRef: "topic",
      title: "T",
      author: "ada",
      authorIsBot: false,
      draft: false,
      action: "opened" as const,
    };
    await enqueue(db, "review_pull_request", payload, { dedupeKey: "one", now: () => 990_000 });
    await enqueue(db, "review_pull_request", { ...payload, number: 2 }, {
      dedupeKey: "two",
      now: () => 995_000,
    });
    await enqueue(db, "review_pull_request", { ...payload, number: 3 }, {
      dedupeKey: "three",
      now: () => 999_000,
    });
    await claim(db, "w1", { leaseMs: 60_000, now, limit: 1 });
    const metrics = createLoomMetrics({ db, now });
    const text = await metrics.registry.metrics();
    assert.match(text, /^loom_jobs\{state="pending"\} 2$/m);
    assert.match(text, /^loom_jobs\{state="in_progress"\} 1$/m);
    assert.match(text, /^loom_jobs\{state="completed"\} 0$/m);
    assert.match(text, /^loom_queue_depth 2$/m);
    assert.match(text, /^loom_queue_oldest_age_seconds 5$/m);
    assert.match(text, /^loom_metrics_database_up 1$/m);
  },
);

dbTest(
  "A scrape reads the queue once for all its gauges; a failed read keeps the last values and reports the database down",
  async ({ db }) => {
    let reads = 0;
    let broken = false;
    const counting: Db = {
      ...db,
      query(statement) {
        reads++;
        return broken ? Promise.reject(new Error("Connection refused")) : db.query(statement);
      },
    };
    await enqueue(db, "review_pull_request", reviewPayload(), { now: () => 1000 });
    const metrics = createLoomMetrics({ db: counting, now: () => 3000 });
    await metrics.registry.metrics();
    // queueStats() makes two queries; four gauges collected at once share them.
    assert.equal(reads, 2);
    broken = true;
    const text = await metrics.registry.metrics();
    assert.equal(reads, 3);
    assert.match(text, /^loom_metrics_database_up 0$/m);
    assert.match(text, /^loom_jobs\{state="pending"\} 1$/m);
    assert.match(text, /^loom_queue_depth 1$/m);
    assert.match(text, /^loom_queue_oldest_age_seconds 2$/m);
  },
);

Deno.test("createLoomMetrics() without a database leaves the queue gauges out instead of reporting zeros", async () => {
  const text = await createLoomMetrics().registry.metrics();
  assert.doesNotMatch(text, /loom_jobs\b|loom_queue_|loom_metrics_database_up/);
});

function fakeLlm(behaviour: "ok" | "fail"): LlmClient {
  return {
    provider: "anthropic",
    model: "claude-test",
    chat() {
      if (behaviour === "fail") {
        return Promise.reject(new LlmError("Rate limited", { provider: "anthropic", status: 429 }));
      }
      return Promise.resolve({
        text: "hi",
        usage: { inputTokens: 100, outputTokens: 7 },
        model: "claude-test",
      });
    },
    async *stream() {
      yield "hi";
      return { inputTokens: 10, outputTokens: 3 };
    },
  };
}

Deno.test("instrumentLlm() counts billed tokens and failures per provider", async () => {
  const metrics = createLoomMetrics();
  const ok = instrumentLlm(fakeLlm("ok"), metrics);
  await ok.chat([{ role: "user", content: "x" }]);
  const chunks: string[] = [];
  for await (const chunk of ok.stream([{ role: "user", content: "x" }])) chunks.push(chunk);
  assert.deepEqual(chunks, ["hi"]);
  await assert.rejects(instrumentLlm(fakeLlm("fail"), metrics).chat([]), /Rate limited/);
  assert.equal(await metricValue(metrics.llmTokens, { provider: "anthropic", direction: "input" }), 110);
  assert.equal(await metricValue(metrics.llmTokens, { provider: "anthropic", direction: "output" }), 10);
  assert.equal(await metricValue(metrics.llmErrors, { provider: "anthropic", retryable: "true" }), 1);
});

Deno.test("metricsAuthorized() accepts only the configured bearer token", async () => {
  const local = { publicUrl: "http://localhost:8000" };
  const remote = { publicUrl: "https://loom.example.com" };
  assert.equal(await metricsAuthorized(undefined, undefined, local), true);
  assert.equal(await metricsAuthorized(undefined, undefined, remote), false, "a public Loom needs the token");
  assert.equal(await metricsAuthorized("Bearer anything", undefined, remote), false);
  for (const options of [local, remote]) {
    assert.equal(await metricsAuthorized("Bearer s3cret", "s3cret", options), true);
    assert.equal(await metricsAuthorized("bearer s3cret", "s3cret", options), true);
    assert.equal(await metricsAuthorized("Bearer s3cre", "s3cret", options), false);
    assert.equal(await metricsAuthorized(undefined, "s3cret", options), false);
    assert.equal(await metricsAuthorized("Basic s3cret", "s3cret", options), false);
  }
});

dbTest("GET /metrics refuses every scrape on a public Loom without LOOM_METRICS_TOKEN", async ({ db }) => {
  const metrics = createLoomMetrics({ db });
  for (const publicUrl of ["https://loom.example.com", "http://10.0.0.5:8000"]) {
    const config = loadServerConfig({ LOOM_SECRET_KEY: "x".repeat(32), LOOM_PUBLIC_URL: publicUrl });
    const app = createApp(await createTestDeps(db, { metrics, config }));
    for (const authorization of [undefined, "Bearer ", "Bearer guess"]) {
      const response = await app.request("/metrics", { headers: authorization ? { authorization } : {} });
      assert.equal(response.status, 401, `${publicUrl} ${authorization}`);
      assert.match((await response.json()).error, /LOOM_METRICS_TOKEN/);
    }
  }
});

dbTest("GET /metrics serves the registry and asks for the bearer token when one is set", async ({ db }) => {
  const metrics = createLoomMetrics({ db });
  const base = await createTestDeps(db, { metrics });
  const open = createApp(base);
  const response = await open.request("/metrics");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), PROMETHEUS_CONTENT_TYPE);
  assert.match(await response.text(), /^# TYPE loom_webhooks_received_total counter$/m);

  const config = loadServerConfig({ LOOM_SECRET_KEY: "x".repeat(32), LOOM_METRICS_TOKEN: "scrape-me" });
  const guarded = createApp({ ...base, config });
  const denied = await guarded.request("/metrics");
  assert.equal(denied.status, 401);
  assert.equal(denied.headers.get("www-authenticate"), "Bearer");
  await denied.body?.cancel();
  const allowed = await guarded.request("/metrics", { headers: { authorization: "Bearer scrape-me" } });
  assert.equal(allowed.status, 200);
  assert.match(await allowed.text(), /^loom_jobs\{state="pending"\} 0$/m);
});

dbTest("POST /api/webhooks/:platform counts rejected webhooks by known platform only", async ({ db }) => {
  const metrics = createLoomMetrics();
  const app = createApp(await createTestDeps(db, { metrics, parsers: {} }));
  const response = await app.request("/api/webhooks/nonsense-platform", { method: "POST", body: "{}" });
  assert.equal(response.status, 404);
  await response.body?.cancel();
  assert.equal(await metricValue(metrics.webhooksRejected, { platform: "unknown", status: "404" }), 1);
});
