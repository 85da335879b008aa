import assert from "node:assert/strict";
import { z } from "zod";
import { startFakeAnthropic } from "../../tests/fakes/anthropic.ts";
import { createAnthropicClient } from "./anthropic.ts";
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
const MODEL = "claude-haiku-4-5";

function recordSleeps() {
  const waits: number[] = [];
  return { waits, sleep: (ms: number) => Promise.resolve(void waits.push(ms)) };
}

Deno.test("createAnthropicClient() chat sends system separately and returns text and usage", async () => {
  await using fake = await startFakeAnthropic({
    reply: () => ({ text: "Looks fine", usage: { inputTokens: 12, outputTokens: 3 } }),
  });
  const client = createAnthropicClient({ model: MODEL, baseUrl: fake.url, apiKey: "sk-ant" });
  const result = await client.chat(ASK, { maxTokens: 100 });
  assert.deepEqual(result, { text: "Looks fine", usage: { inputTokens: 12, outputTokens: 3 }, model: MODEL });
  const [request] = fake.requests;
  const body = request.body as Record<string, unknown>;
  assert.equal(body.system, "You review code.");
  assert.deepEqual(body.messages, [{ role: "user", content: "Review this diff" }]);
  assert.equal(body.max_tokens, 100);
  const credential = request.headers.get("x-api-key") ?? request.headers.get("authorization");
  assert.match(credential ?? "", /sk-ant$/);
  assert.ok(request.headers.get("anthropic-version"));
});

Deno.test("createAnthropicClient() forces a tool call for structured output", async () => {
  await using fake = await startFakeAnthropic({ reply: () => ({ json: REVIEW }) });
  const client = createAnthropicClient({ model: MODEL, baseUrl: fake.url, apiKey: "k" });
  const result = await client.chat(ASK, { schema: Review, schemaName: "review" });
  assert.deepEqual(result.parsed, REVIEW);
  assert.equal(result.text, JSON.stringify(REVIEW));
  const body = fake.requests[0].body as { tools: Record<string, unknown>[]; tool_choice: unknown };
  assert.deepEqual(body.tool_choice, { type: "tool", name: "review" });
  assert.equal(body.tools[0].name, "review");
  assert.equal((body.tools[0].input_schema as { type: string }).type, "object");
});

Deno.test("createAnthropicClient() repairs a tool input that fails validation", async () => {
  await using fake = await startFakeAnthropic({
    reply: (request) => request.messages.length === 2 ? { json: { findings: "none" } } : { json: REVIEW },
  });
  const client = createAnthropicClient({ model: MODEL, baseUrl: fake.url, apiKey: "k" });
  const result = await client.chat(ASK, { schema: Review, schemaName: "review" });
  assert.deepEqual(result.parsed, REVIEW);
  assert.equal(fake.requests.length, 2);
  const repair = (fake.requests[1].body as { messages: { role: string; content: string }[] }).messages;
  assert.deepEqual(repair.map((message) => message.role), ["user", "assistant", "user"]);
  assert.match(repair[2].content, /findings/);
});

Deno.test("createAnthropicClient() throws a non-retryable LlmError with zod issues after a failed repair", async () => {
  await using fake = await startFakeAnthropic({ reply: () => ({ json: { findings: "none" } }) });
  const client = createAnthropicClient({ model: MODEL, baseUrl: fake.url, apiKey: "k" });
  const error = await client.chat(ASK, { schema: Review, schemaName: "review" }).catch((error) => error);
  assert.ok(error instanceof LlmError);
  assert.equal(error.retryable, false);
  assert.ok(error.cause instanceof z.ZodError);
  assert.deepEqual(error.cause.issues.map((issue) => issue.path), [["findings"]]);
  assert.equal(fake.requests.length, 2);
});

Deno.test("createAnthropicClient() in prompt mode extracts JSON from prose", async () => {
  await using fake = await startFakeAnthropic({
    reply: () => `Sure! ${JSON.stringify(REVIEW)} Hope it helps.`,
  });
  const client = createAnthropicClient({
    model: MODEL,
    baseUrl: fake.url,
    apiKey: "k",
    structuredOutput: "prompt",
  });
  const result = await client.chat(ASK, { schema: Review });
  assert.deepEqual(result.parsed, REVIEW);
  const body = fake.requests[0].body as Record<string, unknown>;
  assert.equal(body.tools, undefined);
  assert.match(String(body.system), /^You review code\.\n\nReply with only one JSON value/);
});

Deno.test("createAnthropicClient() honours retry-after on 429 through withRetry", async () => {
  let calls = 0;
  await using fake = await startFakeAnthropic({
    reply: () => ++calls === 1 ? { status: 429, headers: { "retry-after": "2" } } : "ok",
  });
  const { waits, sleep } = recordSleeps();
  const client = withRetry(createAnthropicClient({ model: MODEL, baseUrl: fake.url, apiKey: "k" }), {
    sleep,
  });
  assert.equal((await client.chat(ASK)).text, "ok");
  assert.deepEqual(waits, [2000]);
});

