import assert from "node:assert/strict";
import { formatCost, formatDuration, isLivePhase, statusLabel, verdictLabel } from "./format.ts";

Deno.test("formatCost keeps a fraction of a cent non-zero", () => {
  assert.equal(formatCost(0.0017), "$0.0017");
  assert.equal(formatCost(0.0009), "$0.0009");
  assert.equal(formatCost(0.000042), "$0.000042");
  assert.equal(formatCost(0.25), "$0.2500");
  assert.equal(formatCost(12.4), "$12.40");
  assert.equal(formatCost(0), "$0");
});

Deno.test("formatDuration writes seconds below a minute", () => {
  assert.equal(formatDuration(640), "640 ms");
  assert.equal(formatDuration(8_400), "8.4 s");
  assert.equal(formatDuration(42_000), "42.0 s");
  assert.equal(formatDuration(185_000), "3 min 5 s");
  assert.equal(formatDuration(null), "—");
});

Deno.test("verdictLabel and statusLabel use words, not platform constants", () => {
  assert.equal(verdictLabel("REQUEST_CHANGES"), "Changes requested");
  assert.equal(verdictLabel("APPROVE"), "Approved");
  assert.equal(verdictLabel("COMMENT"), "Commented");
  assert.equal(verdictLabel(null), "—");
  assert.equal(statusLabel("in_progress"), "Running");
  assert.equal(statusLabel("queued"), "Queued");
});

Deno.test("isLivePhase is true only while a review is queued or running", () => {
  assert.deepEqual(
    ["queued", "running", "completed", "partial", "failed", "cancelled", "skipped"].filter(isLivePhase),
    ["queued", "running"],
  );
});
