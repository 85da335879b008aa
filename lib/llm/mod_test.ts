import assert from "node:assert/strict";
import { z } from "zod";
import { startFakeAnthropic } from "../../tests/fakes/anthropic.ts";
import { startFakeGoogle } from "../../tests/fakes/google.ts";
import { startFakeOpenAI } from "../../tests/fakes/openai.ts";
import { createLimiter, createLlmClient, createMemoryCacheStore, LlmError } from "./mod.ts";

const ASK = [{ role: "user" as const, content: "Review this diff" }];
const Review = z.object({ findings: z.array(z.object({ title: z.string() })) });

Deno.test("createLlmClient() builds each provider from the registry", async () => {
  await using openai = await startFakeOpenAI({ reply: () => "from openai" });
  await using anthropic = await startFakeAnthropic({ reply: () => "from anthropic" });
  await using google = await startFakeGoogle({ reply: () => "from google" });
  const answers = await Promise.all([
    createLlmClient({ provider: "openai", model: "gpt-4o-mini", baseUrl: openai.url, apiKey: "k" }).chat(ASK),
    createLlmClient({ provider: "anthropic", model: "claude-haiku-4-5", baseUrl: anthropic.url, apiKey: "k" })
      .chat(ASK),
    createLlmClient({ provider: "google", model: "gemini-2.5-flash", baseUrl: google.url, apiKey: "k" }).chat(
      ASK,
    ),
  ]);
  assert.deepEqual(answers.map((answer) => answer.text), ["from openai", "from anthropic", "from google"]);
});

Deno.test("createLlmClient() applies the spec's defaults to requests", async () => {
  await using fake = await startFakeOpenAI({ reply: () => ({ json: { findings: [{ title: "t" }] } }) });
  const client = createLlmClient({
    provider: "openai",
    model: "gpt-4o-mini",
    baseUrl: fake.url,
    apiKey: "k",
    temperature: 0.1,
    maxOutputTokens: 2048,
  });
  const result = await client.chat(ASK, { schema: Review, schemaName: "review" });
  assert.deepEqual(result.parsed, { findings: [{ title: "t" }] });
  const body = fake.requests[0].body as Record<string, unknown>;
  assert.equal(body.temperature, 0.1);
  assert.equal(body.max_tokens, 2048);
});

Deno.test("createLlmClient() retries, then serves a repeated call from the cache", async () => {
  let calls = 0;
  await using fake = await startFakeOpenAI({
    reply: () => ++calls === 1 ? { status: 429, headers: { "retry-after-ms": "20" } } : "reviewed",
  });
  const waits: number[] = [];
  const client = createLlmClient(
    { provider: "openai", model: "gpt-4o-mini", baseUrl: fake.url, apiKey: "k" },
    { cache: createMemoryCacheStore(), retry: { sleep: (ms) => Promise.resolve(void waits.push(ms)) } },
  );
  assert.equal((await client.chat(ASK)).text, "reviewed");
  const again = await client.chat(ASK);
  assert.equal(again.cached, true);
  assert.deepEqual(again.usage, { inputTokens: 0, outputTokens: 0 });
  assert.deepEqual(waits, [20]);
  assert.equal(fake.requests.length, 2);
});

Deno.test("createLlmClient() falls back when the primary keeps failing", async () => {
  await using primary = await startFakeOpenAI({ reply: () => ({ status: 503 }) });
  await using secondary = await startFakeGoogle({ reply: () => "from gemini" });
  const client = createLlmClient(
    { provider: "openai", model: "gpt-4o", baseUrl: primary.url, apiKey: "k" },
    {
      maxRetries: 1,
      retry: { sleep: () => Promise.resolve() },
      fallback: createLlmClient({
        provider: "google",
        model: "gemini-2.5-flash",
        baseUrl: secondary.url,
        apiKey: "k",
      }),
    },
  );
  const result = await client.chat(ASK);
  assert.equal(result.text, "from gemini");
  assert.equal(primary.requests.length, 2);
});

Deno.test("createLlmClient() holds a slot in every limiter it is given", async () => {
  const release: (() => void)[] = [];
  await using fake = await startFakeOpenAI({
    reply: () => new Promise((resolve) => release.push(() => resolve("ok"))),
  });
  const deployment = createLimiter(3);
  const perProvider = createLimiter(1);
  const client = createLlmClient(
    { provider: "openai", model: "m", baseUrl: fake.url, apiKey: "k" },
    { limiter: [deployment, perProvider] },
  );
  const calls = [client.chat(ASK), client.chat(ASK)];
  while (release.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  assert.equal(deployment.active, 2);
  assert.equal(perProvider.active, 1);
  assert.equal(perProvider.pending, 1);
  release.shift()?.();
  while (release.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  release.shift()?.();
  await Promise.all(calls);
  assert.equal(deployment.active, 0);
  assert.equal(perProvider.active, 0);
  assert.equal(fake.requests.length, 2);
});

Deno.test("createLlmClient() rejects an invalid spec with the field named", () => {
  assert.throws(
    () => createLlmClient({ provider: "openai", model: "m", baseUrl: "not a url", temperature: 5 }),
    { name: "TypeError", message: /^Cannot create model "m": "baseUrl" .*; "temperature" / },
  );
});

Deno.test("createLlmClient() maps a caller abort to a cancelled LlmError through every layer", async () => {
  const controller = new AbortController();
  await using fake = await startFakeOpenAI({
    reply: () => {
      controller.abort();
      return { delayMs: 10_000 };
    },
  });
  const client = createLlmClient(
    { provider: "openai", model: "m", baseUrl: fake.url, apiKey: "k" },
    { cache: createMemoryCacheStore(), limiter: createLimiter(1) },
  );
  const error = await client.chat(ASK, { signal: controller.signal }).catch((error) => error);
  assert.ok(error instanceof LlmError);
  assert.equal(error.cancelled, true);
  assert.equal(fake.requests.length, 1);
});
