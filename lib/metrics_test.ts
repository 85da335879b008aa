import assert from "node:assert/strict";
import {
  createLoomMetrics,
  createMetricsRegistry,
  instrumentLlm,
  metricsAuthorized,
  PROMETHEUS_CONTENT_TYPE,
} from "./metrics.ts";
import { dbTest } from "./db/testing.ts";
import { claim, enqueue } from "./queue/mod.ts";
import type { LlmClient } from "./llm/types.ts";
import { LlmError } from "./llm/types.ts";
import { createApp } from "../app.ts";
import { createTestDeps } from "../tests/support/app_server.ts";
import { loadServerConfig } from "./config/env.ts";

Deno.test("createMetricsRegistry() renders counters, gauges and histograms in Prometheus text format", async () => {
  const registry = createMetricsRegistry();
  const requests = registry.counter("demo_requests_total", "Requests.");
  const temperature = registry.gauge("demo_temperature", "Temperature.");
  const duration = registry.histogram("demo_duration_seconds", "Duration.", [1, 0.1]);
  requests.inc({ path: '/a"b\\c\nd' });
  requests.inc({ path: '/a"b\\c\nd' }, 2);
  temperature.set({}, 21.5);
  duration.observe({ kind: "x" }, 0.05);
  duration.observe({ kind: "x" }, 0.5);
  duration.observe({ kind: "x" }, 3);
  assert.equal(
    await registry.render(),
    [
      "# HELP demo_requests_total Requests.",
      "# TYPE demo_requests_total counter",
      'demo_requests_total{path="/a\\"b\\\\c\\nd"} 3',
      "# HELP demo_temperature Temperature.",
      "# TYPE demo_temperature gauge",
      "demo_temperature 21.5",
      "# HELP demo_duration_seconds Duration.",
      "# TYPE demo_duration_seconds histogram",
      'demo_duration_seconds_bucket{kind="x",le="0.1"} 1',
      'demo_duration_seconds_bucket{kind="x",le="1"} 2',
      'demo_duration_seconds_bucket{kind="x",le="+Inf"} 3',
      'demo_duration_seconds_sum{kind="x"} 3.55',
      'demo_duration_seconds_count{kind="x"} 3',
      "",
    ].join("\n"),
  );
  assert.deepEqual(duration.get({ kind: "x" }), { count: 3, sum: 3.55 });
});

Deno.test("createMetricsRegistry() rejects bad names, duplicate metrics and negative increments", () => {
  const registry = createMetricsRegistry();
  const counter = registry.counter("ok_total", "Fine.");
  assert.throws(() => registry.counter("ok_total", "Again."), /already registered/);
  assert.throws(() => registry.gauge("bad-name", "Dash."), /invalid name/);
  assert.throws(() => counter.inc({}, -1), /must be >= 0/);
  assert.throws(() => counter.inc({ "bad-label": "x" }), /Cannot use label "bad-label"/);
  assert.equal(counter.get(), 0);
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
    const text = await metrics.registry.render();
    assert.match(text, /^loom_jobs\{state="pending"\} 2$/m);
    assert.match(text, /^loom_jobs\{state="in_progress"\} 1$/m);
    assert.match(text, /^loom_jobs\{state="completed"\} 0$/m);
    assert.match(text, /^loom_queue_depth 2$/m);
    assert.match(text, /^loom_queue_oldest_age_seconds 5$/m);
    assert.match(text, /^loom_metrics_database_up 1$/m);
  },
);

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
  assert.equal(metrics.llmTokens.get({ provider: "anthropic", direction: "input" }), 110);
  assert.equal(metrics.llmTokens.get({ provider: "anthropic", direction: "output" }), 10);
  assert.equal(metrics.llmErrors.get({ provider: "anthropic", retryable: "true" }), 1);
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
  assert.equal(metrics.webhooksRejected.get({ platform: "unknown", status: "404" }), 1);
});
