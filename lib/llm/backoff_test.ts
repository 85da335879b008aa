import assert from "node:assert/strict";
import { startFakeOpenAI } from "../../tests/fakes/openai.ts";
import { parseRateLimitReset } from "./_call.ts";
import { type BackoffStore, fingerprintKey } from "./backoff.ts";
import { createLlmClient, LlmError } from "./mod.ts";

function memoryStore(): BackoffStore & { waits: Map<string, number> } {
  const waits = new Map<string, number>();
  return {
    waits,
    notBefore: (provider, key) => Promise.resolve(waits.get(`${provider}/${key}`) ?? null),
    defer(provider, key, until) {
      waits.set(`${provider}/${key}`, Math.max(until, waits.get(`${provider}/${key}`) ?? 0));
      return Promise.resolve();
    },
  };
}

Deno.test("withSharedBackoff() keeps every client of a key from calling before the provider's reset", async () => {
  let clock = 1_000_000;
  const replies = [
    { status: 429, headers: { "x-ratelimit-reset-requests": "1m30s", "x-ratelimit-reset-tokens": "20ms" } },
    "ok",
  ];
  await using openai = await startFakeOpenAI({ reply: () => replies.shift() ?? "ok" });
  const store = memoryStore();
  const make = (apiKey: string) =>
    createLlmClient({ provider: "openai", model: "gpt-4o-mini", baseUrl: openai.url, apiKey }, {
      maxRetries: 0,
      backoff: { store, keyFingerprint: fingerprintKey(apiKey, openai.url), now: () => clock },
    });
  const first = make("sk-one");
  const sameKey = make("sk-one");
  await assert.rejects(
    first.chat([{ role: "user", content: "hi" }]),
    (error: LlmError) => error.status === 429,
  );
  const fingerprint = await fingerprintKey("sk-one", openai.url);
  assert.equal(store.waits.get(`openai/${fingerprint}`), clock + 90_000, "the longer reset counts");
  assert.ok(![...store.waits.keys()].some((key) => key.includes("sk-one")), "the key itself is never stored");

  clock += 89_000;
  await assert.rejects(
    sameKey.chat([{ role: "user", content: "hi" }]),
    (error: LlmError) =>
      error.retryable && error.retryAfterMs === 1_000 && /asked to wait until/.test(error.message),
  );
  assert.equal(openai.requests.length, 1, "no request while the provider waits");
  assert.equal(
    (await make("sk-two").chat([{ role: "user", content: "hi" }])).text,
    "ok",
    "another key is free",
  );
  clock += 1_000;
  assert.equal((await sameKey.chat([{ role: "user", content: "hi" }])).text, "ok");
});

Deno.test("parseRateLimitReset() reads OpenAI durations and Anthropic reset times", () => {
  const at = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(parseRateLimitReset(new Headers({ "x-ratelimit-reset-tokens": "6m0s" }), at), 360_000);
  assert.equal(parseRateLimitReset(new Headers({ "x-ratelimit-reset-requests": "250ms" }), at), 250);
  assert.equal(
    parseRateLimitReset(new Headers({ "anthropic-ratelimit-tokens-reset": "2026-01-01T00:00:42Z" }), at),
    42_000,
  );
  assert.equal(parseRateLimitReset(new Headers({ "x-ratelimit-reset-tokens": "soon" }), at), undefined);
  assert.equal(parseRateLimitReset(new Headers(), at), undefined);
});

Deno.test("withSharedBackoff() passes the provider's 429 on when the store cannot record the wait", async () => {
  await using openai = await startFakeOpenAI({
    reply: () => ({ status: 429, headers: { "retry-after": "30" } }),
  });
  const store: BackoffStore = {
    notBefore: () => Promise.resolve(null),
    defer: () => Promise.reject(new Error("Cannot reach the database")),
  };
  const client = createLlmClient(
    { provider: "openai", model: "gpt-4o-mini", baseUrl: openai.url, apiKey: "sk-one" },
    { maxRetries: 0, backoff: { store, keyFingerprint: "f" } },
  );
  await assert.rejects(
    client.chat([{ role: "user", content: "hi" }]),
    (error: unknown) => error instanceof LlmError && error.status === 429 && error.retryAfterMs === 30_000,
  );
});
