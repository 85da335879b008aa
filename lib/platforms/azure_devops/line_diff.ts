/**
 * Builds `diff --git` text for one file from its two versions. Azure DevOps has no diff API (platforms.md §1.4),
 * so Loom fetches both versions and diffs them here with jsdiff's Myers line diff.
 */
import { structuredPatch } from "diff";

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

  const header = [
    `diff --git a/${oldContent === null ? newPath : oldPath} b/${newContent === null ? oldPath : newPath}`,
  ];
  if (oldContent === null) header.push("new file mode 100644");
  if (newContent === null) header.push("deleted file mode 100644");
  if (renamed) header.push(`rename from ${oldPath}`, `rename to ${newPath}`);
  if (oldContent === newContent) return header.join("\n") + "\n";

  const from = oldContent === null ? "/dev/null" : `a/${oldPath}`;
  const to = newContent === null ? "/dev/null" : `b/${newPath}`;
  if (isBinary(oldContent) || isBinary(newContent)) {
    return [...header, `Binary files ${from} and ${to} differ`].join("\n") + "\n";
  }

  const before = oldContent ?? "";
  const after = newContent ?? "";
  const patch = structuredPatch(from, to, before, after, undefined, undefined, {
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
  if (body.length === 0) return header.join("\n") + "\n";
  return [...header, `--- ${from}`, `+++ ${to}`, ...body].join("\n") + "\n";
}
