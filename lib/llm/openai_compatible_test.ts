import assert from "node:assert/strict";
import { z } from "zod";
import { startFakeOpenAI } from "../../tests/fakes/openai.ts";
import { createOpenAICompatibleClient } from "./openai_compatible.ts";
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

function recordSleeps() {
  const waits: number[] = [];
  return { waits, sleep: (ms: number) => Promise.resolve(void waits.push(ms)) };
}

Deno.test("createOpenAICompatibleClient() chat returns text, usage and model", async () => {
  await using fake = await startFakeOpenAI({
    reply: () => ({ text: "Looks fine", usage: { inputTokens: 12, outputTokens: 3 } }),
  });
  const client = createOpenAICompatibleClient({ model: "gpt-4o-mini", baseUrl: fake.url, apiKey: "sk-test" });
  const result = await client.chat(ASK, { temperature: 0.2, maxTokens: 100 });
  assert.deepEqual(result, {
    text: "Looks fine",
    usage: { inputTokens: 12, outputTokens: 3 },
    model: "gpt-4o-mini",
  });
  const [request] = fake.requests;
  assert.deepEqual(request.messages, [
    { role: "system", content: "You review code." },
    { role: "user", content: "Review this diff" },
  ]);
  assert.equal(request.headers.get("authorization"), "Bearer sk-test");
  const body = request.body as Record<string, unknown>;
  assert.equal(body.temperature, 0.2);
  assert.equal(body.max_tokens, 100);
  assert.equal(request.stream, false);
});

Deno.test("createOpenAICompatibleClient() asks for json_schema output and validates it", async () => {
  await using fake = await startFakeOpenAI({ reply: () => ({ json: REVIEW }) });
  const client = createOpenAICompatibleClient({ model: "gpt-4o", baseUrl: fake.url, apiKey: "k" });
  const result = await client.chat(ASK, { schema: Review, schemaName: "review" });
  assert.deepEqual(result.parsed, REVIEW);
  const format = (fake.requests[0].body as { response_format: Record<string, unknown> }).response_format;
  assert.equal(format.type, "json_schema");
  const jsonSchema = format.json_schema as { name: string; strict: boolean; schema: Record<string, unknown> };
  assert.equal(jsonSchema.name, "review");
  assert.equal(jsonSchema.strict, true);
  assert.equal(jsonSchema.schema.type, "object");
  assert.equal(jsonSchema.schema.$schema, undefined);
});

Deno.test("createOpenAICompatibleClient() goes non-strict when the schema has optional fields", async () => {
  await using fake = await startFakeOpenAI({ reply: () => ({ json: { title: "x" } }) });
  const client = createOpenAICompatibleClient({ model: "gpt-4o", baseUrl: fake.url, apiKey: "k" });
  const schema = z.object({ title: z.string(), body: z.string().optional() });
  const result = await client.chat(ASK, { schema });
  assert.deepEqual(result.parsed, { title: "x" });
  const format = (fake.requests[0].body as { response_format: { json_schema: { strict: boolean } } })
    .response_format;
  assert.equal(format.json_schema.strict, false);
});

Deno.test("createOpenAICompatibleClient() in prompt mode describes the schema and extracts fenced JSON", async () => {
  await using fake = await startFakeOpenAI({
    reply: () => `Here you go:\n\`\`\`json\n${JSON.stringify(REVIEW)}\n\`\`\``,
  });
  const client = createOpenAICompatibleClient({
    model: "llama3.1:8b",
    baseUrl: fake.url,
    structuredOutput: "prompt",
  });
  const result = await client.chat(ASK, { schema: Review, schemaName: "review" });
  assert.deepEqual(result.parsed, REVIEW);
  const [request] = fake.requests;
  assert.equal((request.body as Record<string, unknown>).response_format, undefined);
  assert.equal(request.structured, false);
  assert.match(
    request.messages[0].content,
    /^You review code\.\n\nReply with only one JSON value named "review"/,
  );
  assert.equal(request.headers.get("authorization"), "Bearer unused");
});

Deno.test("createOpenAICompatibleClient() in json_object mode sends response_format json_object", async () => {
  await using fake = await startFakeOpenAI({ reply: () => ({ json: REVIEW }) });
  const client = createOpenAICompatibleClient({
    model: "qwen2.5-coder",
    baseUrl: fake.url,
    structuredOutput: "json_object",
  });
  const result = await client.chat(ASK, { schema: Review });
  assert.deepEqual(result.parsed, REVIEW);
  assert.deepEqual((fake.requests[0].body as Record<string, unknown>).response_format, {
    type: "json_object",
  });
});

