import assert from "node:assert/strict";
import { startFakeOpenAI } from "../../tests/fakes/openai.ts";
import { withConcurrencyLimit } from "./limit.ts";
import { createLimiter } from "../concurrency.ts";
import { createOpenAICompatibleClient } from "./openai_compatible.ts";
import { LlmError } from "./types.ts";

const ASK = [{ role: "user" as const, content: "Review this diff" }];

Deno.test("withConcurrencyLimit() never has more than N requests in flight", async () => {
  let inFlight = 0;
  let peak = 0;
  const release: (() => void)[] = [];
  await using fake = await startFakeOpenAI({
    reply: async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise<void>((resolve) => release.push(resolve));
      inFlight--;
      return "done";
    },
  });
  const limiter = createLimiter(2);
  const client = withConcurrencyLimit(
    createOpenAICompatibleClient({ model: "m", baseUrl: fake.url, apiKey: "k" }),
    limiter,
  );
  const calls = Array.from({ length: 5 }, () => client.chat(ASK));
  let answered = 0;
  while (answered < 5) {
    while (release.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    assert.ok(limiter.active <= 2);
    release.shift()?.();
    answered++;
  }
  const results = await Promise.all(calls);
  assert.equal(results.length, 5);
  assert.equal(peak, 2);
  assert.equal(fake.requests.length, 5);
  assert.equal(limiter.active, 0);
});

Deno.test("createLimiter() hands slots out in FIFO order and ignores a second release", async () => {
  const deployment = createLimiter(1);
  const order: string[] = [];
  const first = await deployment.acquire();
  const waiters = ["a", "b"].map((name) =>
    deployment.acquire().then((release) => {
      order.push(name);
      release();
    })
  );
  assert.equal(deployment.pending, 2);
  first();
  first();
  await Promise.all(waiters);
  assert.deepEqual(order, ["a", "b"]);
  assert.equal(deployment.active, 0);
});

Deno.test("withConcurrencyLimit() turns an abort while waiting into a cancelled LlmError", async () => {
  await using fake = await startFakeOpenAI();
  const limiter = createLimiter(1);
  const held = await limiter.acquire();
  const controller = new AbortController();
  const client = withConcurrencyLimit(
    createOpenAICompatibleClient({ model: "m", baseUrl: fake.url, apiKey: "k" }),
    limiter,
  );
  const pending = client.chat(ASK, { signal: controller.signal }).catch((error) => error);
  assert.equal(limiter.pending, 1);
  controller.abort();
  const error = await pending;
  assert.ok(error instanceof LlmError);
  assert.equal(error.cancelled, true);
  assert.equal(limiter.pending, 0);
  held();
  assert.equal(limiter.active, 0);
  assert.equal(fake.requests.length, 0);
});

Deno.test("withConcurrencyLimit() holds a slot for a whole stream", async () => {
  await using fake = await startFakeOpenAI({ reply: () => "one two" });
  const limiter = createLimiter(1);
  const client = withConcurrencyLimit(
    createOpenAICompatibleClient({ model: "m", baseUrl: fake.url, apiKey: "k" }),
    limiter,
  );
  const iterator = client.stream(ASK);
  assert.equal((await iterator.next()).value, "one ");
  assert.equal(limiter.active, 1);
  await iterator.return({ inputTokens: 0, outputTokens: 0 });
  assert.equal(limiter.active, 0);
});

Deno.test("createLimiter() rejects a limit below one", () => {
  assert.throws(() => createLimiter(0), RangeError);
});
