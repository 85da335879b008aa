/** Renders findings as platform comments: inline bodies with hidden fingerprints, and the review summary. */
import type { PlatformId } from "../platforms/types.ts";
import { PLATFORM_CAPABILITIES } from "../platforms/mod.ts";
import { type Finding, type Severity, SEVERITY_RANK } from "../findings.ts";
import { summaryMarker } from "../markers.ts";
import { fenceFor } from "./prompt.ts";
import { defuseCode, sanitizeLine, sanitizeMarkdown } from "./sanitize.ts";
import type { RunOutcome } from "./outcome.ts";

const SEVERITY_LABEL: Record<Severity, string> = {
  blocker: "🛑 Blocker",
  warning: "⚠️ Warning",
  info: "💡 Info",
};

/**
 * A replacement in the platform's own syntax, as its capabilities declare it (platforms.md §7): a `suggestion`
 * block (GitHub, Azure DevOps: replaces the commented line or range), GitLab's `suggestion:-N+0` (the comment sits
 * on the range's last line), a single-line `suggestion` block (Bitbucket Data Center), and a `diff` block of the original lines against the replacement where the platform
 * has no committable syntax (Bitbucket Cloud, Gitea) or for the LEFT side, which no platform lets a suggestion
 * replace.
 */
export function renderSuggestion(platform: PlatformId, finding: Finding, originalLines?: string[]): string {
  const replacement = defuseCode(finding.suggestion ?? "");
  const lineCount = (finding.endLine ?? finding.line) - finding.line;
  const syntax = PLATFORM_CAPABILITIES[platform].suggestionSyntax;
  // The fence is longer than any run of backticks inside, so the suggestion cannot close it and break out.
  // Bitbucket Data Center applies a suggestion to the commented line only (BSERV-4553): a range gets a diff block.
  if (
    finding.side === "RIGHT" &&
    (syntax === "suggestion" || (syntax === "suggestion-single-line" && lineCount === 0))
  ) {
    const fence = fenceFor(replacement);
    return `${fence}suggestion\n${replacement}\n${fence}`;
  }
  // GitLab takes at most 100 lines above the commented one.
  if (finding.side === "RIGHT" && syntax === "suggestion-range-above" && lineCount <= 100) {
    // A range is posted on its last line, so the replaced lines are the ones above it.
    const fence = fenceFor(replacement);
    return `${fence}suggestion:-${lineCount}+0\n${replacement}\n${fence}`;
  }
  const removed = (originalLines ?? []).map((line) => `-${defuseCode(line)}`);
  const added = replacement.split("\n").map((line) => `+${line}`);
  const lines = [...removed, ...added].join("\n");
  const fence = fenceFor(lines);
  return `${fence}diff\n${lines}\n${fence}`;
}

export function renderInlineBody(
  platform: PlatformId,
  finding: Finding,
  marker: string,
  originalLines?: string[],
): string {
  // Title, body and suggestion come from a model or a repository's script: untrusted (sanitize.ts).
  const parts = [
    `**${SEVERITY_LABEL[finding.severity]}: ${sanitizeLine(finding.title)}**`,
    sanitizeMarkdown(finding.body),
  ];
  if (finding.suggestion !== undefined) parts.push(renderSuggestion(platform, finding, originalLines));
  parts.push(`<sub>Loom · ${finding.step}</sub>`, marker);
  return parts.filter((part) => part.length > 0).join("\n\n");
}

export interface SummaryStep {
  name: string;
  model?: string;
  inputTokens: number;
  /** Part of `inputTokens` served from the provider's prompt cache (billed at its cached rate). */
  cachedInputTokens?: number;
  outputTokens: number;
  error?: string;
  /** LLM calls the step made (chunks of the diff). */
  calls?: number;
  costUsd?: number;
}

export interface SummaryInput {
  headSha: string;
  filesReviewed: number;
  inline: Finding[];
  /** Findings that could not be anchored to a line of the diff, or that did not fit `max_comments`. */
  unanchored: Finding[];
  /**
   * Findings an earlier summary listed that this run still reports, listed again only because this summary
   * replaces that one (`summaryEditedInPlace`); not counted as new.
   */
  carried?: Finding[];
  /** Findings already posted by an earlier review of this pull request (inline, in a summary, or carried). */
  alreadyPosted: number;
  skippedFiles: { path: string; reason: string }[];
  steps: SummaryStep[];
  costUsd: number;
  /** How the summary lists its findings (`output.grouping`); default "file". */
  grouping?: "file" | "severity" | "step";
  /** Secret-looking values redacted before the diff went to a model, by kind. */
  redactions?: Partial<Record<string, number>>;
  /** Set when only the commits since an earlier reviewed head were reviewed. */
  incrementalFrom?: string;
  /** Code context given beside the diff (`code_context.ts`); absent when none was asked for. */
  codeContext?: {
    blocks: number;
    tokens: number;
    omittedBlocks: number;
    omittedTokens: number;
    note?: string;
  };
  /** A run whose steps did not all run says so first; absent means completed. */
  outcome?: RunOutcome;
  /** Findings of this run not posted because a learning suppresses them. */
  suppressedByLearnings?: number;
  /** One-line notes about what the review was given (tickets read, tickets that could not be read). */
  notes?: string[];
}

