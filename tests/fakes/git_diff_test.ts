import assert from "node:assert/strict";
import { makeGitDiff } from "./git_diff.ts";

Deno.test("makeGitDiff() returns git's diff between a base and a head commit with stable shas", async () => {
  const files = {
    "src/kept.ts": { base: "one\ntwo\n", head: "one\n2\n" },
    "src/new.ts": { head: "fresh\n" },
    "src/old.ts": { base: "stale\n" },
    "docs/a.md": { base: "a\nb\nc\nd\ne\n" },
  };
  const first = await makeGitDiff(files, { renames: { "docs/a.md": "docs/b.md" } });
  const second = await makeGitDiff(files, { renames: { "docs/a.md": "docs/b.md" } });
  assert.match(first.baseSha, /^[0-9a-f]{40}$/);
  assert.match(first.headSha, /^[0-9a-f]{40}$/);
  assert.deepEqual(second, first);
  assert.ok(first.diff.includes("diff --git a/src/kept.ts b/src/kept.ts\n"));
  assert.ok(first.diff.includes(" one\n-two\n+2\n"));
  assert.ok(first.diff.includes("new file mode 100644"));
  assert.ok(first.diff.includes("--- a/src/old.ts\n+++ /dev/null\n"));
  assert.ok(first.diff.includes("rename from docs/a.md\nrename to docs/b.md\n"));
});
