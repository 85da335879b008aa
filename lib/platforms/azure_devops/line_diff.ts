/**
 * Builds `diff --git` text for one file from its two versions. Azure DevOps has no diff API (platforms.md §1.4),
 * so Loom fetches both versions and diffs them here with jsdiff's Myers line diff.
 */
import { structuredPatch } from "diff";
import { formatFileHeader } from "../../diff/mod.ts";

export interface FileVersions {
  /** Path before the change; differs from `newPath` for a rename. */
  oldPath: string;
  newPath: string;
  /** `null` when the file does not exist on that side (added or deleted). */
  oldContent: string | null;
  newContent: string | null;
  /** Context lines around each change. Default 3, like git. */
  context?: number;
  /**
   * Edit distance above which Myers gives up and the file is shown as entirely replaced; bounds the time spent
   * on huge rewrites. Default 10,000.
   */
  maxEditLength?: number;
}

function isBinary(content: string | null): boolean {
  return content !== null && content.includes("\0");
}

function range(start: number, count: number): string {
  // Unified-diff quirk: an empty range names the line before it, so `-0,0` for an added file.
  const first = count === 0 ? start - 1 : start;
  return count === 1 ? `${first}` : `${first},${count}`;
}

function splitLines(content: string): { lines: string[]; finalNewline: boolean } {
  if (content === "") return { lines: [], finalNewline: true };
  const finalNewline = content.endsWith("\n");
  const lines = (finalNewline ? content.slice(0, -1) : content).split("\n");
  return { lines, finalNewline };
}

/** A single hunk that removes every old line and adds every new one: correct, if not minimal. */
function replaceAllHunk(oldContent: string, newContent: string): string[] {
  const before = splitLines(oldContent);
  const after = splitLines(newContent);
  const out = [`@@ -${range(1, before.lines.length)} +${range(1, after.lines.length)} @@`];
  before.lines.forEach((line, index) => {
    out.push(`-${line}`);
    if (index === before.lines.length - 1 && !before.finalNewline) out.push("\\ No newline at end of file");
  });
  after.lines.forEach((line, index) => {
    out.push(`+${line}`);
    if (index === after.lines.length - 1 && !after.finalNewline) out.push("\\ No newline at end of file");
  });
  return out;
}

/**
 * The `diff --git` section for one file: extended headers for added, deleted and renamed files, `---`/`+++`
 * headers, and hunks with `context` lines of context. Binary content (a NUL byte) becomes a
 * `Binary files … differ` line. Returns `""` when nothing changed.
 */
export function buildFileDiff(versions: FileVersions): string {
  const { oldPath, newPath, oldContent, newContent } = versions;
  if (oldContent === null && newContent === null) return "";
  const renamed = oldContent !== null && newContent !== null && oldPath !== newPath;
  if (!renamed && oldContent === newContent) return "";

  const status = oldContent === null
    ? "added"
    : newContent === null
    ? "deleted"
    : renamed
    ? "renamed"
    : "modified";
  // Azure DevOps reports no modes; git writes 100644 for an added or deleted regular file.
  const paths = {
    status,
    oldPath,
    newPath,
    newMode: status === "added" ? "100644" : undefined,
    oldMode: status === "deleted" ? "100644" : undefined,
  } as const;
  if (oldContent === newContent) return formatFileHeader({ ...paths, hasHunks: false });
  if (isBinary(oldContent) || isBinary(newContent)) {
    return formatFileHeader({ ...paths, binary: true, hasHunks: false });
  }

  const before = oldContent ?? "";
  const after = newContent ?? "";
  const patch = structuredPatch(oldPath, newPath, before, after, undefined, undefined, {
    context: versions.context ?? 3,
    maxEditLength: versions.maxEditLength ?? 10_000,
  });
  const body: string[] = [];
  if (patch) {
    for (const hunk of patch.hunks) {
      body.push(`@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@`);
      body.push(...hunk.lines);
    }
  } else {
    body.push(...replaceAllHunk(before, after));
  }
  // An added or deleted empty file has no hunks, only its extended header.
  const header = formatFileHeader({ ...paths, hasHunks: body.length > 0 });
  return body.length === 0 ? header : header + body.join("\n") + "\n";
}