/** The coverage of the code context: what was given, what the budget left out, and why it is partial. */
function renderCodeContext(context: NonNullable<SummaryInput["codeContext"]>): string[] {
  const count = (value: number) => value.toLocaleString("en-US");
  const given = context.blocks === 0
    ? "Code context: none was found for these changes"
    : `Code context: ${count(context.blocks)} block${context.blocks === 1 ? "" : "s"} ` +
      `(${count(context.tokens)} tokens) of repository code and guidelines beside the diff`;
  // The engine trims a block that fits only in part: its cut lines count as left-out tokens, not as a block.
  const cut = count(context.omittedTokens);
  const left = context.omittedBlocks > 0
    ? `; ${count(context.omittedBlocks)} more (${cut} tokens) did not fit its budget.`
    : context.omittedTokens > 0
    ? `; ${cut} tokens were cut to fit its budget.`
    : ".";
  const lines = [given + left];
  if (context.note !== undefined) lines.push(`Code context is partial: ${sanitizeLine(context.note)}.`);
  return lines;
}

function escapeCell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

function bySeverity(a: Finding, b: Finding): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];
}

const MAX_SKIPPED_PATHS = 20;

/**
 * The review summary: counts, a table of findings per file and step, the findings that are not inline (grouped
 * by file, severity or step), redacted secrets, skipped files with the reason, failed steps, and per-step calls,
 * tokens and cost. Ends with the head's summary marker.
 */
export function renderSummary(input: SummaryInput): string {
  const all = [...input.inline, ...input.unanchored];
  const counts = { blocker: 0, warning: 0, info: 0 };
  for (const finding of all) counts[finding.severity]++;
  const plural = input.filesReviewed === 1 ? "" : "s";
  const lines = [`## Loom review`, ""];
  const outcome = input.outcome;
  if (outcome?.status === "failed") {
    // "No new problems found" would read as a pass.
    lines.push(
      "❌ **Nothing was reviewed**: every step failed, so this is not a pass. Fix the cause below and re-run.",
    );
  } else {
    if (outcome?.status === "partial") {
      const names = outcome.failedSteps.map((step) => `**${step.name}**`).join(", ");
      const its = outcome.failedSteps.length === 1 ? "its" : "their";
      lines.push(
        `⚠️ **Partial review**: ${names} failed, so ${its} concerns were not checked (see below).`,
        "",
      );
    }
    lines.push(
      all.length === 0
        ? `No new problems found in ${input.filesReviewed} file${plural}.`
        : `Reviewed ${input.filesReviewed} file${plural}: ` +
          `${counts.blocker} blocker, ${counts.warning} warning, ${counts.info} info.`,
    );
  }
  if (input.incrementalFrom !== undefined) {
    lines.push(
      `Only the changes since the last reviewed commit ${input.incrementalFrom.slice(0, 12)} were reviewed.`,
    );
  }
  if (input.codeContext !== undefined) lines.push(...renderCodeContext(input.codeContext));
  for (const note of input.notes ?? []) lines.push(sanitizeLine(note));
  const carried = input.carried ?? [];
  if (input.alreadyPosted > 0) {
    lines.push(
      carried.length > 0
        ? `${input.alreadyPosted} finding(s) from an earlier review are not repeated; ` +
          `${carried.length} of them this summary replaces are listed under "Still open from earlier reviews".`
        : `${input.alreadyPosted} finding(s) from an earlier review are not repeated.`,
    );
  }
  const suppressed = input.suppressedByLearnings ?? 0;
  if (suppressed > 0) {
    lines.push(`${suppressed} finding${suppressed === 1 ? "" : "s"} suppressed by learnings.`);
  }
  if (all.length > 0) lines.push("", ...renderFileTable(all));
  if (input.unanchored.length > 0) {
    lines.push("", "### Findings not posted inline");
    for (const [heading, findings] of groupFindings(input.unanchored, input.grouping ?? "file")) {
      lines.push("", `#### ${heading}`, "", ...renderFindingRows(findings));
    }
  }
  if (carried.length > 0) {
    lines.push("", "### Still open from earlier reviews", "", ...renderFindingRows(carried));
  }
  const redacted = Object.entries(input.redactions ?? {}).filter(([, count]) => (count ?? 0) > 0);
  if (redacted.length > 0) {
    const total = redacted.reduce((sum, [, count]) => sum + (count ?? 0), 0);
    lines.push(
      "",
      `### Possible secrets`,
      "",
      `${total} value(s) that look like credentials (${
        redacted.map(([kind, count]) => `${kind} ×${count}`).join(", ")
      }) were redacted before the diff was sent to a model. If they are real, rotate them.`,
    );
  }
  if (input.skippedFiles.length > 0) {
    const byReason = new Map<string, string[]>();
    for (const file of input.skippedFiles) {
      byReason.set(file.reason, [...(byReason.get(file.reason) ?? []), file.path]);
    }
    lines.push("", `<details><summary>Skipped files (${input.skippedFiles.length})</summary>`, "");
    for (const [reason, paths] of byReason) {
      const shown = paths.slice(0, MAX_SKIPPED_PATHS).map((path) => `\`${path}\``).join(", ");
      const more = paths.length > MAX_SKIPPED_PATHS ? ` and ${paths.length - MAX_SKIPPED_PATHS} more` : "";
      lines.push(`- ${reason}: ${shown}${more}`);
    }
    lines.push("", "</details>");
  }
  const failed = input.steps.filter((step) => step.error);
  if (failed.length > 0) {
    lines.push("", "### Steps that failed", "");
    // A script step's error quotes what the script printed.
    for (const step of failed) lines.push(`- **${step.name}**: ${sanitizeLine(step.error ?? "")}`);
  }
  if (input.steps.length > 0) {
    lines.push(
      "",
      "<details><summary>Steps, tokens and cost</summary>",
      "",
      "| Step | Model | Calls | Findings | Tokens in | Cached in | Tokens out | Cost |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const step of input.steps) {
      const found = all.filter((finding) => finding.step === step.name).length;
      lines.push(
        `| ${escapeCell(step.name)} | ${escapeCell(step.model ?? "—")} | ${
          step.calls ?? "—"
        } | ${found} | ${step.inputTokens} | ${step.cachedInputTokens ?? 0} | ${step.outputTokens} | ${
          step.costUsd === undefined ? "—" : `$${step.costUsd.toFixed(4)}`
        } |`,
      );
    }
    lines.push("", "</details>");
  }
  const tokensIn = input.steps.reduce((sum, step) => sum + step.inputTokens, 0);
  const tokensOut = input.steps.reduce((sum, step) => sum + step.outputTokens, 0);
  const tokensCached = input.steps.reduce((sum, step) => sum + (step.cachedInputTokens ?? 0), 0);
  const cachedNote = tokensCached > 0 ? ` (${tokensCached} cached)` : "";
  lines.push(
    "",
    `<sub>Steps: ${
      input.steps.map((step) => step.name).join(", ") || "none"
    } · tokens ${tokensIn} in${cachedNote} / ${tokensOut} out · $${input.costUsd.toFixed(4)}</sub>`,
    summaryMarker(input.headSha),
  );
  return lines.join("\n");
}

