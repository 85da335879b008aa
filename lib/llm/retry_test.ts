import assert from "node:assert/strict";
import { createLogger } from "../log.ts";
import { startFakeAnthropic } from "../../tests/fakes/anthropic.ts";
import { startFakeOpenAI } from "../../tests/fakes/openai.ts";
import { createAnthropicClient } from "./anthropic.ts";
import { createOpenAICompatibleClient } from "./openai_compatible.ts";
import { withFallback, withRetry } from "./retry.ts";
import { LlmError } from "./types.ts";

const ASK = [{ role: "user" as const, content: "Review this diff" }];

function recordSleeps() {
  const waits: number[] = [];
  return { waits, sleep: (ms: number) => Promise.resolve(void waits.push(ms)) };
}

async function drain(iterator: AsyncGenerator<string, unknown>) {
  const deltas: string[] = [];
  let step = await iterator.next();
  while (!step.done) {
    deltas.push(step.value);
    step = await iterator.next();
  }
  return { deltas, result: step.value };
}

Deno.test("withRetry() backs off exponentially with jitter, capped at maxDelayMs", async () => {
  await using fake = await startFakeOpenAI({ reply: () => ({ status: 503 }) });
  const { waits, sleep } = recordSleeps();
  const client = withRetry(createOpenAICompatibleClient({ model: "m", baseUrl: fake.url, apiKey: "k" }), {
    maxRetries: 4,
    baseDelayMs: 100,
    maxDelayMs: 500,
    sleep,
    random: () => 0.5,
  });
  await assert.rejects(client.chat(ASK), LlmError);
  assert.deepEqual(waits, [75, 150, 300, 375]);
});

Deno.test("withRetry() gives up at once when retry-after exceeds maxDelayMs", async () => {
  await using fake = await startFakeOpenAI({
    reply: () => ({ status: 429, headers: { "retry-after": "120" } }),
  });
  const { waits, sleep } = recordSleeps();
  const client = withRetry(createOpenAICompatibleClient({ model: "m", baseUrl: fake.url, apiKey: "k" }), {
    maxDelayMs: 30_000,
    sleep,
  });
  const error = await client.chat(ASK).catch((error) => error);
  assert.ok(error instanceof LlmError);
  assert.equal(error.retryAfterMs, 120_000);
  assert.deepEqual(waits, []);
  assert.equal(fake.requests.length, 1);
});

Deno.test("withRetry() retries a timed-out call", async () => {
  let calls = 0;
  await using fake = await startFakeOpenAI({
    reply: () => ++calls === 1 ? { delayMs: 10_000 } : "second try",
  });
  const { sleep } = recordSleeps();
  const client = withRetry(
    createOpenAICompatibleClient({ model: "m", baseUrl: fake.url, apiKey: "k", timeoutMs: 40 }),
    { sleep },
  );
  assert.equal((await client.chat(ASK)).text, "second try");
});

Deno.test("withRetry() stops waiting when the caller aborts during the backoff", async () => {
  await using fake = await startFakeOpenAI({ reply: () => ({ status: 500 }) });
  const controller = new AbortController();
  // The retry is logged just before the real (default) sleep starts, so aborting there hits the backoff.
  const log = createLogger({ write: () => controller.abort() });
  const client = withRetry(createOpenAICompatibleClient({ model: "m", baseUrl: fake.url, apiKey: "k" }), {
    baseDelayMs: 60_000,
    maxDelayMs: 60_000,
    log,
  });
  const error = await client.chat(ASK, { signal: controller.signal }).catch((error) => error);
  assert.ok(error instanceof LlmError);
  assert.equal(error.cancelled, true);
  assert.equal(error.retryable, false);
  assert.equal(fake.requests.length, 1);
});

Deno.test("withRetry() retries a stream that fails before its first delta", async () => {
  let calls = 0;
  await using fake = await startFakeOpenAI({
    reply: () =>
      ++calls === 1 ? { status: 502 } : { text: "streamed ok", usage: { inputTokens: 4, outputTokens: 2 } },
  });
  const { waits, sleep } = recordSleeps();
  const client = withRetry(createOpenAICompatibleClient({ model: "m", baseUrl: fake.url, apiKey: "k" }), {
    sleep,
  });
  const { deltas, result } = await drain(client.stream(ASK));
  assert.deepEqual(deltas, ["streamed ", "ok"]);
  assert.deepEqual(result, { inputTokens: 4, outputTokens: 2 });
  assert.equal(waits.length, 1);
});

Deno.test("withFallback() answers with the fallback after the primary's retries are exhausted", async () => {
  await using primary = await startFakeOpenAI({ reply: () => ({ status: 429 }) });
  await using fallback = await startFakeAnthropic({ reply: () => "from claude" });
  const { waits, sleep } = recordSleeps();
  const client = withFallback(
    withRetry(createOpenAICompatibleClient({ model: "gpt-4o", baseUrl: primary.url, apiKey: "k" }), {
      maxRetries: 1,
      sleep,
    }),
    createAnthropicClient({ model: "claude-haiku-4-5", baseUrl: fallback.url, apiKey: "k" }),
  );
  const result = await client.chat(ASK);
  assert.equal(result.text, "from claude");
  assert.equal(result.model, "claude-haiku-4-5");
  assert.equal(client.model, "gpt-4o");
  assert.equal(primary.requests.length, 2);
  assert.equal(waits.length, 1);
  assert.equal(fallback.requests.length, 1);
});

Deno.test("withFallback() does not fall back on a non-retryable error", async () => {
  await using primary = await startFakeOpenAI({ reply: () => ({ status: 401 }) });
  await using fallback = await startFakeOpenAI();
  const client = withFallback(
    createOpenAICompatibleClient({ model: "a", baseUrl: primary.url, apiKey: "k" }),
    createOpenAICompatibleClient({ model: "b", baseUrl: fallback.url, apiKey: "k" }),
  );
  const error = await client.chat(ASK).catch((error) => error);
  assert.ok(error instanceof LlmError);
  assert.equal(error.status, 401);
  assert.equal(fallback.requests.length, 0);
});

Deno.test("withFallback() streams from the fallback when the primary stream cannot start", async () => {
  await using primary = await startFakeOpenAI({ reply: () => ({ status: 503 }) });
  await using fallback = await startFakeOpenAI({ reply: () => "fallback stream" });
  const client = withFallback(
    createOpenAICompatibleClient({ model: "a", baseUrl: primary.url, apiKey: "k" }),
    createOpenAICompatibleClient({ model: "b", baseUrl: fallback.url, apiKey: "k" }),
  );
  const { deltas } = await drain(client.stream(ASK));
  assert.deepEqual(deltas, ["fallback ", "stream"]);
  assert.equal(fallback.requests[0].model, "b");
});