Deno.test("createOpenAICompatibleClient() repairs malformed output with one more request", async () => {
  await using fake = await startFakeOpenAI({
    reply: (request) =>
      request.messages.length === 2 ? { json: { findings: [{ path: "a.ts" }] } } : { json: REVIEW },
  });
  const client = createOpenAICompatibleClient({ model: "gpt-4o", baseUrl: fake.url, apiKey: "k" });
  const result = await client.chat(ASK, { schema: Review, schemaName: "review" });
  assert.deepEqual(result.parsed, REVIEW);
  assert.deepEqual(result.usage, { inputTokens: 20, outputTokens: 10 });
  assert.equal(fake.requests.length, 2);
  const repair = fake.requests[1].messages;
  assert.equal(repair[2].role, "assistant");
  assert.equal(repair[2].content, JSON.stringify({ findings: [{ path: "a.ts" }] }));
  assert.match(repair[3].content, /did not match the schema/);
  assert.match(repair[3].content, /findings\[0\]\.line/);
});

Deno.test("createOpenAICompatibleClient() throws a non-retryable LlmError when the repair is invalid too", async () => {
  await using fake = await startFakeOpenAI({ reply: () => "I cannot answer in JSON, sorry." });
  const client = createOpenAICompatibleClient({ model: "gpt-4o", baseUrl: fake.url, apiKey: "k" });
  const error = await client.chat(ASK, { schema: Review, schemaName: "review" }).catch((error) => error);
  assert.ok(error instanceof LlmError);
  assert.equal(error.retryable, false);
  assert.match(error.message, /^Cannot parse "review" from openai model "gpt-4o" after one repair request/);
  assert.ok(error.cause instanceof SyntaxError);
  assert.equal(fake.requests.length, 2);
});

Deno.test("createOpenAICompatibleClient() maps 429 retry-after so withRetry waits as asked", async () => {
  let calls = 0;
  await using fake = await startFakeOpenAI({
    reply: () => ++calls === 1 ? { status: 429, headers: { "retry-after": "1" } } : "ok",
  });
  const { waits, sleep } = recordSleeps();
  const client = withRetry(
    createOpenAICompatibleClient({ model: "gpt-4o", baseUrl: fake.url, apiKey: "k" }),
    { sleep },
  );
  const result = await client.chat(ASK);
  assert.equal(result.text, "ok");
  assert.deepEqual(waits, [1000]);
  assert.equal(fake.requests.length, 2);
});

Deno.test("createOpenAICompatibleClient() reads retry-after-ms before retry-after", async () => {
  await using fake = await startFakeOpenAI({
    reply: () => ({ status: 429, headers: { "retry-after-ms": "250", "retry-after": "9" } }),
  });
  const client = createOpenAICompatibleClient({ model: "gpt-4o", baseUrl: fake.url, apiKey: "k" });
  const error = await client.chat(ASK).catch((error) => error);
  assert.ok(error instanceof LlmError);
  assert.equal(error.status, 429);
  assert.equal(error.retryAfterMs, 250);
  assert.equal(error.retryable, true);
});

Deno.test("createOpenAICompatibleClient() retries 500 and then throws a retryable LlmError", async () => {
  await using fake = await startFakeOpenAI({ reply: () => ({ status: 500 }) });
  const { waits, sleep } = recordSleeps();
  const client = withRetry(
    createOpenAICompatibleClient({ model: "gpt-4o", baseUrl: fake.url, apiKey: "k" }),
    { maxRetries: 2, baseDelayMs: 100, sleep, random: () => 0 },
  );
  const error = await client.chat(ASK).catch((error) => error);
  assert.ok(error instanceof LlmError);
  assert.equal(error.status, 500);
  assert.equal(error.retryable, true);
  assert.match(error.message, /^Cannot complete request to openai model "gpt-4o": HTTP 500: /);
  assert.deepEqual(waits, [50, 100]);
  assert.equal(fake.requests.length, 3);
});

Deno.test("createOpenAICompatibleClient() does not retry 400", async () => {
  await using fake = await startFakeOpenAI({ reply: () => ({ status: 400 }) });
  const { waits, sleep } = recordSleeps();
  const client = withRetry(createOpenAICompatibleClient({ model: "m", baseUrl: fake.url, apiKey: "k" }), {
    sleep,
  });
  const error = await client.chat(ASK).catch((error) => error);
  assert.ok(error instanceof LlmError);
  assert.equal(error.retryable, false);
  assert.deepEqual(waits, []);
});

