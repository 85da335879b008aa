/** Renders parsed diffs back to git's unified diff text. */
import { formatFileHeader } from "./file_header.ts";
import type { DiffFile, DiffLine, Hunk } from "./types.ts";

const PREFIX: Record<DiffLine["kind"], string> = { add: "+", del: "-", context: " ", no_newline: "\\ " };

/** `12,3`, or `12` when the count is 1, as git writes it. */
function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}

function formatHunk(hunk: Hunk, out: string[]): void {
  out.push(
    `@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@` +
      (hunk.header === "" ? "" : " " + hunk.header) + "\n",
  );
  for (const line of hunk.lines) {
    out.push(PREFIX[line.kind] + line.content + (line.crlf ? "\r\n" : "\n"));
  }
}

/**
 * Renders files as `git diff` text that {@linkcode parseDiff} reads back to the same structure. Binary files
 * become `Binary files … differ` (the patch data is not kept by the parser), and combined files are written in
 * their two-way form against the first parent.
 *
 * @param files parsed files, for example from {@linkcode parseDiff}.
 * @returns the diff text, ending in a newline unless `files` is empty.
 */
export function formatDiff(files: DiffFile[]): string {
  const out: string[] = [];
  for (const file of files) {
    out.push(formatFileHeader({ ...file, hasHunks: file.hunks.length > 0 }));
    if (file.binary) continue;
    for (const hunk of file.hunks) formatHunk(hunk, out);
  }
  return out.join("");
}
