/**
 * SARIF 2.1.0, the format code-scanning dashboards read (GitHub code scanning, GitLab, Azure DevOps, IDE
 * viewers). One run, one rule per review step, one result per finding. Spec:
 * https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
 */
import { fingerprint } from "../../lib/review/fingerprint.ts";
import type { Severity } from "../../lib/findings.ts";
import type { ReportFinding, ReviewReport } from "../local_review.ts";

/** The schema URI SARIF consumers expect in `$schema`. */
export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";

const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  blocker: "error",
  warning: "warning",
  info: "note",
};

/** Options for `renderSarif`. */
export interface SarifOptions {
  /** Tool version written to `tool.driver.version`. */
  version?: string;
}

/** Renders the report as a SARIF 2.1.0 log (one JSON document with a trailing newline). */
export function renderSarif(report: ReviewReport, options: SarifOptions = {}): string {
  const stepNames = [
    ...new Set([...report.steps.map((step) => step.name), ...report.findings.map((f) => f.step)]),
  ];
  const rules = stepNames.map((name) => ({
    id: ruleId(name),
    name,
    shortDescription: { text: `Loom review step "${name}"` },
  }));
  const failed = report.steps.filter((step) => step.error);
  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [{
      tool: {
        driver: {
          name: "Loom",
          ...(options.version === undefined ? {} : { version: options.version }),
          rules,
        },
      },
      originalUriBaseIds: { SRCROOT: { description: { text: "The repository root." } } },
      invocations: [{
        executionSuccessful: true,
        toolExecutionNotifications: failed.map((step) => ({
          level: "warning",
          message: { text: `Step "${step.name}" did not run: ${step.error}` },
        })),
      }],
      results: report.findings.map((finding) => result(finding, stepNames.indexOf(finding.step))),
      properties: {
        target: report.target,
        verdict: report.verdict,
        inputTokens: report.inputTokens,
        outputTokens: report.outputTokens,
        costUsd: report.costUsd,
      },
    }],
  };
  return JSON.stringify(log, null, 2) + "\n";
}

function ruleId(step: string): string {
  return `loom/${step}`;
}

function result(finding: ReportFinding, ruleIndex: number) {
  const artifactLocation = { uri: encodeURI(finding.path), uriBaseId: "SRCROOT" };
  // A removed line's number belongs to the old file; the log describes the new tree, so it carries no region.
  const region = finding.side === "RIGHT"
    ? { startLine: finding.line, ...(finding.endLine === undefined ? {} : { endLine: finding.endLine }) }
    : undefined;
  return {
    ruleId: ruleId(finding.step),
    ruleIndex,
    level: LEVEL[finding.severity],
    message: { text: `${finding.title}\n\n${finding.body}`.trim() },
    locations: [{ physicalLocation: { artifactLocation, ...(region === undefined ? {} : { region }) } }],
    partialFingerprints: { "loomFindingHash/v1": fingerprint(finding) },
    properties: {
      severity: finding.severity,
      side: finding.side,
      inDiff: finding.inDiff,
      ...(finding.side === "LEFT" ? { oldLine: finding.line } : {}),
    },
    ...(finding.suggestion === undefined || region === undefined ? {} : {
      fixes: [{
        description: { text: "Suggested change" },
        artifactChanges: [{
          artifactLocation,
          replacements: [{
            deletedRegion: { startLine: region.startLine, endLine: region.endLine ?? region.startLine },
            insertedContent: {
              text: finding.suggestion.endsWith("\n") ? finding.suggestion : `${finding.suggestion}\n`,
            },
          }],
        }],
      }],
    }),
  };
}
