/** Renders findings as platform comments: inline bodies with hidden fingerprints, and the review summary. */
import type { PlatformId } from "../platforms/types.ts";
import { type Finding, type Severity, SEVERITY_RANK } from "./findings.ts";

const SEVERITY_LABEL: Record<Severity, string> = {
  blocker: "🛑 Blocker",
  warning: "⚠️ Warning",
  info: "💡 Info",
};

/** Marks Loom's summary of one head commit, so a retried job finds it instead of posting another. */
export function summaryMarker(headSha: string): string {
  return `<!-- loom:summary head=${headSha} -->`;
}

export function readSummaryHeads(body: string): string[] {
  return Array.from(body.matchAll(/<!-- loom:summary head=([0-9a-zA-Z]+) -->/g), (match) => match[1]!);
}

/**
 * A replacement in the platform's own syntax (platforms.md §7): GitHub's `suggestion` block, GitLab's
 * `suggestion:-0+N`, and a plain `diff` block where the platform has none.
 */
export function renderSuggestion(platform: PlatformId, finding: Finding, originalLines?: string[]): string {
  const replacement = finding.suggestion ?? "";
  const lineCount = (finding.endLine ?? finding.line) - finding.line;
  if (finding.side === "RIGHT" && platform === "github") return "```suggestion\n" + replacement + "\n```";
  if (finding.side === "RIGHT" && platform === "gitlab") {
    return "```suggestion:-0+" + lineCount + "\n" + replacement + "\n```";
  }
  const removed = (originalLines ?? []).map((line) => `-${line}`);
  const added = replacement.split("\n").map((line) => `+${line}`);
  return "```diff\n" + [...removed, ...added].join("\n") + "\n```";
}

export function renderInlineBody(
  platform: PlatformId,
  finding: Finding,
  marker: string,
  originalLines?: string[],
): string {
  const parts = [`**${SEVERITY_LABEL[finding.severity]}: ${finding.title}**`, finding.body];
  if (finding.suggestion !== undefined) parts.push(renderSuggestion(platform, finding, originalLines));
  parts.push(`<sub>Loom · ${finding.step}</sub>`, marker);
  return parts.filter((part) => part.length > 0).join("\n\n");
}

export interface SummaryInput {
  headSha: string;
  filesReviewed: number;
  inline: Finding[];
  /** Findings that could not be anchored to a line of the diff. */
  unanchored: Finding[];
  /** Findings already posted by an earlier review of this pull request. */
  alreadyPosted: number;
  skippedFiles: { path: string; reason: string }[];
  steps: { name: string; model?: string; inputTokens: number; outputTokens: number; error?: string }[];
  costUsd: number;
}

function escapeCell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

export function renderSummary(input: SummaryInput): string {
  const all = [...input.inline, ...input.unanchored];
  const counts = { blocker: 0, warning: 0, info: 0 };
  for (const finding of all) counts[finding.severity]++;
  const lines = [`## Loom review`, ""];
  lines.push(
    all.length === 0
      ? `No new problems found in ${input.filesReviewed} file${input.filesReviewed === 1 ? "" : "s"}.`
      : `Reviewed ${input.filesReviewed} file${input.filesReviewed === 1 ? "" : "s"}: ` +
        `${counts.blocker} blocker, ${counts.warning} warning, ${counts.info} info.`,
  );
  if (input.alreadyPosted > 0) {
    lines.push(`${input.alreadyPosted} finding(s) from an earlier review are not repeated.`);
  }
  if (input.unanchored.length > 0) {
    lines.push(
      "",
      "### Findings outside the diff",
      "",
      "| Severity | File | Line | Finding |",
      "| --- | --- | --- | --- |",
    );
    for (
      const finding of [...input.unanchored].sort((a, b) =>
        SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]
      )
    ) {
      lines.push(
        `| ${finding.severity} | \`${escapeCell(finding.path)}\` | ${finding.line} | **${
          escapeCell(finding.title)
        }** — ${escapeCell(finding.body)} |`,
      );
    }
  }
  if (input.skippedFiles.length > 0) {
    lines.push("", "<details><summary>Skipped files</summary>", "");
    for (const file of input.skippedFiles) lines.push(`- \`${file.path}\`: ${file.reason}`);
    lines.push("", "</details>");
  }
  const failed = input.steps.filter((step) => step.error);
  if (failed.length > 0) {
    lines.push("", "### Steps that failed", "");
    for (const step of failed) lines.push(`- **${step.name}**: ${step.error}`);
  }
  const tokensIn = input.steps.reduce((sum, step) => sum + step.inputTokens, 0);
  const tokensOut = input.steps.reduce((sum, step) => sum + step.outputTokens, 0);
  lines.push(
    "",
    `<sub>Steps: ${
      input.steps.map((step) => step.name).join(", ") || "none"
    } · tokens ${tokensIn} in / ${tokensOut} out · $${input.costUsd.toFixed(4)}</sub>`,
    summaryMarker(input.headSha),
  );
  return lines.join("\n");
}
