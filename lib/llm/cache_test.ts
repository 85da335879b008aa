import assert from "node:assert/strict";
import { z } from "zod";
import { startFakeOpenAI } from "../../tests/fakes/openai.ts";
import { cacheKey, createMemoryCacheStore, withCache } from "./cache.ts";
import { createOpenAICompatibleClient } from "./openai_compatible.ts";

const ASK = [{ role: "user" as const, content: "Review this diff" }];
const Review = z.object({ findings: z.array(z.string()) });

Deno.test("withCache() answers an identical second call without an HTTP request", async () => {
  await using fake = await startFakeOpenAI({ reply: () => ({ json: { findings: ["a"] } }) });
  const store = createMemoryCacheStore();
  const client = withCache(
    createOpenAICompatibleClient({ model: "gpt-4o", baseUrl: fake.url, apiKey: "k" }),
    store,
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
  const key = await cacheKey(client, ASK, { schema: Review });
  await store.set(key, {
    text: "not json",
    model: "gpt-4o",
    usage: { inputTokens: 1, outputTokens: 1 },
    createdAt: 0,
  }, 60_000);
  const result = await withCache(client, store).chat(ASK, { schema: Review });
  assert.deepEqual(result.parsed, { findings: ["fresh"] });
  assert.equal(result.cached, undefined);
  assert.equal(fake.requests.length, 1);
});

Deno.test("cacheKey() is a stable SHA-256 hex digest", async () => {
  const client = createOpenAICompatibleClient({ model: "gpt-4o", apiKey: "k" });
  const key = await cacheKey(client, ASK, { temperature: 0 });
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.equal(await cacheKey(client, ASK, { temperature: 0 }), key);
  assert.notEqual(
    await cacheKey(createOpenAICompatibleClient({ model: "gpt-4.1", apiKey: "k" }), ASK, { temperature: 0 }),
    key,
  );
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
