/**
 * GitHub's files API (`GET /repos/{owner}/{repo}/pulls/{n}/files`) answers one entry per file with only its
 * hunks in `patch`; the client falls back to it when the diff media type is refused (406: too large). This turns
 * an entry back into that file's `git diff` section, through `lib/diff`'s header writer.
 */
import { formatFileHeader } from "../../diff/mod.ts";

/** One entry of the files API (the fields Loom reads). */
export interface DiffEntry {
  filename: string;
  status: string;
  changes?: number;
  patch?: string;
  "previous_filename"?: string;
}

/** Rebuilds one file of a unified diff from a files-API entry, whose `patch` holds only the hunks. */
export function formatDiffEntry(file: DiffEntry): string {
  const renamed = (file.status === "renamed" || file.status === "copied") &&
    file.previous_filename !== undefined && file.previous_filename !== file.filename;
  const status = renamed
    ? file.status as "renamed" | "copied"
    : file.status === "added"
    ? "added"
    : file.status === "removed"
    ? "deleted"
    : "modified";
  const patch = file.patch ?? "";
  // GitHub omits `patch` for binary files and for text diffs too large to show; neither can be reviewed. A
  // rename without changes and a mode-only change have no patch either, and are not binary.
  const binary = patch === "" && !(renamed && (file.changes ?? 0) === 0) && file.status !== "changed" &&
    file.status !== "unchanged";
  // The files API does not report modes; git's added/deleted markers (100644 for a regular file) still tell
  // diff parsers a file was added or removed when it has no `---`/`+++` lines (binary entries).
  const header = formatFileHeader({
    status,
    newMode: status === "added" ? "100644" : undefined,
    oldMode: status === "deleted" ? "100644" : undefined,
    oldPath: renamed ? file.previous_filename! : file.filename,
    newPath: file.filename,
    binary,
    hasHunks: patch !== "",
  });
  return patch === "" || binary ? header : `${header}${patch.replace(/\n$/, "")}\n`;
}
