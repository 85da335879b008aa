/**
 * Decides which findings can be inline comments. Platforms reject comments on lines outside the diff (GitHub
 * answers 422 and drops the whole batch review, platforms.md §1.3 and §2), so every anchor is checked against the
 * parsed diff first and the rest go to the summary.
 */
import { createLineMap, type DiffFile, filePath, type LineMap } from "../diff/mod.ts";
import type { Finding } from "../findings.ts";

/** Findings split by whether they can be posted on a line of the diff. */
export interface AnchoredFindings {
  /** Findings whose `line..endLine` exists on their side, with `path` set to the file's path in the diff. */
  inline: Finding[];
  /** Findings for the summary, unchanged. */
  unanchored: Finding[];
}

/** Leading `./` or `/` that models and tools add to repository-relative paths. */
function normalisePath(path: string): string {
  let start = 0;
  while (path.startsWith("./", start)) start += 2;
  while (path.startsWith("/", start)) start += 1;
  return path.slice(start);
}

function fence(text: string): string {
  let longest = 0;
  for (const run of text.matchAll(/`+/g)) longest = Math.max(longest, run[0].length);
  return "`".repeat(Math.max(3, longest + 1));
}

/**
 * A suggestion replaces exactly `line..endLine`; once the range is clamped, applying it would overwrite the wrong
 * lines, so it is kept as plain text in the body instead.
 */
function withSuggestionInBody(finding: Finding, start: number, end: number): Finding {
  const { suggestion, ...rest } = finding;
  if (suggestion === undefined) return rest;
  const marks = fence(suggestion);
  const lines = end > start ? `lines ${start}-${end}` : `line ${start}`;
  return {
    ...rest,
    body: `${finding.body}\n\nSuggested replacement for ${lines}:\n\n${marks}\n${suggestion}\n${marks}`,
  };
}

/**
 * Splits findings into inline comments and summary items.
 *
 * A finding is inline when its path is in the diff and its `line` is shown on its side (RIGHT: added or context
 * new-file line; LEFT: deleted or context old-file line). A range is clamped to the hunk that shows `line`; when
 * `line` itself is not shown, to the part of the range inside the first hunk it intersects. A clamped finding's
 * suggestion moves into its body. Binary files never take inline comments, deleted files none on RIGHT. For
 * renamed files a path matching a new path wins over one matching an old path.
 *
 * @param findings findings from the review steps.
 * @param files the pull request's parsed diff.
 * @returns the inline findings (in input order, `endLine` omitted for single lines) and the rest.
 */
export function anchorFindings(findings: Finding[], files: DiffFile[]): AnchoredFindings {
  const byPath = new Map<string, DiffFile>();
  for (const file of files) {
    if (file.newPath !== null && !byPath.has(file.newPath)) byPath.set(file.newPath, file);
  }
  for (const file of files) {
    if (file.oldPath !== null && !byPath.has(file.oldPath)) byPath.set(file.oldPath, file);
  }
  const maps = new Map<DiffFile, LineMap>();
  const inline: Finding[] = [];
  const unanchored: Finding[] = [];

  for (const finding of findings) {
    const file = byPath.get(finding.path) ?? byPath.get(normalisePath(finding.path));
    if (
      file === undefined || file.binary || (finding.side === "RIGHT" && file.status === "deleted") ||
      !Number.isInteger(finding.line) || finding.line < 1
    ) {
      unanchored.push(finding);
      continue;
    }
    let map = maps.get(file);
    if (map === undefined) {
      map = createLineMap(file);
      maps.set(file, map);
    }
    const wantedEnd = finding.endLine !== undefined && Number.isInteger(finding.endLine) &&
        finding.endLine > finding.line
      ? finding.endLine
      : finding.line;
    const span = map.firstOverlap(finding.side, finding.line, wantedEnd);
    if (span === null) {
      unanchored.push(finding);
      continue;
    }
    const clamped = span.start !== finding.line || span.end !== wantedEnd;
    const base = clamped ? withSuggestionInBody(finding, finding.line, wantedEnd) : finding;
    const { endLine: _endLine, ...single } = base;
    inline.push(
      span.end > span.start
        ? { ...single, path: filePath(file), line: span.start, endLine: span.end }
        : { ...single, path: filePath(file), line: span.start },
    );
  }
  return { inline, unanchored };
}
