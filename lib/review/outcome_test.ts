import assert from "node:assert/strict";
import { outcomeCheckConclusion, outcomeCommitState, type RunOutcome } from "./outcome.ts";

const COMPLETED: RunOutcome = { status: "completed", failedSteps: [] };
const PARTIAL: RunOutcome = { status: "partial", failedSteps: [{ name: "security", error: "401" }] };
const FAILED: RunOutcome = { status: "failed", failedSteps: [{ name: "bugs", error: "401" }] };

Deno.test("outcomeCheckConclusion() passes only a completed review that requests no changes", () => {
  const fail = { on_step_failure: "fail" as const };
  const neutral = { on_step_failure: "neutral" as const };
  assert.equal(outcomeCheckConclusion(COMPLETED, "COMMENT", fail), "success");
  assert.equal(outcomeCheckConclusion(COMPLETED, null, fail), "success");
  assert.equal(outcomeCheckConclusion(COMPLETED, "APPROVE", fail), "success");
  assert.equal(outcomeCheckConclusion(COMPLETED, "REQUEST_CHANGES", fail), "failure");
  assert.equal(outcomeCheckConclusion(PARTIAL, "COMMENT", fail), "failure");
  assert.equal(outcomeCheckConclusion(FAILED, "COMMENT", fail), "action_required");
  // "Could not run" rather than "found problems" — and still not passing, unlike GitHub's `neutral`.
  assert.equal(outcomeCheckConclusion(PARTIAL, "COMMENT", neutral), "action_required");
  assert.equal(outcomeCheckConclusion(FAILED, null, neutral), "action_required");
});

Deno.test("outcomeCheckConclusion() and outcomeCommitState() agree on what passes", () => {
  for (const outcome of [COMPLETED, PARTIAL, FAILED]) {
    for (const event of ["COMMENT", "APPROVE", "REQUEST_CHANGES", null] as const) {
      for (const output of [{ on_step_failure: "fail" as const }, { on_step_failure: "neutral" as const }]) {
        assert.equal(
          outcomeCheckConclusion(outcome, event, output) === "success",
          outcomeCommitState(outcome, event, output) === "success",
          `${outcome.status} ${event} ${output.on_step_failure}`,
        );
      }
    }
  }
});
