/** The machine-readable report: stable keys, no diff text, one JSON document. */
import type { ReviewReport } from "../local_review.ts";

/** Version of the JSON report's shape; raised when a key changes meaning or disappears. */
export const JSON_REPORT_VERSION = 1;

/** Renders the report as one JSON document (with a trailing newline). */
export function renderJson(report: ReviewReport): string {
  const document = {
    version: JSON_REPORT_VERSION,
    target: report.target,
    config: { source: report.configSource, ref: report.configRef },
    verdict: report.verdict,
    outcome: report.outcome,
    exitCode: report.exitCode,
    filesReviewed: report.filesReviewed,
    skippedFiles: report.skippedFiles,
    findings: report.findings.map((finding) => ({
      path: finding.path,
      line: finding.line,
      ...(finding.endLine === undefined ? {} : { endLine: finding.endLine }),
      side: finding.side,
      severity: finding.severity,
      title: finding.title,
      body: finding.body,
      ...(finding.suggestion === undefined ? {} : { suggestion: finding.suggestion }),
      step: finding.step,
      inDiff: finding.inDiff,
    })),
    steps: report.steps.map((step) => ({
      name: step.name,
      status: step.status,
      provider: step.provider,
      model: step.model,
      inputTokens: step.inputTokens,
      outputTokens: step.outputTokens,
      costUsd: step.costUsd,
      error: step.error,
    })),
    usage: { inputTokens: report.inputTokens, outputTokens: report.outputTokens, costUsd: report.costUsd },
  };
  return JSON.stringify(document, null, 2) + "\n";
}
