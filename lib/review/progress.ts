/**
 * What a pull request shows while Loom reviews it: one progress comment ("Reviewing 12 files with 3 steps…"),
 * edited in place as steps finish, and a commit status that goes from pending to its final state, linking to the
 * review page of the dashboard. A pull request has one progress comment, re-used by every review of it, so
 * pushes do not pile up comments. The summary appears once per run: when the review carrying it was posted, the
 * progress comment ends as one line pointing to it; only when no review was posted does the comment become the
 * summary.
 *
 * A client that publishes check runs gets one per review, completed with the outcome's conclusion and an
 * annotation per finding on the diff: a GitHub App's check run `loom/review` in place of the commit status (when
 * it cannot be started, an App without the Checks permission, the commit status is used instead), Bitbucket's
 * Code Insights report beside its build status.
 *
 * Progress is a courtesy: a platform error here is logged and never fails or retries the review.
 */
import type { RepoConfig } from "../config/schema.ts";
import { pipelineSteps } from "./policy.ts";
import type { ReviewStepRecord } from "../db/reviews.ts";
import type { DiffFile } from "../diff/types.ts";
import { type Finding, Severity } from "../findings.ts";
import { skipReason } from "./skip.ts";
import type { Logger } from "../log.ts";
import {
  canPublishChecks,
  type CheckAnnotation,
  type CheckConclusion,
  type CommitState,
  type PlatformClient,
  type PullRequestRef,
} from "../platforms/types.ts";
import { sanitizeLine } from "./sanitize.ts";
import { PROGRESS_MARKER } from "../markers.ts";
import { listOwnComments } from "../platforms/own_comments.ts";

/** The commit status context Loom reports under. */
export const STATUS_CONTEXT = "loom/review";

/** The dashboard page of a review. */
export function reviewUrl(publicUrl: string, reviewId: number): string {
  return `${publicUrl.replace(/\/+$/, "")}/reviews/${reviewId}`;
}

/** Options of `createReviewProgress`. */
export interface ReviewProgressOptions {
  client: PlatformClient;
  ref: PullRequestRef;
  headSha: string;
  /** The dashboard page of the review, linked from the status and the comment. */
  url: string;
  log: Logger;
}

/** Reports one review's progress on the pull request. */
export interface ReviewProgress {
  /** Sets the pending status and posts (or, on a retry, re-uses) the progress comment. */
  start(input: { files: number; steps: string[] }): Promise<void>;
  /** Edits the progress comment after a step finished. */
  stepFinished(record: ReviewStepRecord): Promise<void>;
  /**
   * Ends the progress comment (one line when `summaryPosted`, else the summary itself) and sets the final status.
   */
  finish(input: {
    summary: string;
    summaryPosted: boolean;
    state: CommitState;
    description: string;
    /** The check run's conclusion, where the client publishes check runs. */
    conclusion: CheckConclusion;
    /** The findings on lines of the new side of the diff, for the check run. */
    annotations: CheckAnnotation[];
  }): Promise<void>;
  /**
   * Ends a review that did not finish: the check run ends `cancelled` or `failure`, or the commit status is set to
   * `error`. A cancelled (superseded) review only ends its head's status or check run: the comment
   * already belongs to the newer review.
   */
  abandon(input: { reason: string; cancelled: boolean }): Promise<void>;
}

const STEP_ICON: Record<ReviewStepRecord["status"], string> = {
  completed: "✅",
  failed: "⚠️",
  skipped: "⏭️",
};

