/**
 * Code Insights reports (platforms.md §4.2): Bitbucket Cloud's place for a tool's findings on a commit, shown in
 * the pull request's Reports panel and as annotations on the diff's lines. Loom writes one report per reviewed
 * commit (`loom-review`) with an annotation per finding, beside the build status that merge checks read.
 * Reports have no state worth showing while a review runs (the build status is `INPROGRESS` then), so the report
 * is written when the review finishes: a `PUT` of the report (which replaces an earlier one for the commit, and
 * its annotations), then the annotations, 100 per request.
 */
import type { CheckConclusion, PublishesChecks, PullRequestRef } from "../types.ts";
import { truncate } from "../truncate.ts";
import { CODE_INSIGHTS_SEVERITY as SEVERITY } from "../code_insights.ts";

/** The report's id on each commit. */
export const REPORT_ID = "loom-review";
// Bitbucket's limits: 100 annotations per request, 1,000 per report, 2,000 characters of report details and
// of an annotation's details, 450 of an annotation's summary.
export const ANNOTATIONS_PER_REQUEST = 100;
const MAX_ANNOTATIONS = 1000;
const MAX_DETAILS = 2000;
const MAX_SUMMARY = 450;

/** What the report writer needs from the client that owns it. */
export interface ReportDeps {
  /** Sends one request; throws `PlatformError` naming `operation` for an error answer. */
  send(operation: string, url: string, init: { method: string; body: unknown }): Promise<unknown>;
  repoUrl(repo: string): string;
  /** The full hash of a possibly abbreviated one (Bitbucket webhooks send 12 characters). */
  resolveHash(repo: string, hash: string): Promise<string>;
}

/** The Code Insights ability of a Bitbucket Cloud client. */
export function createBitbucketReports(deps: ReportDeps): PublishesChecks {
  const links = new Map<string, string | undefined>();
  const result = (conclusion: CheckConclusion) => conclusion === "success" ? "PASSED" : "FAILED";
  return {
    checkReplacesStatus: false,

    async startCheckRun(pr, run) {
      const sha = await deps.resolveHash(pr.repo, run.sha);
      links.set(sha, run.detailsUrl);
      return sha;
    },

    async finishCheckRun(pr: PullRequestRef, id, outcome) {
      // A superseded review's commit never showed a report; writing one now would only say "cancelled".
      if (outcome.conclusion === "cancelled") return;
      const report = `${deps.repoUrl(pr.repo)}/commit/${id}/reports/${REPORT_ID}`;
      const link = links.get(id);
      await deps.send(`write the Code Insights report of "${id}" in "${pr.repo}"`, report, {
        method: "PUT",
        body: {
          title: "Loom review",
          details: truncate(outcome.title, MAX_DETAILS),
          "report_type": "BUG",
          reporter: "Loom",
          result: result(outcome.conclusion),
          ...(link === undefined ? {} : { link }),
        },
      });
      const annotations = outcome.annotations.slice(0, MAX_ANNOTATIONS);
      for (let start = 0; start < annotations.length; start += ANNOTATIONS_PER_REQUEST) {
        const batch = annotations.slice(start, start + ANNOTATIONS_PER_REQUEST);
        await deps.send(
          `annotate the Code Insights report of "${id}" in "${pr.repo}"`,
          `${report}/annotations`,
          {
            method: "POST",
            body: batch.map((annotation, index) => ({
              "external_id": `${REPORT_ID}-${start + index + 1}`,
              "annotation_type": annotation.level === "notice" ? "CODE_SMELL" : "BUG",
              path: annotation.path,
              line: annotation.startLine,
              summary: truncate(annotation.title, MAX_SUMMARY),
              details: truncate(annotation.message, MAX_DETAILS),
              severity: SEVERITY[annotation.level],
              result: "FAILED",
            })),
          },
        );
      }
    },
  };
}
