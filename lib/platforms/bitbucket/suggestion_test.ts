import assert from "node:assert/strict";
import { hasSuggestion, suggestionToDiffBlock } from "./suggestion.ts";

Deno.test("suggestionToDiffBlock() replaces a suggestion block with removed and added lines", () => {
  const body = "Rename it.\n\n```suggestion\nconst total = 1;\nconst count = 2;\n```\nThanks";
  assert.equal(
    suggestionToDiffBlock(body, ["const t = 1;"]),
    "Rename it.\n\n```diff\n-const t = 1;\n+const total = 1;\n+const count = 2;\n```\nThanks",
  );
});

Deno.test("suggestionToDiffBlock() shows only added lines when the original is unknown", () => {
  assert.equal(suggestionToDiffBlock("```suggestion\nx\n```", null), "```diff\n+x\n```");
});

Deno.test("suggestionToDiffBlock() renders an empty suggestion as a deletion", () => {
  assert.equal(suggestionToDiffBlock("```suggestion\n```", ["gone();"]), "```diff\n-gone();\n```");
});

Deno.test("suggestionToDiffBlock() keeps longer fences and leaves other code blocks alone", () => {
  const body = "````suggestion\n```js\ncode\n```\n````\n\n```ts\nkeep\n```";
  assert.equal(
    suggestionToDiffBlock(body, ["old"]),
    "````diff\n-old\n+```js\n+code\n+```\n````\n\n```ts\nkeep\n```",
  );
});

Deno.test("hasSuggestion() detects only suggestion fences", () => {
  assert.equal(hasSuggestion("```suggestion\nx\n```"), true);
  assert.equal(hasSuggestion("```ts\nx\n```"), false);
  assert.equal(hasSuggestion("a suggestion in prose"), false);
});
