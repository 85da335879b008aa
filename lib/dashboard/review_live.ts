/**
 * One review as its live page shows it, as plain JSON: where it stands (queued, running, finished), every
 * planned step with its state, tokens, cost and time, and — once recorded — the findings and the posted summary.
 * The page renders it on the server and its island re-reads it from `/api/reviews/:id` while the review runs.
 */
import type { Db } from "../db/mod.ts";
import { getOrgReview } from "../db/analytics.ts";
import { listLiveSteps, type LiveStep } from "../db/review_progress.ts";
import type { StoredFinding } from "../db/reviews.ts";
import { getJob, type JobStatus } from "../queue/mod.ts";
import type { ServerConfig } from "../config/env.ts";
import { platformLinks } from "./links.ts";

export interface LiveFinding extends StoredFinding {
  /** The file and line on the platform, at the reviewed commit. */
  url: string | null;
}

export interface ReviewLive {
  id: number;
  /** `queued` while the review's job waits for a worker (first run or a retry), `running`, then the outcome. */
  phase: string;
  status: string;
  verdict: string | null;
  summary: string | null;
  error: string | null;
  /** What to do about a failure, in plain words. */
  nextStep: string | null;
  startedAt: number;
  finishedAt: number | null;
  steps: LiveStep[];
  /** Totals so far: while the review runs, the sum of its finished steps. */
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  findings: LiveFinding[];
  job: {
    id: number;
    status: JobStatus;
    attempts: number;
    maxAttempts: number;
    runAt: number;
    error: string | null;
  } | null;
  links: { pullRequest: string; commit: string } | null;
}

/** The review's phase from its own status and its job's: a job waiting for (another) attempt is "queued". */
export function reviewPhase(status: string, job: { status: JobStatus } | null): string {
  if (job?.status === "pending" && status !== "completed") return "queued";
  if (job?.status === "in_progress") return "running";
  return status;
}

export async function loadReviewLive(
  db: Db,
  config: Pick<
    ServerConfig,
    "githubApiUrl" | "gitlabUrl" | "giteaUrl" | "bitbucketUrl" | "bitbucketServerUrl" | "azureDevopsUrl"
  >,
  organizationId: number,
  reviewId: number,
): Promise<ReviewLive | null> {
  const found = await getOrgReview(db, organizationId, reviewId);
  if (!found) return null;
  const { review, steps: finished, findings } = found;
  const [job, steps] = await Promise.all([
    review.jobId === null ? null : getJob(db, review.jobId),
    listLiveSteps(db, review.id, finished),
  ]);
  const links = platformLinks(config, {
    platform: review.platform ?? "",
    repo: review.repoFullName ?? "",
    prNumber: review.prNumber,
    headSha: review.headSha,
  });
  const running = review.status === "running";
  const sum = (pick: (step: LiveStep) => number) => steps.reduce((total, step) => total + pick(step), 0);
  return {
    id: review.id,
    phase: reviewPhase(review.status, job),
    status: review.status,
    verdict: review.verdict,
    summary: review.summary === null ? null : review.summary.replace(/<!--[\s\S]*?-->/g, "").trim(),
    error: review.error,
    nextStep: review.nextStep ?? null,
    startedAt: review.startedAt,
    finishedAt: review.finishedAt,
    steps,
    inputTokens: running ? sum((step) => step.inputTokens) : review.inputTokens,
    outputTokens: running ? sum((step) => step.outputTokens) : review.outputTokens,
    costUsd: running ? sum((step) => step.costUsd) : review.costUsd,
    findings: findings.filter((finding) => finding.placement !== "duplicate").map((finding) => ({
      ...finding,
      url: links?.file(finding.path, finding.line, finding.endLine) ?? null,
    })),
    job: job && {
      id: job.id,
      status: job.status,
      attempts: job.attempts,
      maxAttempts: job.maxAttempts,
      runAt: job.runAt,
      error: job.error,
    },
    links: links && { pullRequest: links.pullRequest, commit: links.commit },
  };
}
