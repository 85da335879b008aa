/**
 * What a run's outcome is, decided from its steps, the same way for the worker and the command line:
 * - `completed`: every configured step ran (a step with no matching files ran and found nothing);
 * - `partial`: some steps failed and at least one ran — the summary names the failed ones and why;
 * - `failed`: no step ran (a model answering 401 to every call) — nothing was reviewed, which is never a pass.
 * A run that is not `completed` never approves and never sets a `success` status: `on_step_failure: fail` (the
 * default) sets `failure`, `neutral` sets `error` (GitLab and Bitbucket know only "failed").
 */
import type { OutputConfig } from "../config/schema.ts";
import type { ReviewStepRecord } from "../db/reviews.ts";
import type { CheckConclusion, CommitState, ReviewEvent } from "../platforms/types.ts";

/** A step that did not run, and why. */
export interface StepFailure {
  name: string;
  error: string;
}

/** A run's outcome. */
export interface RunOutcome {
  status: "completed" | "partial" | "failed";
  /** In the order of the pipeline. */
  failedSteps: StepFailure[];
}

/** Decides the outcome from the steps' records. */
export function decideRunOutcome(
  steps: readonly Pick<ReviewStepRecord, "name" | "status" | "error">[],
): RunOutcome {
  // A skipped step with an error (a missing prompt) did not run either; one without an error had no files.
  const failedSteps = steps.filter((step) =>
    step.status === "failed" || (step.status === "skipped" && step.error)
  )
    .map((step) => ({ name: step.name, error: step.error ?? "failed" }));
  if (failedSteps.length === 0) return { status: "completed", failedSteps };
  const ran = steps.some((step) => step.status === "completed");
  return { status: ran ? "partial" : "failed", failedSteps };
}

/** The verdict a run may post: one that did not run every step does not approve. */
export function outcomeEvent(
  outcome: RunOutcome,
  event: ReviewEvent | null,
  summary: boolean,
): ReviewEvent | null {
  if (outcome.status === "completed") return event;
  if (event === "REQUEST_CHANGES") return event;
  // The summary must say which steps failed, even when the configuration would post nothing for no findings.
  return summary ? "COMMENT" : null;
}

/** The final commit status of a run. */
export function outcomeCommitState(
  outcome: RunOutcome,
  event: ReviewEvent | null,
  output: Pick<OutputConfig, "on_step_failure">,
): CommitState {
  if (outcome.status !== "completed") return output.on_step_failure === "neutral" ? "error" : "failure";
  return event === "REQUEST_CHANGES" ? "failure" : "success";
}

/**
 * The conclusion of a run's check run (GitHub Apps), by the same rules as its commit status: `success` only for
 * a completed run that does not request changes, `failure` for one that does and for a partial run, and
 * `action_required` for a failed run, which reviewed nothing: someone must fix the cause (the linked dashboard
 * page says what) and re-run it. Under `on_step_failure: neutral` a partial run is `action_required` too ("could
 * not run", not "found problems"). Never `neutral`: GitHub counts a neutral check as passing a required check,
 * and a run that did not run every step never passes.
 */
export function outcomeCheckConclusion(
  outcome: RunOutcome,
  event: ReviewEvent | null,
  output: Pick<OutputConfig, "on_step_failure">,
): CheckConclusion {
  if (outcome.status === "completed") return event === "REQUEST_CHANGES" ? "failure" : "success";
  if (outcome.status === "failed" || output.on_step_failure === "neutral") return "action_required";
  return "failure";
}

/** "Step security failed: …" — the outcome in plain words, or `null` for a completed run. */
export function describeOutcome(outcome: RunOutcome): string | null {
  if (outcome.status === "completed") return null;
  const names = outcome.failedSteps.map((step) => step.name).join(", ");
  const first = outcome.failedSteps[0]!;
  return outcome.status === "failed"
    ? `Nothing was reviewed: every step failed (${first.name}: ${first.error})`
    : `Partial review: ${
      outcome.failedSteps.length === 1 ? "step" : "steps"
    } ${names} failed (${first.name}: ${first.error})`;
}
