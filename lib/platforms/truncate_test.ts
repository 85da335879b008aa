import assert from "node:assert/strict";
import { truncate } from "./truncate.ts";

Deno.test("truncate() keeps a text within the limit and marks a cut one with …, at exactly the limit", () => {
  assert.equal(truncate("short", 5), "short");
  assert.equal(truncate("longer text", 6), "longe…");
  assert.equal(truncate("longer text", 6).length, 6);
});
