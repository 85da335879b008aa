/**
 * Stable identities for findings. Every posted comment carries a fingerprint marker (`lib/markers.ts`); a retried
 * or repeated review reads the markers back and skips findings already posted. The identity leaves out line numbers so a finding
 * that moved because of new commits above it is still recognised.
 */
import { createHash } from "node:crypto";
import {
  type Finding,
  normaliseTitle,
  SEVERITY_RANK,
  similarTitles,
  titleWords as words,
} from "../findings.ts";

export { normaliseTitle };

/**
 * A short stable hash of the finding's step, path and normalised title: the first 16 hex characters of SHA-256.
 * Line numbers, severity and body do not take part.
 */
export function fingerprint(finding: Finding): string {
  return createHash("sha256")
    .update(`${finding.step}\u0000${finding.path}\u0000${normaliseTitle(finding.title)}`)
    .digest("hex")
    .slice(0, 16);
}

/** Whether the two line ranges overlap or are at most 2 lines apart. */
function nearLines(a: Finding, b: Finding): boolean {
  const aEnd = Math.max(a.line, a.endLine ?? a.line);
  const bEnd = Math.max(b.line, b.endLine ?? b.line);
  return Math.max(a.line, b.line) - Math.min(aEnd, bEnd) <= 2;
}

interface Group {
  members: Finding[];
  words: string[][];
  steps: Set<string>;
}

/**
 * Merges findings from different steps that describe the same issue: same path and side, line ranges overlapping
 * or within 2 lines, and near-identical normalised titles (at least 80% of their words shared). Each group keeps
 * its most severe finding (the earliest on a tie), whose body then names the other steps. Findings from the same
 * step are never merged with each other.
 *
 * @returns one finding per group, in the order each group first appeared.
 */
export function mergeDuplicateFindings(findings: Finding[]): Finding[] {
  const groups: Group[] = [];
  const byLocation = new Map<string, Group[]>();
  for (const finding of findings) {
    const key = `${finding.side}\u0000${finding.path}`;
    const titleWords = words(normaliseTitle(finding.title));
    const candidates = byLocation.get(key) ?? [];
    const group = candidates.find((candidate) =>
      !candidate.steps.has(finding.step) &&
      candidate.members.some((member, index) =>
        nearLines(member, finding) && similarTitles(candidate.words[index], titleWords)
      )
    );
    if (group !== undefined) {
      group.members.push(finding);
      group.words.push(titleWords);
      group.steps.add(finding.step);
      continue;
    }
    const created: Group = { members: [finding], words: [titleWords], steps: new Set([finding.step]) };
    groups.push(created);
    candidates.push(created);
    byLocation.set(key, candidates);
  }
  return groups.map(({ members }) => {
    let kept = members[0];
    for (const member of members) {
      if (SEVERITY_RANK[member.severity] < SEVERITY_RANK[kept.severity]) kept = member;
    }
    const others = [...new Set(members.map((member) => member.step))].filter((step) => step !== kept.step);
    if (others.length === 0) return kept;
    const names = others.map((step) => `\`${step}\``).join(", ");
    return { ...kept, body: `${kept.body}\n\nAlso reported by ${names}.` };
  });
}
