/**
 * Incremental review: on a new push, only the hunks of the pull request that the commits since the last
 * reviewed head touched go to the models. Findings are still anchored against the full pull-request diff, and
 * what was already posted is still skipped by fingerprint, so the result matches a full review minus the
 * repeated work. Also picks the bot threads a push made outdated, for platforms that can resolve them.
 */
import { parseDiff } from "../diff/parse.ts";
import { type DiffFile, filePath, type Hunk } from "../diff/types.ts";
import {
  canCompareCommits,
  type ExistingComment,
  type PlatformClient,
  type PullRequestRef,
} from "../platforms/types.ts";
import { readFingerprints, readSummaryHeads } from "../markers.ts";

/**
 * The head Loom last posted a summary for on this pull request, other than `currentHead`: the last summary marker
 * among the comments, in the order the platform lists them. Null when there is none.
 */
export function lastReviewedHead(comments: readonly ExistingComment[], currentHead: string): string | null {
  let found: string | null = null;
  for (const comment of comments) {
    for (const head of readSummaryHeads(comment.body)) {
      if (!sameSha(head, currentHead)) found = head;
    }
  }
  return found;
}

function sameSha(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

/** Lines of the head file a hunk covers; a pure deletion covers the lines on both sides of the gap. */
function headRange(hunk: Hunk): [number, number] {
  if (hunk.newLines === 0) return [hunk.newStart, hunk.newStart + 1];
  return [hunk.newStart, hunk.newStart + hunk.newLines - 1];
}

/** Head lines changed (added, or next to a deletion) by `hunk`. */
function changedHeadLines(hunk: Hunk): [number, number][] {
  const ranges: [number, number][] = [];
  let previousNew = hunk.newStart - 1;
  for (const line of hunk.lines) {
    if (line.kind === "add") ranges.push([line.newLine!, line.newLine!]);
    else if (line.kind === "del") ranges.push([previousNew, previousNew + 1]);
    if (line.newLine !== undefined) previousNew = line.newLine;
  }
  return ranges;
}

export interface IncrementalFiles {
  /** The pull request's files, each with only the hunks that overlap changes since the earlier head. */
  files: DiffFile[];
  /** Paths of the pull request left out because the new commits did not touch them. */
  unchanged: string[];
  /** Paths the new commits touched. */
  touched: Set<string>;
}

/**
 * Keeps the hunks of the pull-request diff `prFiles` whose head lines overlap a line changed in `since` (the
 * diff between the last reviewed head and the new head). Both diffs number head lines the same way, so the kept
 * hunks are exact pull-request hunks and anchor as usual.
 */
export function restrictToChanges(
  prFiles: readonly DiffFile[],
  since: readonly DiffFile[],
): IncrementalFiles {
  const changed = new Map<string, [number, number][]>();
  for (const file of since) {
    if (file.newPath === null) continue;
    const ranges = file.binary
      ? [[1, Number.MAX_SAFE_INTEGER] as [number, number]]
      : file.hunks.flatMap(changedHeadLines);
    changed.set(file.newPath, [...(changed.get(file.newPath) ?? []), ...ranges]);
  }
  const files: DiffFile[] = [];
  const unchanged: string[] = [];
  for (const file of prFiles) {
    const ranges = file.newPath === null ? undefined : changed.get(file.newPath);
    if (ranges === undefined || ranges.length === 0) {
      // A deleted file has no head lines; it is reviewed again only when the new commits deleted it.
      const deletedNow = file.newPath === null &&
        since.some((entry) => entry.newPath === null && entry.oldPath === file.oldPath);
      if (deletedNow) files.push(file);
      else unchanged.push(filePath(file));
      continue;
    }
    const hunks = file.hunks.filter((hunk) => {
      const [start, end] = headRange(hunk);
      return ranges.some(([from, to]) => from <= end && to >= start);
    });
    if (hunks.length > 0 || file.binary) files.push({ ...file, hunks });
    else unchanged.push(filePath(file));
  }
  return { files, unchanged, touched: new Set(changed.keys()) };
}

export interface IncrementalPlan extends IncrementalFiles {
  /** The earlier head the comparison starts from. */
  fromSha: string;
}

/**
 * Plans an incremental review of `headSha`: finds the last reviewed head in `comments`, asks the platform for the
 * diff since then, and restricts `prFiles` to it. Null — review everything — when the platform cannot compare,
 * nothing was reviewed before, or history does not allow it.
 */
export async function planIncremental(
  client: PlatformClient,
  ref: PullRequestRef,
  input: { prFiles: DiffFile[]; comments: readonly ExistingComment[]; headSha: string },
): Promise<IncrementalPlan | null> {
  if (!canCompareCommits(client)) return null;
  const fromSha = lastReviewedHead(input.comments, input.headSha);
  if (fromSha === null) return null;
  const diff = await client.getCompareDiff(ref, fromSha, input.headSha);
  if (diff === null) return null;
  return { ...restrictToChanges(input.prFiles, parseDiff(diff)), fromSha };
}

/**
 * Loom's inline comments a push made outdated: those on files no longer in the pull request, and those inside the
 * hunks the new review looked at whose finding it no longer reports.
 *
 * @param comments the pull request's comments, as listed before posting
 * @param options `prFiles` the current pull-request diff; `reviewed` the files and hunks the new review covered;
 *   `reported` fingerprints of the findings the new review produced
 * @returns ids of the comments to resolve
 */
export function outdatedThreads(
  comments: readonly ExistingComment[],
  options: { prFiles: readonly DiffFile[]; reviewed: readonly DiffFile[]; reported: ReadonlySet<string> },
): string[] {
  const inDiff = new Set(options.prFiles.flatMap((file) => [file.newPath, file.oldPath]));
  const reviewed = new Map(options.reviewed.map((file) => [filePath(file), file]));
  return comments.filter((comment) => {
    if (!comment.inline || comment.path === undefined) return false;
    const fingerprints = readFingerprints(comment.body);
    if (fingerprints.length === 0) return false;
    if (!inDiff.has(comment.path)) return true;
    const file = reviewed.get(comment.path);
    if (file === undefined || fingerprints.some((fp) => options.reported.has(fp))) return false;
    const line = comment.line;
    return line === undefined || file.hunks.some((hunk) => {
      const [start, end] = headRange(hunk);
      return line >= start && line <= end;
    });
  }).map((comment) => comment.id);
}