/** A table of findings, one row each: severity, file, line, step, title and body. */
function renderFindingRows(findings: readonly Finding[]): string[] {
  return [
    "| Severity | File | Line | Step | Finding |",
    "| --- | --- | --- | --- | --- |",
    ...findings.map((finding) =>
      `| ${SEVERITY_LABEL[finding.severity]} | \`${escapeCell(finding.path)}\` | ${finding.line} | ${
        escapeCell(finding.step)
      } | **${escapeCell(sanitizeLine(finding.title))}** — ${escapeCell(sanitizeLine(finding.body))} |`
    ),
  ];
}

/** Findings per file: counts by severity and the steps that reported them, files with blockers first. */
function renderFileTable(findings: Finding[]): string[] {
  const rows = new Map<string, { blocker: number; warning: number; info: number; steps: Set<string> }>();
  for (const finding of findings) {
    const row = rows.get(finding.path) ?? { blocker: 0, warning: 0, info: 0, steps: new Set<string>() };
    row[finding.severity]++;
    row.steps.add(finding.step);
    rows.set(finding.path, row);
  }
  const sorted = [...rows].sort(([pathA, a], [pathB, b]) =>
    b.blocker - a.blocker || b.warning - a.warning || b.info - a.info || (pathA < pathB ? -1 : 1)
  );
  return [
    "| File | Blocker | Warning | Info | Steps |",
    "| --- | --- | --- | --- | --- |",
    ...sorted.map(([path, row]) =>
      `| \`${escapeCell(path)}\` | ${row.blocker} | ${row.warning} | ${row.info} | ${
        [...row.steps].map(escapeCell).join(", ")
      } |`
    ),
  ];
}

/** Findings grouped for the summary, most severe first within and across groups. */
function groupFindings(findings: Finding[], grouping: "file" | "severity" | "step"): [string, Finding[]][] {
  const sorted = [...findings].sort(bySeverity);
  const groups = new Map<string, Finding[]>();
  for (const finding of sorted) {
    const key = grouping === "severity"
      ? SEVERITY_LABEL[finding.severity]
      : grouping === "step"
      ? `Step \`${finding.step}\``
      : `\`${finding.path}\``;
    groups.set(key, [...(groups.get(key) ?? []), finding]);
  }
  return [...groups];
}
