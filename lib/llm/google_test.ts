import assert from "node:assert/strict";
import { z } from "zod";
import { startFakeGoogle } from "../../tests/fakes/google.ts";
import { createGoogleClient } from "./google.ts";
import { withRetry } from "./retry.ts";
import { LlmError } from "./types.ts";

const Review = z.object({
  findings: z.array(z.object({ path: z.string(), line: z.number().int(), title: z.string() })),
});
const REVIEW = { findings: [{ path: "a.ts", line: 3, title: "Null check" }] };
const ASK = [{ role: "system" as const, content: "You review code." }, {
  role: "user" as const,
  content: "Review this diff",
}];
const MODEL = "gemini-2.5-flash";

function recordSleeps() {
  const waits: number[] = [];
  return { waits, sleep: (ms: number) => Promise.resolve(void waits.push(ms)) };
}

Deno.test("createGoogleClient() chat sends systemInstruction and returns text and usage", async () => {
  await using fake = await startFakeGoogle({
    reply: () => ({ text: "Looks fine", usage: { inputTokens: 12, outputTokens: 3 } }),
  });
  const client = createGoogleClient({ model: MODEL, baseUrl: fake.url, apiKey: "g-key", temperature: 0.1 });
  const result = await client.chat(ASK, { maxTokens: 100 });
  assert.deepEqual(result, { text: "Looks fine", usage: { inputTokens: 12, outputTokens: 3 }, model: MODEL });
  const [request] = fake.requests;
  assert.match(request.path, new RegExp(`^/v1(beta)?/models/${MODEL}:generateContent$`));
  assert.deepEqual(request.messages, [
    { role: "system", content: "You review code." },
    { role: "user", content: "Review this diff" },
  ]);
  assert.equal(request.headers.get("x-goog-api-key"), "g-key");
  const config = (request.body as { generationConfig: Record<string, unknown> }).generationConfig;
  assert.equal(config.maxOutputTokens, 100);
  assert.equal(config.temperature, 0.1);
});

Deno.test("createGoogleClient() asks for JSON with responseJsonSchema", async () => {
  await using fake = await startFakeGoogle({ reply: () => ({ json: REVIEW }) });
  const client = createGoogleClient({ model: MODEL, baseUrl: fake.url, apiKey: "k" });
  const result = await client.chat(ASK, { schema: Review, schemaName: "review" });
  assert.deepEqual(result.parsed, REVIEW);
  const [request] = fake.requests;
  assert.equal(request.structured, true);
  const config = (request.body as { generationConfig: Record<string, unknown> }).generationConfig;
  assert.equal(config.responseMimeType, "application/json");
  assert.equal((config.responseJsonSchema as { type: string }).type, "object");
});

Deno.test("createGoogleClient() repairs invalid JSON with one more request", async () => {
  await using fake = await startFakeGoogle({
    reply: (request) =>
      request.messages.length === 2 ? '{"findings": [{"path": "a.ts",}]}' : { json: REVIEW },
  });
  const client = createGoogleClient({ model: MODEL, baseUrl: fake.url, apiKey: "k" });
  const result = await client.chat(ASK, { schema: Review });
  assert.deepEqual(result.parsed, REVIEW);
  assert.equal(fake.requests.length, 2);
  assert.deepEqual(fake.requests[1].messages.map((message) => message.role), [
    "system",
    "user",
    "assistant",
    "user",
  ]);
  assert.match(fake.requests[1].messages[3].content, /did not contain a JSON value/);
});

Deno.test("createGoogleClient() throws a non-retryable LlmError when the repair fails too", async () => {
  await using fake = await startFakeGoogle({ reply: () => ({ json: { findings: [{ line: "three" }] } }) });
  const client = createGoogleClient({ model: MODEL, baseUrl: fake.url, apiKey: "k" });
  const error = await client.chat(ASK, { schema: Review, schemaName: "review" }).catch((error) => error);
  assert.ok(error instanceof LlmError);
  assert.equal(error.retryable, false);
  assert.ok(error.cause instanceof z.ZodError);
  assert.equal(fake.requests.length, 2);
});

Deno.test("createGoogleClient() honours a retry-after header on 429", async () => {
  let calls = 0;
  await using fake = await startFakeGoogle({
    reply: () => ++calls === 1 ? { status: 429, headers: { "retry-after": "3" } } : "ok",
  });
  const { waits, sleep } = recordSleeps();
  const client = withRetry(createGoogleClient({ model: MODEL, baseUrl: fake.url, apiKey: "k" }), { sleep });
  assert.equal((await client.chat(ASK)).text, "ok");
  assert.deepEqual(waits, [3000]);
});

