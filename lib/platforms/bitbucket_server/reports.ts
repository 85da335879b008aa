/**
 * Code Insights reports on Bitbucket Data Center / Server (5.15+, `/rest/insights/1.0`): the place for a tool's
 * findings on a commit, shown in the pull request's Reports panel and as annotations on the diff's lines. Loom
 * writes one report per reviewed commit (`loom-review`) with an annotation per finding, beside the build status
 * that merge checks read. The report is written when the review finishes (the build status is `INPROGRESS`
 * meanwhile): a `PUT` of the report, the removal of its earlier annotations (a re-review of the same commit),
 * then the annotations, 100 per request.
 */
import type { PublishesChecks, PullRequestRef } from "../types.ts";
import { truncate } from "../truncate.ts";
import { CODE_INSIGHTS_SEVERITY as SEVERITY } from "../code_insights.ts";

/** The report's key on each commit. */
export const REPORT_KEY = "loom-review";
// Data Center's limits: 1,000 annotations per report; 450 characters of a report title, 2,000 of its details
// and of an annotation's message.
export const ANNOTATIONS_PER_REQUEST = 100;
const MAX_ANNOTATIONS = 1000;
const MAX_DETAILS = 2000;
const MAX_MESSAGE = 2000;

/** What the report writer needs from the client that owns it. */
export interface ServerReportDeps {
  /** Sends one request; throws `PlatformError` naming `operation` for an error answer. */
  send(operation: string, url: string, init: { method: string; body?: unknown }): Promise<unknown>;
  /** The Code Insights URL of a repository (`…/rest/insights/1.0/projects/{key}/repos/{slug}`). */
  insightsUrl(repo: string): string;
}

/** The Code Insights ability of a Bitbucket Data Center client. */
export function createBitbucketServerReports(deps: ServerReportDeps): PublishesChecks {
  const links = new Map<string, string | undefined>();
  return {
    checkReplacesStatus: false,

    startCheckRun(_pr, run) {
      links.set(run.sha, run.detailsUrl);
      return Promise.resolve(run.sha);
    },

    async finishCheckRun(pr: PullRequestRef, sha, outcome) {
      // A superseded review's commit never showed a report; writing one now would only say "cancelled".
      if (outcome.conclusion === "cancelled") return;
      const report = `${deps.insightsUrl(pr.repo)}/commits/${encodeURIComponent(sha)}/reports/${REPORT_KEY}`;
      const link = links.get(sha);
      const name = `the Code Insights report of "${sha}" in "${pr.repo}"`;
      await deps.send(`write ${name}`, report, {
        method: "PUT",
        body: {
          title: "Loom review",
          details: truncate(outcome.title, MAX_DETAILS),
          result: outcome.conclusion === "success" ? "PASS" : "FAIL",
          reporter: "Loom",
          ...(link === undefined ? {} : { link }),
        },
      });
      await deps.send(`clear the annotations of ${name}`, `${report}/annotations`, { method: "DELETE" });
      const annotations = outcome.annotations.slice(0, MAX_ANNOTATIONS);
      for (let start = 0; start < annotations.length; start += ANNOTATIONS_PER_REQUEST) {
        const batch = annotations.slice(start, start + ANNOTATIONS_PER_REQUEST);
        await deps.send(`annotate ${name}`, `${report}/annotations`, {
          method: "POST",
          body: {
            annotations: batch.map((annotation, index) => ({
              externalId: `${REPORT_KEY}-${start + index + 1}`,
              path: annotation.path,
              line: annotation.startLine,
              message: truncate(`${annotation.title}: ${annotation.message}`, MAX_MESSAGE),
              severity: SEVERITY[annotation.level],
              type: annotation.level === "notice" ? "CODE_SMELL" : "BUG",
            })),
          },
        });
      }
    },
  };
}
