/**
 * Review-engine policy read from a repository's configuration: which enabled steps run and which files each
 * reviews, the extra instructions a file gets, how a step caps its findings' severity, which findings are
 * posted, and the verdict (request changes, approve, comment or nothing) the posted findings earn.
 */
import { compileFilter, compileGlobs } from "../config/globs.ts";
import type { OutputConfig, PipelineStep, RepoConfig } from "../config/schema.ts";
import { SEVERITY_RANK } from "../findings.ts";

// SEVERITY_RANK: lower is more severe; comparisons below read "at least as severe" as `<=`.

/** Whether an enabled step reviews the file at `path` (its `paths` filter). */
export function stepAppliesTo(step: PipelineStep, path: string): boolean {
  return step.enabled && compileFilter(step.paths)(path);
}

/** The `path_instructions` texts that apply to `path`, in file order. */
export function pathInstructionsFor(config: RepoConfig, path: string): string[] {
  return config.path_instructions
    .filter((entry) => compileGlobs(entry.paths)(path))
    .map((entry) => entry.instructions);
}

/**
 * The enabled steps of a pipeline, in order.
 * @throws {RangeError} when the configuration has no pipeline of that name
 */
export function pipelineSteps(config: RepoConfig, pipeline = "default"): PipelineStep[] {
  const steps = config.pipelines[pipeline];
  if (steps === undefined) {
    throw new RangeError(
      `Cannot find pipeline "${pipeline}": the configuration defines ${
        Object.keys(config.pipelines).join(", ")
      }`,
    );
  }
  return steps.filter((step) => step.enabled);
}

/** Lowers a finding's severity to the step's cap. */
export function capSeverity(
  step: Pick<PipelineStep, "severity">,
  severity: PipelineStep["severity"],
): PipelineStep["severity"] {
  return SEVERITY_RANK[severity] < SEVERITY_RANK[step.severity] ? step.severity : severity;
}

/** Whether a finding is severe enough to post under `output.min_severity`. */
export function meetsMinimumSeverity(output: OutputConfig, severity: PipelineStep["severity"]): boolean {
  return SEVERITY_RANK[severity] <= SEVERITY_RANK[output.min_severity];
}

/**
 * The review verdict for the findings that will be posted, or `null` when `output` says to post nothing.
 * @param output the parsed `output` section
 * @param severities severities of the findings, before `min_severity` filtering
 */
export function decideReviewEvent(
  output: OutputConfig,
  severities: readonly PipelineStep["severity"][],
): "REQUEST_CHANGES" | "APPROVE" | "COMMENT" | null {
  const posted = severities.filter((severity) => meetsMinimumSeverity(output, severity));
  const threshold = output.request_changes_on;
  if (
    threshold !== "never" && posted.some((severity) => SEVERITY_RANK[severity] <= SEVERITY_RANK[threshold])
  ) {
    return "REQUEST_CHANGES";
  }
  if (
    (output.approve_on === "no_findings" && posted.length === 0) ||
    (output.approve_on === "no_blockers" && !posted.includes("blocker"))
  ) {
    return "APPROVE";
  }
  if (output.comment_on === "always" || (output.comment_on === "findings" && posted.length > 0)) {
    return "COMMENT";
  }
  return null;
}
