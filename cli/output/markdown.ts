/** A Markdown report, for CI job summaries (`$GITHUB_STEP_SUMMARY`) or a comment posted by other tooling. */
import type { Severity } from "../../lib/findings.ts";
import type { ReviewReport } from "../local_review.ts";

const SEVERITY_LABEL: Record<Severity, string> = {
  blocker: "🛑 blocker",
  warning: "⚠️ warning",
  info: "💡 info",
};

function fence(text: string): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (match) => match[0].length));
  return "`".repeat(longest + 1);
}

function escapeCell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

/** Renders the report as GitHub-flavoured Markdown. */
export function renderMarkdown(report: ReviewReport): string {
  const counts = { blocker: 0, warning: 0, info: 0 };
  for (const finding of report.findings) counts[finding.severity]++;
  const lines = ["## Loom review", ""];
  lines.push(
    report.outcome.status === "failed"
      ? `Nothing was reviewed in ${report.filesReviewed} file(s) (${report.target}): every step failed.`
      : report.findings.length === 0
      ? `No problems found in ${report.filesReviewed} file(s) (${report.target}).`
      : `${report.findings.length} finding(s) in ${report.filesReviewed} file(s) (${report.target}): ` +
        `${counts.blocker} blocker, ${counts.warning} warning, ${counts.info} info.`,
  );
  if (report.findings.length > 0) {
    lines.push("", "| Severity | Location | Finding | Step |", "| --- | --- | --- | --- |");
    for (const finding of report.findings) {
      lines.push(
        `| ${SEVERITY_LABEL[finding.severity]} | \`${escapeCell(finding.path)}:${finding.line}\` | ${
          escapeCell(finding.title)
        } | ${escapeCell(finding.step)} |`,
      );
    }
    lines.push("", "### Details");
    for (const finding of report.findings) {
      lines.push(
        "",
        `#### \`${finding.path}:${finding.line}\` — ${finding.title}`,
        "",
        `${SEVERITY_LABEL[finding.severity]} · ${finding.step}${finding.inDiff ? "" : " · outside the diff"}`,
        "",
        finding.body,
      );
      if (finding.suggestion !== undefined) {
        const marks = fence(finding.suggestion);
        lines.push("", "Suggested change:", "", `${marks}`, finding.suggestion, marks);
      }
    }
  }
  const failed = report.steps.filter((step) => step.error);
  if (failed.length > 0) {
    lines.push("", "### Steps that did not run", "");
    for (const step of failed) lines.push(`- **${step.name}**: ${step.error}`);
  }
  if (report.skippedFiles.length > 0) {
    lines.push("", "<details><summary>Skipped files</summary>", "");
    for (const file of report.skippedFiles) lines.push(`- \`${file.path}\`: ${file.reason}`);
    lines.push("", "</details>");
  }
  lines.push(
    "",
    `<sub>Steps: ${
      report.steps.map((step) => step.name).join(", ") || "none"
    } · tokens ${report.inputTokens} in / ${report.outputTokens} out · $${report.costUsd.toFixed(4)}${
      report.verdict === null ? "" : ` · verdict ${report.verdict}`
    }</sub>`,
  );
  return lines.join("\n") + "\n";
}
