import assert from "node:assert/strict";
import { z } from "zod";
import { extractJson, resolveStructured, validateStructured } from "./structured.ts";
import { type ChatMessage, LlmError } from "./types.ts";

Deno.test("extractJson() parses a reply that is only JSON", () => {
  assert.deepEqual(extractJson('  {"a": [1, 2]}\n'), { ok: true, value: { a: [1, 2] } });
  assert.deepEqual(extractJson("[1]"), { ok: true, value: [1] });
});

Deno.test("extractJson() takes the first fenced block that parses", () => {
  const text = 'Notes:\n```\nnot json\n```\nAnswer:\n```json\n{"ok": true}\n```\nDone.';
  assert.deepEqual(extractJson(text), { ok: true, value: { ok: true } });
});

Deno.test("extractJson() finds a balanced object after leading prose", () => {
  const text = 'Sure! Here is the review: {"title": "Use } carefully", "nested": {"x": [1]}} Hope it helps.';
  assert.deepEqual(extractJson(text), { ok: true, value: { title: "Use } carefully", nested: { x: [1] } } });
});

Deno.test("extractJson() skips a bracket that does not start JSON", () => {
  assert.deepEqual(extractJson('See [the docs] and then {"a": 1}'), { ok: true, value: { a: 1 } });
});

Deno.test("extractJson() does not repair trailing commas", () => {
  const result = extractJson('{"findings": [1, 2,],}');
  assert.equal(result.ok, false);
});

Deno.test("extractJson() reports an empty reply", () => {
  assert.deepEqual(extractJson("  "), { ok: false, reason: "the reply is empty" });
});

Deno.test("validateStructured() returns zod issues written for the model", () => {
  const schema = z.object({ line: z.number() });
  const result = validateStructured('{"line": "3"}', schema);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.ok(result.error instanceof z.ZodError);
  assert.match(result.problem, /^Your JSON did not match the schema:\n/);
  assert.match(result.problem, /line/);
});

Deno.test("resolveStructured() returns the first answer without a repair when it is valid", async () => {
  const requests: ChatMessage[][] = [];
  const result = await resolveStructured({
    provider: "openai",
    model: "m",
    schema: z.object({ a: z.number() }),
    schemaName: "answer",
    messages: [{ role: "user", content: "q" }],
    first: { text: '{"a": 1}', usage: { inputTokens: 1, outputTokens: 1 } },
    request: (messages) => {
      requests.push(messages);
      return Promise.resolve({ text: "", usage: { inputTokens: 0, outputTokens: 0 } });
    },
  });
  assert.deepEqual(result, {
    text: '{"a": 1}',
    parsed: { a: 1 },
    usage: { inputTokens: 1, outputTokens: 1 },
  });
  assert.equal(requests.length, 0);
});

Deno.test("resolveStructured() makes exactly one repair request, then throws a non-retryable LlmError", async () => {
  const requests: ChatMessage[][] = [];
  const error = await resolveStructured({
    provider: "anthropic",
    model: "m",
    schema: z.object({ a: z.number() }),
    schemaName: "answer",
    messages: [{ role: "user", content: "q" }],
    first: { text: '{"a": "x"}', usage: { inputTokens: 1, outputTokens: 1 } },
    request: (messages) => {
      requests.push(messages);
      return Promise.resolve({ text: '{"b": 2}', usage: { inputTokens: 2, outputTokens: 2 } });
    },
  }).catch((error) => error);
  assert.equal(requests.length, 1);
  assert.deepEqual(requests[0].slice(0, 2), [
    { role: "user", content: "q" },
    { role: "assistant", content: '{"a": "x"}' },
  ]);
  assert.match(requests[0][2].content, /Reply again with only the corrected JSON for "answer"\.$/);
  assert.ok(error instanceof LlmError);
  assert.equal(error.retryable, false);
  assert.equal(error.provider, "anthropic");
  assert.ok(error.cause instanceof z.ZodError);
  assert.deepEqual(error.cause.issues[0].path, ["a"]);
});
