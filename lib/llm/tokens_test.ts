import assert from "node:assert/strict";
import { createTokenCounter, estimateTokens } from "./tokens.ts";

Deno.test("createTokenCounter() uses the OpenAI tokenizer and estimates for other providers", async () => {
  const openai = await createTokenCounter("openai");
  assert.equal(openai("hello world"), 2);
  // Special-token text in a diff is ordinary text, not an error.
  assert.ok(openai("<|endoftext|>") > 0);
  assert.equal((await createTokenCounter("anthropic"))("x".repeat(35)), 10);
  assert.equal(await createTokenCounter("google"), estimateTokens);
});
