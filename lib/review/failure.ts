/**
 * A failed review job in plain words: why it failed and what to do next, for the review record the dashboard
 * lists and for the pull request's status. Pure; `explainFailure` never throws.
 */
import { ConfigError } from "../config/errors.ts";
import { LlmError } from "../llm/types.ts";
import { PlatformError } from "../platforms/types.ts";
import { UnreviewableError } from "./unreviewable.ts";

/** Why a job failed and what to do about it. */
export interface FailureExplanation {
  reason: string;
  nextStep: string;
}

const PLATFORM_NAMES: Record<PlatformError["platform"], string> = {
  github: "GitHub",
  gitlab: "GitLab",
  bitbucket: "Bitbucket",
  bitbucket_server: "Bitbucket Data Center",
  gitea: "Gitea",
  azure_devops: "Azure DevOps",
};

/** Explains the error a job failed with for good, after `attempts` attempts. */
export function explainFailure(error: unknown, attempts: number): FailureExplanation {
  const message = error instanceof Error ? error.message : String(error);
  const after = attempts > 1 ? ` (after ${attempts} attempts)` : "";
  if (error instanceof ConfigError) {
    return {
      reason: `The repository's configuration cannot be used: ${message}`,
      nextStep: `Fix ${error.file} on the base branch${
        error.ref === undefined ? "" : ` "${error.ref}"`
      } (the comment on the pull request lists every problem); the next push or "@loom review" reviews again.`,
    };
  }
  if (error instanceof UnreviewableError) {
    return {
      reason: message,
      nextStep: error.nextStep ?? "Fix what the reason names, then re-run the review from the dashboard.",
    };
  }
  if (error instanceof PlatformError) {
    const platform = PLATFORM_NAMES[error.platform];
    if (error.status === 401) {
      return {
        reason: `${platform} refused Loom's credential (401): ${message}`,
        nextStep:
          `Replace the ${platform} token (or reinstall the app) Loom uses for this repository, then re-run the review.`,
      };
    }
    if (error.status === 403) {
      return {
        reason: `${platform} denied Loom access (403): ${message}`,
        nextStep:
          `Give Loom's ${platform} credential read access to the repository and write access to pull request comments and commit statuses, then re-run the review.`,
      };
    }
    if (error.status === 404) {
      return {
        reason: `${platform} could not find the pull request or repository (404): ${message}`,
        nextStep:
          `Check that the repository still exists under that name and that Loom's ${platform} credential can see it; reconnect it if it moved.`,
      };
    }
    return {
      reason: `${platform} kept failing${after}: ${message}`,
      nextStep: `Check ${platform}'s status page, then re-run the review from the dashboard.`,
    };
  }
  if (error instanceof LlmError) {
    return {
      reason: `The model provider kept failing${after}: ${message}`,
      nextStep:
        "Check the provider's status, rate limits and billing, then re-run the review from the dashboard.",
    };
  }
  return {
    reason: `${message}${after}`,
    nextStep:
      "Re-run the review from the dashboard; if it fails again, the server log has this job's details.",
  };
}