/** Creates the progress reporter of one review; nothing is sent until `start`. */
export function createReviewProgress(options: ReviewProgressOptions): ReviewProgress {
  const { client, ref, headSha, url, log } = options;
  const marker = PROGRESS_MARKER;
  let commentId: string | undefined;
  let files = 0;
  let steps: string[] = [];
  const finished = new Map<string, ReviewStepRecord>();
  // Steps finish concurrently; edits go out one at a time so the last one written is the newest.
  let queue: Promise<void> = Promise.resolve();

  const attempt = async (action: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      log.warn(`Cannot ${action}`, { error, pr: `${ref.repo}#${ref.number}` });
    }
  };
  const serial = (action: string, run: () => Promise<void>) => {
    queue = queue.then(() => attempt(action, run));
    return queue;
  };
  const setStatus = (state: CommitState, description: string) =>
    attempt(
      "set the review status",
      () =>
        client.setStatus(ref, { sha: headSha, state, description, targetUrl: url, context: STATUS_CONTEXT }),
    );
  const checks = canPublishChecks(client) ? client : null;
  // GitHub's check run stands for the status; Bitbucket's report goes beside its build status.
  const checkIsStatus = checks?.checkReplacesStatus === true;
  let checkRunId: string | undefined;
  // Whether the commit status was set: always beside a report (Bitbucket), and for a check run only in its place
  // (a client without check runs, or an App that could not start one).
  let pendingStatus = false;
  const startCheck = async (title: string, summary: string) => {
    try {
      checkRunId = await checks?.startCheckRun(ref, {
        sha: headSha,
        name: STATUS_CONTEXT,
        title,
        summary,
        detailsUrl: url,
      });
    } catch (error) {
      log.warn("Cannot start the check run; the commit status stands for it", {
        error,
        pr: `${ref.repo}#${ref.number}`,
      });
    }
  };
  const finishCheck = (result: Parameters<NonNullable<typeof checks>["finishCheckRun"]>[2]) =>
    attempt("complete the check run", async () => {
      if (checks !== null && checkRunId !== undefined) await checks.finishCheckRun(ref, checkRunId, result);
    });
  const write = async (body: string) => {
    if (commentId === undefined) commentId = await client.postComment(ref, body);
    else await client.updateComment(ref, commentId, body);
  };

  const progressBody = () => {
    const lines = [
      `⏳ **Loom is reviewing** ${headSha.slice(0, 7)}: ${files} file${
        files === 1 ? "" : "s"
      } with ${steps.length} step${steps.length === 1 ? "" : "s"} (${finished.size}/${steps.length} done)…`,
      "",
    ];
    for (const step of steps) {
      const record = finished.get(step);
      lines.push(
        record === undefined
          ? `- ⏳ ${step}`
          : `- ${STEP_ICON[record.status]} ${step}${record.error ? `: ${sanitizeLine(record.error)}` : ""}`,
      );
    }
    lines.push("", `<sub>[Review ${headSha.slice(0, 7)} on the dashboard](${url})</sub>`, marker);
    return lines.join("\n");
  };

  return {
    async start(input) {
      files = input.files;
      steps = input.steps;
      const reviewing = `Reviewing ${files} file${files === 1 ? "" : "s"}`;
      if (checks !== null) await startCheck(reviewing, `${reviewing} with ${steps.length} step(s).`);
      if (checkRunId === undefined || !checkIsStatus) {
        pendingStatus = true;
        await setStatus("pending", reviewing);
      }
      await serial("post the progress comment", async () => {
        const existing = await listOwnComments(client, ref);
        commentId = existing.find((comment) => !comment.inline && comment.body.includes(marker))?.id;
        await write(progressBody());
      });
    },
    async stepFinished(record) {
      finished.set(record.name, record);
      await serial("update the progress comment", () => write(progressBody()));
    },
    async finish(input) {
      const icon = input.state === "success" ? "✅" : input.state === "failure" ? "⛔" : "⚠️";
      // The copy leaves out the summary's hidden markers: the posted review is what later reviews read back.
      const body = input.summaryPosted
        ? `${icon} **Loom reviewed ${
          headSha.slice(0, 7)
        }**: ${input.description}. The summary is in Loom's ` +
          `review of this commit.\n\n<sub>[Review ${headSha.slice(0, 7)} on the dashboard](${url})</sub>`
        : input.summary.replace(/<!--[\s\S]*?-->/g, "").trimEnd();
      await serial("end the progress comment", () => write(`${body}\n\n${marker}`));
      await finishCheck({
        conclusion: input.conclusion,
        title: input.description,
        summary: input.summary.replace(/<!--[\s\S]*?-->/g, "").trimEnd(),
        annotations: input.annotations,
      });
      if (checkRunId === undefined || !checkIsStatus) await setStatus(input.state, input.description);
    },
    async abandon(input) {
      if (!input.cancelled) {
        await serial("close the progress comment", async () => {
          if (commentId === undefined) return;
          await write(
            `⏹️ **Loom could not finish the review of ${headSha.slice(0, 7)}**: ${input.reason}\n\n${marker}`,
          );
        });
      }
      if (checkIsStatus && checkRunId === undefined && !pendingStatus) {
        // Nothing shows a cancelled review that never started; a failed one gets a check run saying why.
        if (input.cancelled) return;
        await startCheck(input.reason, input.reason);
      }
      await finishCheck({
        conclusion: input.cancelled ? "cancelled" : "failure",
        title: input.cancelled ? "Review cancelled" : "Review failed",
        summary: input.reason,
        annotations: [],
      });
      if (checkRunId === undefined || !checkIsStatus) await setStatus("error", input.reason);
    },
  };
}

/** "2 blockers, 1 warning" — the final status description. */
export function describeFindings(findings: Finding[]): string {
  if (findings.length === 0) return "No new problems found";
  const counts = new Map<string, number>();
  for (const finding of findings) counts.set(finding.severity, (counts.get(finding.severity) ?? 0) + 1);
  return Severity.options
    .filter((severity) => counts.has(severity))
    .map((severity) => `${counts.get(severity)} ${severity}${counts.get(severity) === 1 ? "" : "s"}`)
    .join(", ");
}

/**
 * Starts reporting one review: the reviewable files (those no skip rule leaves out) and the enabled steps of
 * the default pipeline, linked to the review's dashboard page.
 */
export async function startReviewProgress(input: {
  client: PlatformClient;
  ref: PullRequestRef;
  headSha: string;
  reviewId: number;
  publicUrl: string;
  log: Logger;
  config: RepoConfig;
  files: DiffFile[];
}): Promise<ReviewProgress> {
  const progress = createReviewProgress({
    client: input.client,
    ref: input.ref,
    headSha: input.headSha,
    url: reviewUrl(input.publicUrl, input.reviewId),
    log: input.log,
  });
  await progress.start({
    files: input.files.filter((file) => skipReason(file) === null).length,
    steps: pipelineSteps(input.config).map((step) => step.name),
  });
  return progress;
}