Deno.test("createGoogleClient() reads the RetryInfo delay from a 429 body", async () => {
  await using fake = await startFakeGoogle({
    reply: () => ({
      status: 429,
      body: {
        error: {
          code: 429,
          message: "Quota exceeded",
          status: "RESOURCE_EXHAUSTED",
          details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "7s" }],
        },
      },
    }),
  });
  const client = createGoogleClient({ model: MODEL, baseUrl: fake.url, apiKey: "k" });
  const error = await client.chat(ASK).catch((error) => error);
  assert.ok(error instanceof LlmError);
  assert.equal(error.status, 429);
  assert.equal(error.retryAfterMs, 7000);
  assert.equal(error.message, `Cannot complete request to google model "${MODEL}": HTTP 429: Quota exceeded`);
});

Deno.test("createGoogleClient() retries 500 and then throws a retryable LlmError", async () => {
  await using fake = await startFakeGoogle({ reply: () => ({ status: 500 }) });
  const { waits, sleep } = recordSleeps();
  const client = withRetry(createGoogleClient({ model: MODEL, baseUrl: fake.url, apiKey: "k" }), {
    maxRetries: 2,
    sleep,
  });
  const error = await client.chat(ASK).catch((error) => error);
  assert.ok(error instanceof LlmError);
  assert.equal(error.status, 500);
  assert.equal(error.retryable, true);
  assert.equal(waits.length, 2);
  assert.equal(fake.requests.length, 3);
});

Deno.test("createGoogleClient() times out after timeoutMs", async () => {
  await using fake = await startFakeGoogle({ reply: () => ({ delayMs: 10_000 }) });
  const client = createGoogleClient({ model: MODEL, baseUrl: fake.url, apiKey: "k", timeoutMs: 40 });
  const error = await client.chat(ASK).catch((error) => error);
  assert.ok(error instanceof LlmError);
  assert.equal(error.retryable, true);
  assert.match(error.message, /timed out after 40 ms$/);
});

Deno.test("createGoogleClient() maps a caller abort to a cancelled LlmError", async () => {
  const controller = new AbortController();
  await using fake = await startFakeGoogle({
    reply: () => {
      controller.abort();
      return { delayMs: 10_000 };
    },
  });
  const client = createGoogleClient({ model: MODEL, baseUrl: fake.url, apiKey: "k" });
  const error = await client.chat(ASK, { signal: controller.signal }).catch((error) => error);
  assert.ok(error instanceof LlmError);
  assert.equal(error.cancelled, true);
  assert.equal(error.retryable, false);
});

Deno.test("createGoogleClient() stream yields text over SSE and returns usage", async () => {
  await using fake = await startFakeGoogle({
    reply: () => ({ text: "Gemini streams too", usage: { inputTokens: 8, outputTokens: 3 } }),
  });
  const client = createGoogleClient({ model: MODEL, baseUrl: fake.url, apiKey: "k" });
  const iterator = client.stream(ASK);
  const deltas: string[] = [];
  let step = await iterator.next();
  while (!step.done) {
    deltas.push(step.value);
    step = await iterator.next();
  }
  assert.deepEqual(deltas, ["Gemini ", "streams ", "too"]);
  assert.deepEqual(step.value, { inputTokens: 8, outputTokens: 3 });
  assert.match(fake.requests[0].path, new RegExp(`/models/${MODEL}:streamGenerateContent\\?alt=sse$`));
});

Deno.test("createGoogleClient() refuses to start without an apiKey", () => {
  assert.throws(() => createGoogleClient({ model: MODEL }), { name: "TypeError" });
});

Deno.test("createGoogleClient() reads cachedContentTokenCount into cached input tokens", async () => {
  await using fake = await startFakeGoogle({
    reply: () => ({ json: REVIEW }),
    countTokens: (text) => Math.ceil(text.length / 4),
  });
  const client = createGoogleClient({ model: MODEL, baseUrl: fake.url, apiKey: "key" });
  const shared = [
    { role: "system" as const, content: "You review code." },
    { role: "user" as const, content: `Diff:\n${"+ const x = 1;\n".repeat(1000)}` },
  ];
  const first = await client.chat([...shared, { role: "user", content: "Look for bugs." }], {
    schema: Review,
  });
  const second = await client.chat([...shared, { role: "user", content: "Look for leaks." }], {
    schema: Review,
  });
  assert.equal(first.usage.cachedInputTokens, undefined);
  assert.ok((second.usage.cachedInputTokens ?? 0) >= 2048);
  assert.ok(second.usage.inputTokens > second.usage.cachedInputTokens!);
});
