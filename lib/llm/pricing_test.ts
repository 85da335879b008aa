import assert from "node:assert/strict";
import { costOf, createPriceTable, parsePriceOverrides } from "./pricing.ts";

const MILLION = { inputTokens: 1_000_000, outputTokens: 1_000_000 };

Deno.test("costOf() prices known models per million tokens", () => {
  assert.deepEqual(costOf("openai", "gpt-4o-mini", { inputTokens: 2_000_000, outputTokens: 500_000 }), {
    usd: 0.6,
    known: true,
  });
  assert.deepEqual(costOf("anthropic", "claude-sonnet-4-5", MILLION), { usd: 18, known: true });
  assert.deepEqual(costOf("google", "gemini-2.5-pro", MILLION), { usd: 11.25, known: true });
});

Deno.test("costOf() resolves dated snapshots to the longest matching family", () => {
  assert.equal(costOf("openai", "gpt-4o-2024-08-06", MILLION).usd, 12.5);
  assert.equal(costOf("openai", "gpt-4o-mini-2024-07-18", MILLION).usd, 0.75);
  assert.equal(costOf("openai", "o3-mini", MILLION).usd, 5.5);
  assert.equal(costOf("anthropic", "claude-3-5-haiku-20241022", MILLION).usd, 4.8);
  assert.equal(costOf("google", "models/gemini-2.0-flash-001", MILLION).usd, 0.5);
});

Deno.test("costOf() prices self-hosted open-weight models at 0 and unknown models as unknown", () => {
  assert.deepEqual(costOf("openai", "llama3.1:8b", MILLION), { usd: 0, known: true });
  assert.deepEqual(costOf("openai", "qwen2.5-coder:32b", MILLION), { usd: 0, known: true });
  assert.deepEqual(costOf("openai", "my-finetune", MILLION), { usd: 0, known: false });
  assert.deepEqual(costOf("anthropic", "gpt-4o", MILLION), { usd: 0, known: false });
});

Deno.test("createPriceTable() applies deployment overrides", () => {
  const table = createPriceTable({
    "openai/gpt-4o": { input: 1, output: 2 },
    "openai/meta-llama/llama-3.3-70b": { input: 0.88, output: 0.88 },
    "anthropic/claude-new": { input: 4, output: 20 },
  });
  assert.equal(table.costOf("openai", "gpt-4o", MILLION).usd, 3);
  assert.equal(table.costOf("openai", "meta-llama/Llama-3.3-70B-Instruct-Turbo", MILLION).usd, 1.76);
  assert.deepEqual(table.costOf("anthropic", "claude-new-20260101", MILLION), { usd: 24, known: true });
  assert.equal(costOf("openai", "gpt-4o", MILLION).usd, 12.5);
});

Deno.test("createPriceTable() rejects an override without a provider", () => {
  assert.throws(() => createPriceTable({ "gpt-4o": { input: 1, output: 1 } }), TypeError);
});

Deno.test("parsePriceOverrides() reads JSON and names the invalid entry", () => {
  assert.deepEqual(parsePriceOverrides('{"openai/gpt-4o": {"input": 2.5, "output": 10}}'), {
    "openai/gpt-4o": { input: 2.5, output: 10 },
  });
  assert.throws(() => parsePriceOverrides('{"openai/x": {"input": -1, "output": 1}}'), {
    name: "TypeError",
    message: /^Cannot parse price overrides: "openai\/x.input"/,
  });
  assert.throws(() => parsePriceOverrides("{"), {
    name: "TypeError",
    message: /^Cannot parse price overrides: /,
  });
});

Deno.test("costOf() prices cached prompt tokens at the provider's cached rate", () => {
  // gpt-4o-mini: $0.15 input, $0.075 cached input, $0.6 output per million.
  const openai = costOf("openai", "gpt-4o-mini", {
    inputTokens: 1_000_000,
    cachedInputTokens: 800_000,
    outputTokens: 0,
  });
  assert.equal(openai.usd.toFixed(6), (0.2 * 0.15 + 0.8 * 0.075).toFixed(6));
  // Anthropic: reads at 0.1×, writes at 1.25× of $3.
  const anthropic = costOf("anthropic", "claude-sonnet-4-5", {
    inputTokens: 1_000_000,
    cachedInputTokens: 500_000,
    cacheWriteTokens: 250_000,
    outputTokens: 0,
  });
  assert.equal(anthropic.usd.toFixed(6), (0.25 * 3 + 0.5 * 0.3 + 0.25 * 3.75).toFixed(6));
  // Gemini: cached at 0.25× of $0.3.
  const google = costOf("google", "gemini-2.5-flash", {
    inputTokens: 1_000_000,
    cachedInputTokens: 1_000_000,
    outputTokens: 0,
  });
  assert.equal(google.usd.toFixed(6), "0.075000");
  // A model OpenAI does not discount is billed in full.
  assert.equal(costOf("openai", "o3-pro", { ...MILLION, cachedInputTokens: 1_000_000 }).usd, 100);
});

Deno.test("createPriceTable() takes a cached rate from an override", () => {
  const table = createPriceTable({ "openai/my-model": { input: 2, output: 0, cachedInput: 0.5 } });
  assert.equal(table.costOf("openai", "my-model", { ...MILLION, cachedInputTokens: 500_000 }).usd, 1.25);
});
