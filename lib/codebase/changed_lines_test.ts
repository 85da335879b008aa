import assert from "node:assert/strict";
import { diffOf } from "../../tests/support/code_index.ts";
import { changedLinesOf, fullyVisible } from "./changed_lines.ts";

const BASE = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n";

Deno.test("changedLinesOf: added and replaced lines are the change, a pure deletion marks the line before it", () => {
  const replaced = changedLinesOf(diffOf("x.txt", BASE, BASE.replace("c\n", "C\n")));
  assert.deepEqual(replaced.hunks, [[3]], "the replaced line only, not the line before it");
  assert.deepEqual([...replaced.visible].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6]);

  const removed = changedLinesOf(diffOf("x.txt", BASE, BASE.replace("e\nf\n", "")));
  assert.deepEqual(removed.hunks, [[4]], "the head line the removed lines followed");

  const both = changedLinesOf(diffOf("x.txt", BASE, BASE.replace("b\n", "").replace("k\n", "K\nK2\n")));
  assert.deepEqual(both.hunks, [[1], [10, 11]]);
  assert.ok(fullyVisible(both.visible, 8, 12));
  assert.ok(!fullyVisible(both.visible, 4, 8));
});
