import assert from "node:assert/strict";
import { editDistance, suggest } from "./suggest.ts";

Deno.test("suggest() proposes close keys only", () => {
  assert.equal(suggest("trigers", ["triggers", "models"]), "triggers");
  assert.equal(suggest("maxComments", ["max_comments", "summary"]), "max_comments");
  assert.equal(suggest("severty", ["severity", "script"]), "severity");
  assert.equal(suggest("colour", ["grouping", "summary"]), undefined);
  assert.equal(suggest("", ["a"]), undefined);
  assert.equal(suggest("a", []), undefined);
  assert.equal(editDistance("ab", "ba"), 1);
  assert.equal(editDistance("kitten", "sitting"), 3);
});
