/** The human-readable report: one block per finding with `file:line`, coloured when the terminal allows it. */
import type { Severity } from "../../lib/findings.ts";
import type { ReviewReport } from "../local_review.ts";

/** Options for `renderTerminal`. */
export interface TerminalOptions {
  /** ANSI colours; the caller decides (stdout is a TTY and `NO_COLOR` is unset). */
  color: boolean;
}

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  green: [32, 39],
} as const;

type Style = keyof typeof CODES;

const SEVERITY_STYLE: Record<Severity, Style> = { blocker: "red", warning: "yellow", info: "cyan" };

const VERDICT_TEXT = {
  REQUEST_CHANGES: "changes requested",
  APPROVE: "approved",
  COMMENT: "comments only",
} as const;

/** Renders the report for a terminal. */
export function renderTerminal(report: ReviewReport, options: TerminalOptions): string {
  const paint = (style: Style, text: string) =>
    options.color ? `\x1b[${CODES[style][0]}m${text}\x1b[${CODES[style][1]}m` : text;
  const lines: string[] = [];
  for (const finding of report.findings) {
    const location = `${finding.path}:${finding.line}${
      finding.endLine === undefined ? "" : `-${finding.endLine}`
    }`;
    const side = finding.side === "LEFT" ? " (removed line)" : "";
    const outside = finding.inDiff ? "" : paint("dim", " (outside the diff)");
    lines.push(
      `${paint("bold", location)}${side}${outside} ${
        paint(SEVERITY_STYLE[finding.severity], finding.severity)
      } ${paint("bold", finding.title)} ${paint("dim", `[${finding.step}]`)}`,
    );
    for (const line of finding.body.split("\n")) lines.push(`    ${line}`.trimEnd());
    if (finding.suggestion !== undefined) {
      lines.push(`    ${paint("dim", "Suggested change:")}`);
      for (const line of finding.suggestion.split("\n")) lines.push(`      ${paint("green", `+ ${line}`)}`);
    }
    lines.push("");
  }
  for (const step of report.steps) {
    if (step.status === "failed" || step.error) {
      lines.push(paint("red", `Step "${step.name}" did not run: ${step.error ?? "failed"}`));
    }
  }
  const counts = { blocker: 0, warning: 0, info: 0 };
  for (const finding of report.findings) counts[finding.severity]++;
  const files = `${report.filesReviewed} file${report.filesReviewed === 1 ? "" : "s"}`;
  lines.push(
    report.outcome.status === "failed"
      ? paint("red", `Nothing was reviewed in ${files} (${report.target}): every step failed.`)
      : report.findings.length === 0
      ? paint("green", `No problems found in ${files} (${report.target}).`)
      : `${report.findings.length} finding${
        report.findings.length === 1 ? "" : "s"
      } in ${files} (${report.target}): ` +
        [
          paint("red", `${counts.blocker} blocker`),
          paint("yellow", `${counts.warning} warning`),
          paint("cyan", `${counts.info} info`),
        ].join(", "),
  );
  lines.push(
    paint(
      "dim",
      `Tokens ${report.inputTokens} in / ${report.outputTokens} out · $${
        report.costUsd.toFixed(4)
      } · config: ${
        report.configSource === "default" ? "built-in default" : `.loom/config.yaml ${report.configRef}`
      }`,
    ),
  );
  if (report.verdict !== null) {
    const text = `Verdict: ${VERDICT_TEXT[report.verdict]}`;
    lines.push(report.verdict === "REQUEST_CHANGES" ? paint("red", paint("bold", text)) : text);
  }
  return lines.join("\n") + "\n";
}
