import assert from "node:assert/strict";
import { z } from "zod";
import { startFakeOpenAI } from "../../tests/fakes/openai.ts";
import { cacheKey, createMemoryCacheStore, withCache } from "./cache.ts";
import { createOpenAICompatibleClient } from "./openai_compatible.ts";
import { createLlmClient } from "./mod.ts";

const ASK = [{ role: "user" as const, content: "Review this diff" }];
const Review = z.object({ findings: z.array(z.string()) });

Deno.test("withCache() answers an identical second call without an HTTP request", async () => {
  await using fake = await startFakeOpenAI({ reply: () => ({ json: { findings: ["a"] } }) });
  const store = createMemoryCacheStore();
  const client = withCache(
    createOpenAICompatibleClient({ model: "gpt-4o", baseUrl: fake.url, apiKey: "k" }),
    store,
    { account: { baseUrl: fake.url, apiKey: "k" } },
  );
  const first = await client.chat(ASK, { schema: Review, schemaName: "review", temperature: 0 });
  const second = await client.chat(ASK, { schema: Review, schemaName: "review", temperature: 0 });
  assert.equal(first.cached, undefined);
  assert.deepEqual(first.usage, { inputTokens: 10, outputTokens: 5 });
  assert.equal(second.cached, true);
  assert.deepEqual(second.usage, { inputTokens: 0, outputTokens: 0 });
  assert.deepEqual(second.parsed, { findings: ["a"] });
  assert.equal(second.text, first.text);
  assert.equal(fake.requests.length, 1);
});

Deno.test("withCache() misses when messages, schema or temperature differ", async () => {
  await using fake = await startFakeOpenAI({ reply: () => ({ json: { findings: [] } }) });
  const client = withCache(
    createOpenAICompatibleClient({ model: "gpt-4o", baseUrl: fake.url, apiKey: "k" }),
    createMemoryCacheStore(),
    { account: { baseUrl: fake.url, apiKey: "k" } },
  );
  await client.chat(ASK);
  await client.chat([{ role: "user", content: "Another diff" }]);
  await client.chat(ASK, { temperature: 0.5 });
  await client.chat(ASK, { schema: Review });
  await client.chat(ASK, { schema: z.object({ findings: z.array(z.number()) }) });
  assert.equal(fake.requests.length, 5);
});

Deno.test("withCache() treats a cached answer that fails the caller's schema as a miss", async () => {
  await using fake = await startFakeOpenAI({ reply: () => ({ json: { findings: ["fresh"] } }) });
  const store = createMemoryCacheStore();
  const client = createOpenAICompatibleClient({ model: "gpt-4o", baseUrl: fake.url, apiKey: "k" });
  const account = { baseUrl: fake.url, apiKey: "k" };
  const key = await cacheKey(client, account, ASK, { schema: Review });
  await store.set(key, {
    text: "not json",
    model: "gpt-4o",
    usage: { inputTokens: 1, outputTokens: 1 },
    createdAt: 0,
  }, 60_000);
  const result = await withCache(client, store, { account }).chat(ASK, { schema: Review });
  assert.deepEqual(result.parsed, { findings: ["fresh"] });
  assert.equal(result.cached, undefined);
  assert.equal(fake.requests.length, 1);
});

Deno.test("cacheKey() is a stable SHA-256 hex digest", async () => {
  const client = createOpenAICompatibleClient({ model: "gpt-4o", apiKey: "k" });
  const account = { apiKey: "k" };
  const key = await cacheKey(client, account, ASK, { temperature: 0 });
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.equal(await cacheKey(client, { apiKey: "k" }, ASK, { temperature: 0 }), key);
  assert.notEqual(
    await cacheKey(createOpenAICompatibleClient({ model: "gpt-4.1", apiKey: "k" }), account, ASK, {
      temperature: 0,
    }),
    key,
  );
  assert.notEqual(await cacheKey(client, { apiKey: "k2" }, ASK, { temperature: 0 }), key, "another key");
  assert.notEqual(
    await cacheKey(client, { apiKey: "k", baseUrl: "https://proxy.example/v1" }, ASK, { temperature: 0 }),
    key,
    "another endpoint",
  );
});

Deno.test("two accounts never share a cached answer: same prompt, two keys or two endpoints, two calls", async () => {
  await using fake = await startFakeOpenAI({ reply: () => ({ json: { findings: ["a"] } }) });
  await using other = await startFakeOpenAI({ reply: () => ({ json: { findings: ["b"] } }) });
  // One store for the deployment, as the database-backed store is: each organization brings its own key.
  const store = createMemoryCacheStore();
  const model = (baseUrl: string, apiKey: string) =>
    createLlmClient({ provider: "openai", model: "gpt-4o", baseUrl, apiKey }, {
      cache: store,
      maxRetries: 0,
    });
  const acme = model(fake.url, "sk-acme-key");
  const globex = model(fake.url, "sk-globex-key");
  assert.equal((await acme.chat(ASK, { temperature: 0 })).cached, undefined);
  assert.equal((await globex.chat(ASK, { temperature: 0 })).cached, undefined);
  assert.deepEqual(
    fake.requests.map((request) => request.headers.get("authorization")),
    ["Bearer sk-acme-key", "Bearer sk-globex-key"],
    "each key paid for its own answer",
  );
  assert.equal((await acme.chat(ASK, { temperature: 0 })).cached, true, "the same account still hits");
  assert.equal(fake.requests.length, 2);
  // The same key sent to another endpoint (a proxy, another region) is another account too.
  assert.equal((await model(other.url, "sk-acme-key").chat(ASK, { temperature: 0 })).cached, undefined);
  assert.equal(other.requests.length, 1);
  assert.equal(store.size, 3);
});

Deno.test("createMemoryCacheStore() expires entries after their ttl", async () => {
  let now = 1000;
  const store = createMemoryCacheStore({ now: () => now });
  const entry = { text: "x", model: "m", usage: { inputTokens: 1, outputTokens: 1 }, createdAt: now };
  await store.set("k", entry, 500);
  now = 1499;
  assert.deepEqual(await store.get("k"), entry);
  now = 1500;
  assert.equal(await store.get("k"), null);
  assert.equal(store.size, 0);
});

Deno.test("createMemoryCacheStore() drops the least recently used entry when full", async () => {
  const store = createMemoryCacheStore({ maxEntries: 2 });
  const entry = (text: string) => ({
    text,
    model: "m",
    usage: { inputTokens: 0, outputTokens: 0 },
    createdAt: 0,
  });
  await store.set("a", entry("a"), 60_000);
  await store.set("b", entry("b"), 60_000);
  await store.get("a");
  await store.set("c", entry("c"), 60_000);
  assert.equal((await store.get("a"))?.text, "a");
  assert.equal(await store.get("b"), null);
  assert.equal((await store.get("c"))?.text, "c");
});
