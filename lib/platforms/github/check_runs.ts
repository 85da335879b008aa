/**
 * Check runs (platforms.md §2.2): one per review, started in progress and completed with the review's conclusion
 * and a line annotation per finding. Only a GitHub App may write check runs (a personal or OAuth token gets 403),
 * so the client offers this ability only when it holds App credentials; a token install keeps commit statuses.
 */
import type { Octokit } from "@octokit/rest";
import type { CheckAnnotation, PublishesChecks, PullRequestRef } from "../types.ts";
import { truncate } from "../truncate.ts";

// GitHub takes at most 50 annotations per create or update request; more go in further updates.
export const ANNOTATIONS_PER_REQUEST = 50;
// Output limits (characters): title and summary of the output, and an annotation's title and message (64 KB,
// counted here in characters of up to four bytes each).
const MAX_TITLE = 255;
const MAX_SUMMARY = 65_535;
const MAX_MESSAGE = 16_383;

function toAnnotation(annotation: CheckAnnotation) {
  return {
    path: annotation.path,
    "start_line": annotation.startLine,
    "end_line": Math.max(annotation.endLine, annotation.startLine),
    "annotation_level": annotation.level,
    title: truncate(annotation.title, MAX_TITLE),
    message: truncate(annotation.message, MAX_MESSAGE),
  };
}

/** What the check-run writer needs from the client that owns it. */
export interface CheckRunDeps {
  octokit: Octokit;
  /** Runs one API call, turning its failure into a `PlatformError` that names `action`. */
  call<T>(action: string, run: () => Promise<T>): Promise<T>;
  splitRepo(pr: PullRequestRef): { owner: string; repo: string };
}

/** The check-run ability of a GitHub client with App credentials. */
export function createCheckRuns(deps: CheckRunDeps): PublishesChecks {
  const { octokit, call, splitRepo } = deps;
  return {
    checkReplacesStatus: true,

    async startCheckRun(pr, run) {
      const { owner, repo } = splitRepo(pr);
      const output = { title: truncate(run.title, MAX_TITLE), summary: truncate(run.summary, MAX_SUMMARY) };
      const details = run.detailsUrl === undefined ? {} : { "details_url": run.detailsUrl };
      return await call(`start check run "${run.name}" on "${run.sha}" in "${pr.repo}"`, async () => {
        // A retried review (its worker died, or an attempt failed) takes over the run its earlier attempt left in
        // progress, so the commit never shows a run that spins forever beside the real one.
        const { data: listed } = await octokit.rest.checks.listForRef({
          owner,
          repo,
          ref: run.sha,
          "check_name": run.name,
          status: "in_progress",
          filter: "latest",
        });
        const earlier = listed.check_runs.find((item) => item.name === run.name && item.head_sha === run.sha);
        if (earlier !== undefined) {
          await octokit.rest.checks.update({ owner, repo, "check_run_id": earlier.id, ...details, output });
          return String(earlier.id);
        }
        const { data } = await octokit.rest.checks.create({
          owner,
          repo,
          name: run.name,
          "head_sha": run.sha,
          status: "in_progress",
          "started_at": new Date().toISOString(),
          ...details,
          output,
        });
        return String(data.id);
      });
    },

    async finishCheckRun(pr, id, result) {
      const { owner, repo } = splitRepo(pr);
      const checkRunId = Number(id);
      if (!Number.isSafeInteger(checkRunId) || checkRunId <= 0) {
        throw new TypeError(`Cannot finish GitHub check run "${id}": expected a numeric id`);
      }
      const output = {
        title: truncate(result.title, MAX_TITLE),
        summary: truncate(result.summary, MAX_SUMMARY),
      };
      const batches: CheckAnnotation[][] = [];
      for (let start = 0; start < result.annotations.length; start += ANNOTATIONS_PER_REQUEST) {
        batches.push(result.annotations.slice(start, start + ANNOTATIONS_PER_REQUEST));
      }
      // Annotations first, the conclusion last: a check run that reads completed has all of its annotations.
      const last = batches.pop() ?? [];
      for (const batch of batches) {
        await call(`annotate check run "${id}" in "${pr.repo}"`, async () => {
          await octokit.rest.checks.update({
            owner,
            repo,
            "check_run_id": checkRunId,
            output: { ...output, annotations: batch.map(toAnnotation) },
          });
        });
      }
      await call(`complete check run "${id}" in "${pr.repo}"`, async () => {
        await octokit.rest.checks.update({
          owner,
          repo,
          "check_run_id": checkRunId,
          status: "completed",
          conclusion: result.conclusion,
          "completed_at": new Date().toISOString(),
          output: { ...output, ...(last.length === 0 ? {} : { annotations: last.map(toAnnotation) }) },
        });
      });
    },
  };
}