Deno.test("createAnthropicClient() retries 529 overloaded and then throws a retryable LlmError", async () => {
  await using fake = await startFakeAnthropic({ reply: () => ({ status: 529 }) });
  const { waits, sleep } = recordSleeps();
  const client = withRetry(createAnthropicClient({ model: MODEL, baseUrl: fake.url, apiKey: "k" }), {
    maxRetries: 1,
    sleep,
  });
  const error = await client.chat(ASK).catch((error) => error);
  assert.ok(error instanceof LlmError);
  assert.equal(error.status, 529);
  assert.equal(error.retryable, true);
  assert.match(error.message, /HTTP 529: Fake Anthropic error 529$/);
  assert.equal(waits.length, 1);
  assert.equal(fake.requests.length, 2);
});

Deno.test("createAnthropicClient() times out after timeoutMs", async () => {
  await using fake = await startFakeAnthropic({ reply: () => ({ delayMs: 10_000 }) });
  const client = createAnthropicClient({ model: MODEL, baseUrl: fake.url, apiKey: "k", timeoutMs: 40 });
  const error = await client.chat(ASK).catch((error) => error);
  assert.ok(error instanceof LlmError);
  assert.equal(error.retryable, true);
  assert.match(error.message, /timed out after 40 ms$/);
});

Deno.test("createAnthropicClient() maps a caller abort to a cancelled LlmError", async () => {
  const controller = new AbortController();
  await using fake = await startFakeAnthropic({
    reply: () => {
      controller.abort();
      return { delayMs: 10_000 };
    },
  });
  const client = createAnthropicClient({ model: MODEL, baseUrl: fake.url, apiKey: "k" });
  const error = await client.chat(ASK, { signal: controller.signal }).catch((error) => error);
  assert.ok(error instanceof LlmError);
  assert.equal(error.cancelled, true);
  assert.equal(error.retryable, false);
});

Deno.test("createAnthropicClient() stream yields text deltas and returns usage", async () => {
  await using fake = await startFakeAnthropic({
    reply: () => ({ text: "Streamed reply here", usage: { inputTokens: 9, outputTokens: 4 } }),
  });
  const client = createAnthropicClient({ model: MODEL, baseUrl: fake.url, apiKey: "k" });
  const iterator = client.stream(ASK);
  const deltas: string[] = [];
  let step = await iterator.next();
  while (!step.done) {
    deltas.push(step.value);
    step = await iterator.next();
  }
  assert.deepEqual(deltas, ["Streamed ", "reply ", "here"]);
  assert.deepEqual(step.value, { inputTokens: 9, outputTokens: 4 });
  assert.equal(fake.requests[0].stream, true);
});

Deno.test("createAnthropicClient() refuses to start without an apiKey", () => {
  assert.throws(() => createAnthropicClient({ model: MODEL }), {
    name: "TypeError",
    message: 'Cannot create anthropic model "claude-haiku-4-5": "apiKey" is missing',
  });
});

Deno.test("createAnthropicClient() marks cache breakpoints and reads cache usage", async () => {
  // One token per 4 characters; the shared message is well over Anthropic's 1,024-token minimum.
  await using fake = await startFakeAnthropic({
    reply: () => ({ json: REVIEW }),
    countTokens: (text) => Math.ceil(text.length / 4),
  });
  const client = createAnthropicClient({ model: MODEL, baseUrl: fake.url, apiKey: "sk-ant" });
  const shared = [
    { role: "system" as const, content: "You review code." },
    { role: "user" as const, content: `Diff:\n${"+ const x = 1;\n".repeat(600)}`, cacheBreakpoint: true },
  ];
  const first = await client.chat([...shared, { role: "user", content: "Look for bugs." }], {
    schema: Review,
  });
  const second = await client.chat([...shared, { role: "user", content: "Look for leaks." }], {
    schema: Review,
  });
  for (const request of fake.requests) {
    const body = request.body as { messages: { content: unknown }[]; system: unknown };
    assert.equal(body.system, "You review code.");
    assert.deepEqual(body.messages[0]!.content, [{
      type: "text",
      text: shared[1].content,
      cache_control: { type: "ephemeral" },
    }]);
    assert.equal(
      body.messages[1]!.content,
      request === fake.requests[0] ? "Look for bugs." : "Look for leaks.",
    );
  }
  assert.ok((first.usage.cacheWriteTokens ?? 0) > 1024);
  assert.equal(first.usage.cachedInputTokens, undefined);
  assert.equal(second.usage.cachedInputTokens, first.usage.cacheWriteTokens);
  assert.equal(second.usage.cacheWriteTokens, undefined);
  // inputTokens is the whole prompt: what Anthropic reports as input_tokens plus the cache read.
  assert.ok(second.usage.inputTokens > second.usage.cachedInputTokens!);
});
