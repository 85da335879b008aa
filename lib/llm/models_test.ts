import assert from "node:assert/strict";
import { startFakeAnthropic } from "../../tests/fakes/anthropic.ts";
import { startFakeOpenAI } from "../../tests/fakes/openai.ts";
import { createModelWiring } from "./models.ts";

Deno.test("createModelWiring() limits each provider on its own, within the deployment limit", async () => {
  let openaiInFlight = 0;
  let openaiPeak = 0;
  let releaseOpenAI!: () => void;
  const openaiGate = new Promise<void>((resolve) => (releaseOpenAI = resolve));
  let firstArrived!: () => void;
  const arrived = new Promise<void>((resolve) => (firstArrived = resolve));
  await using openai = await startFakeOpenAI({
    reply: async () => {
      openaiPeak = Math.max(openaiPeak, ++openaiInFlight);
      firstArrived();
      await openaiGate;
      openaiInFlight--;
      return "ok";
    },
  });
  await using anthropic = await startFakeAnthropic({ reply: () => "ok" });
  const wiring = createModelWiring({ concurrency: 8, providerConcurrency: 1 });
  const gpt = wiring.createLlm({
    provider: "openai",
    model: "gpt-4o-mini",
    baseUrl: openai.url,
    apiKey: "k",
  });
  const claude = wiring.createLlm({
    provider: "anthropic",
    model: "claude-haiku-4-5",
    baseUrl: anthropic.url,
    apiKey: "k",
  });
  const slow = [gpt.chat([{ role: "user", content: "a" }]), gpt.chat([{ role: "user", content: "b" }])];
  await arrived;
  // Anthropic is not held up by OpenAI's full slot.
  assert.equal((await claude.chat([{ role: "user", content: "c" }])).text, "ok");
  assert.equal(openai.requests.length, 1, "the second OpenAI call waits for the provider slot");
  releaseOpenAI();
  await Promise.all(slow);
  assert.equal(openaiPeak, 1);
  assert.equal(openai.requests.length, 2);
});

Deno.test("createModelWiring() prices usage with the deployment's overrides", () => {
  const wiring = createModelWiring({
    concurrency: 1,
    providerConcurrency: 1,
    priceOverrides: JSON.stringify({ "openai/house-model": { input: 1, output: 2 } }),
  });
  assert.equal(wiring.costOf("openai", "house-model", { inputTokens: 1_000_000, outputTokens: 500_000 }), 2);
  assert.equal(wiring.costOf("openai", "unknown-model", { inputTokens: 10, outputTokens: 10 }), 0);
});
