/**
 * A run's findings as check-run annotations: the findings on the new side of the diff (the lines of the commit a
 * check run belongs to), with the severity as GitHub's level. Findings on removed lines or outside the diff
 * have no line of the commit to point at; they stay in the summary.
 */
import { fingerprint } from "./fingerprint.ts";
import type { Finding, Severity } from "../findings.ts";
import type { CheckAnnotation } from "../platforms/types.ts";
import { sanitizeLine } from "./sanitize.ts";

const LEVEL: Record<Severity, CheckAnnotation["level"]> = {
  blocker: "failure",
  warning: "warning",
  info: "notice",
};

/**
 * The annotations of `reported` (the findings the run reports) that are among `anchored` (those on a line of the
 * diff), new side only.
 */
export function checkAnnotations(
  reported: readonly Finding[],
  anchored: readonly Finding[],
): CheckAnnotation[] {
  const onDiff = new Set(anchored.map(fingerprint));
  return reported
    .filter((finding) => finding.side === "RIGHT" && onDiff.has(fingerprint(finding)))
    .map((finding) => ({
      path: finding.path,
      startLine: finding.line,
      endLine: Math.max(finding.endLine ?? finding.line, finding.line),
      level: LEVEL[finding.severity],
      title: `${finding.severity}: ${sanitizeLine(finding.title)}`,
      // GitHub shows a message as plain text: nothing in it is rendered or links anywhere.
      message: `${finding.body.trim() || finding.title}\n\n(Loom · ${finding.step})`,
    }));
}
