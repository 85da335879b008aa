import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import { countTokens as referenceCount } from "gpt-tokenizer";
import { createBpeCounter, parseTiktokenRanks } from "./bpe_counter.ts";
import { loadO200kCounter } from "./openai_tokens.ts";

const NO_SPECIAL_TOKENS = { disallowedSpecial: new Set<string>() };
const reference = (text: string) => referenceCount(text, NO_SPECIAL_TOKENS);
const encoder = new TextEncoder();

function rankFile(tokens: string[]): Uint8Array {
  const lines = tokens.map((token, rank) => `${btoa(String.fromCharCode(...encoder.encode(token)))} ${rank}`);
  return encoder.encode(lines.join("\n") + "\n");
}

async function sourceTexts(directory: string): Promise<string[]> {
  const texts: string[] = [];
  for await (const entry of Deno.readDir(directory)) {
    const path = join(directory, entry.name);
    if (entry.isDirectory) texts.push(...await sourceTexts(path));
    else if (/\.(ts|tsx|md|yaml|sql)$/.test(entry.name)) texts.push(await Deno.readTextFile(path));
  }
  return texts;
}

Deno.test("o200k counts equal gpt-tokenizer's on every source and doc file of this repository", async () => {
  const count = await loadO200kCounter();
  const root = new URL("../../", import.meta.url).pathname;
  const texts = [...await sourceTexts(join(root, "lib")), ...await sourceTexts(join(root, "docs"))];
  assert.ok(texts.length > 100, `only ${texts.length} files found`);
  for (const text of texts) assert.equal(count(text), reference(text));
});

Deno.test("o200k counts equal gpt-tokenizer's on scripts, emoji, marks, odd whitespace and special-token text", async () => {
  const count = await loadO200kCounter();
  const samples = [
    "",
    "hello world",
    "<|endoftext|> and <|im_start|>user",
    "日本語のコードレビューは難しいですね。",
    "Привет, мир! Ünïcödé façade naïve café",
    "مرحبا بالعالم — שלום עולם",
    "👩‍💻🚀✨ 🇩🇪 e\u0301 a\u0308",
    "\t\t  \n\n\r\n    \u00a0\u2003 trailing   ",
    " ".repeat(5000),
    "x".repeat(3000),
    "0123456789".repeat(40),
    "lone \ud800 surrogate \udfff here",
    "const 𝒳 = `${a}${b}`; // 🙂",
    "I'm we'll they've you'D SHE'S",
  ];
  for (const text of samples) assert.equal(count(text), reference(text), JSON.stringify(text.slice(0, 40)));
});

Deno.test("o200k counts equal gpt-tokenizer's on random Unicode text", async () => {
  const count = await loadO200kCounter();
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), (text) => count(text) === reference(text)),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => count(text) === reference(text)),
    { numRuns: 300 },
  );
});

Deno.test("o200k counts equal gpt-tokenizer's on pieces long enough for the heap merge", async () => {
  const count = await loadO200kCounter();
  // Letters without spaces or digits stay one piece, so these pieces are 300 to 3,000 bytes long.
  const letters = fc.string({
    unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéßø"),
    minLength: 300,
    maxLength: 3000,
  });
  fc.assert(fc.property(letters, (text) => count(text) === reference(text)), { numRuns: 60 });
  for (const text of [" ".repeat(20_000), "ab".repeat(3000), "\n".repeat(4000), "é".repeat(2000)]) {
    assert.equal(count(text), reference(text));
  }
});

Deno.test("byte-pair merging takes the lowest rank first and falls back to single bytes", () => {
  // Ranks: single letters, then "ab" before "bc", so "abc" merges to "ab" + "c"; "bcd" is not in the vocabulary.
  const table = parseTiktokenRanks(rankFile(["a", "b", "c", "d", "ab", "bc", "abc"]));
  assert.equal(table.size, 7);
  const count = createBpeCounter(table, /\S+|\s+/u);
  assert.equal(count("abc"), 1);
  assert.equal(count("abcd"), 2);
  assert.equal(count("bcd"), 2);
  assert.equal(count("dcba"), 4);
  // The space is not in this vocabulary; a byte no rank covers still counts as one token.
  assert.equal(count("abc abc"), 3);
  // 600 bytes in one piece take the heap merge: every "ab" first, then every "abc".
  assert.equal(count("abc".repeat(200)), 200);
  assert.equal(count("abcd".repeat(100)), 200);
  const bytes = encoder.encode("xabcx");
  assert.equal(table.rank(bytes, 1, 4), 6);
  assert.equal(table.rank(bytes, 0, 4), -1);
});

Deno.test("a malformed rank file is rejected with the line that is wrong", () => {
  assert.throws(() => parseTiktokenRanks(encoder.encode("YQ== 0\nYg==1\n")), /line 2 has no space/);
  assert.throws(
    () => parseTiktokenRanks(encoder.encode("YQ== 0\nY!== 1\n")),
    /line 2 has a token that is not base64/,
  );
  assert.throws(
    () => parseTiktokenRanks(encoder.encode("YQ== x\n")),
    /line 1 has a rank that is not a number/,
  );
});