Deno.test("createOpenAICompatibleClient() times out after timeoutMs with a retryable LlmError", async () => {
  await using fake = await startFakeOpenAI({ reply: () => ({ delayMs: 10_000 }) });
  const client = createOpenAICompatibleClient({
    model: "gpt-4o",
    baseUrl: fake.url,
    apiKey: "k",
    timeoutMs: 50,
  });
  const error = await client.chat(ASK).catch((error) => error);
  assert.ok(error instanceof LlmError);
  assert.equal(error.retryable, true);
  assert.equal(error.cancelled, undefined);
  assert.equal(error.message, 'Cannot complete request to openai model "gpt-4o": timed out after 50 ms');
});

Deno.test("createOpenAICompatibleClient() maps a caller abort to a cancelled, non-retryable LlmError", async () => {
  const controller = new AbortController();
  await using fake = await startFakeOpenAI({
    reply: () => {
      controller.abort();
      return { delayMs: 10_000 };
    },
  });
  const { waits, sleep } = recordSleeps();
  const client = withRetry(createOpenAICompatibleClient({ model: "m", baseUrl: fake.url, apiKey: "k" }), {
    sleep,
  });
  const error = await client.chat(ASK, { signal: controller.signal }).catch((error) => error);
  assert.ok(error instanceof LlmError);
  assert.equal(error.cancelled, true);
  assert.equal(error.retryable, false);
  assert.deepEqual(waits, []);
});

Deno.test("createOpenAICompatibleClient() stream yields deltas and returns usage", async () => {
  await using fake = await startFakeOpenAI({
    reply: () => ({ text: "Three word answer", usage: { inputTokens: 7, outputTokens: 3 } }),
  });
  const client = createOpenAICompatibleClient({ model: "gpt-4o-mini", baseUrl: fake.url, apiKey: "k" });
  const deltas: string[] = [];
  const iterator = client.stream(ASK);
  let step = await iterator.next();
  while (!step.done) {
    deltas.push(step.value);
    step = await iterator.next();
  }
  assert.deepEqual(deltas, ["Three ", "word ", "answer"]);
  assert.deepEqual(step.value, { inputTokens: 7, outputTokens: 3 });
  const body = fake.requests[0].body as Record<string, unknown>;
  assert.equal(body.stream, true);
  assert.deepEqual(body.stream_options, { include_usage: true });
});

Deno.test("createOpenAICompatibleClient() stream maps HTTP errors to LlmError", async () => {
  await using fake = await startFakeOpenAI({ reply: () => ({ status: 503 }) });
  const client = createOpenAICompatibleClient({ model: "m", baseUrl: fake.url, apiKey: "k" });
  const error = await client.stream(ASK).next().catch((error) => error);
  assert.ok(error instanceof LlmError);
  assert.equal(error.status, 503);
  assert.equal(error.retryable, true);
});

Deno.test("createOpenAICompatibleClient() sends max_completion_tokens and no temperature to reasoning models", async () => {
  await using fake = await startFakeOpenAI();
  const client = createOpenAICompatibleClient({
    model: "o4-mini",
    baseUrl: fake.url,
    apiKey: "k",
    temperature: 0.1,
  });
  await client.chat(ASK, { maxTokens: 500 });
  const body = fake.requests[0].body as Record<string, unknown>;
  assert.equal(body.max_completion_tokens, 500);
  assert.equal(body.max_tokens, undefined);
  assert.equal(body.temperature, undefined);
});

Deno.test("createOpenAICompatibleClient() reads cached_tokens of a repeated prefix, in 128-token steps", async () => {
  await using fake = await startFakeOpenAI({
    reply: () => ({ json: REVIEW }),
    countTokens: (text) => Math.ceil(text.length / 4),
  });
  const client = createOpenAICompatibleClient({ model: "gpt-4o-mini", baseUrl: fake.url, apiKey: "sk-test" });
  const shared = [
    { role: "system" as const, content: "You review code." },
    { role: "user" as const, content: `Diff:\n${"+ const x = 1;\n".repeat(600)}` },
  ];
  const first = await client.chat([...shared, { role: "user", content: "Look for bugs." }], {
    schema: Review,
  });
  const second = await client.chat([...shared, { role: "user", content: "Look for leaks." }], {
    schema: Review,
  });
  const streamed = client.stream([...shared, { role: "user", content: "Summarise." }]);
  let next = await streamed.next();
  while (!next.done) next = await streamed.next();
  assert.equal(first.usage.cachedInputTokens, undefined);
  const cached = second.usage.cachedInputTokens ?? 0;
  assert.ok(cached >= 1024 && cached % 128 === 0 && cached < second.usage.inputTokens);
  // The schema comes first in OpenAI's layout, so a request without it shares no prefix with the others.
  assert.equal(next.value.cachedInputTokens, undefined);
  const short = await client.chat([{ role: "user", content: "Short question" }]);
  assert.equal(short.usage.cachedInputTokens, undefined);
});
