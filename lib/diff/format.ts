/** Renders parsed diffs back to git's unified diff text. */
import { quotePath } from "./_paths.ts";
import type { DiffFile, DiffLine, Hunk } from "./types.ts";

const PREFIX: Record<DiffLine["kind"], string> = { add: "+", del: "-", context: " ", no_newline: "\\ " };

/** `12,3`, or `12` when the count is 1, as git writes it. */
function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}

/** A `---`/`+++` name: git appends a tab to unquoted names containing a space so readers can find the end. */
function headerName(prefix: "a/" | "b/", path: string | null): string {
  if (path === null) return "/dev/null";
  const quoted = quotePath(prefix + path);
  return quoted.includes(" ") && !quoted.startsWith('"') ? quoted + "\t" : quoted;
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
    const oldPath = file.status === "added" ? null : file.oldPath;
    const newPath = file.status === "deleted" ? null : file.newPath;
    const gitOld = oldPath ?? newPath ?? "";
    const gitNew = newPath ?? oldPath ?? "";
    out.push(`diff --git ${quotePath("a/" + gitOld)} ${quotePath("b/" + gitNew)}\n`);
    // Files from plain diffs have no mode; their `/dev/null` side says added or deleted unless nothing follows.
    const needsMode = file.binary || file.hunks.length === 0;
    if (file.status === "added") {
      if (file.newMode !== undefined || needsMode) out.push(`new file mode ${file.newMode ?? "100644"}\n`);
    } else if (file.status === "deleted") {
      if (file.oldMode !== undefined || needsMode) {
        out.push(`deleted file mode ${file.oldMode ?? "100644"}\n`);
      }
    } else if (file.oldMode !== undefined && file.newMode !== undefined && file.oldMode !== file.newMode) {
      out.push(`old mode ${file.oldMode}\n`, `new mode ${file.newMode}\n`);
    }
    if (file.status === "renamed" || file.status === "copied") {
      const verb = file.status === "renamed" ? "rename" : "copy";
      if (file.similarity !== undefined) out.push(`similarity index ${file.similarity}%\n`);
      out.push(`${verb} from ${quotePath(gitOld)}\n`, `${verb} to ${quotePath(gitNew)}\n`);
    }
    if (file.binary) {
      const from = oldPath === null ? "/dev/null" : quotePath("a/" + oldPath);
      const to = newPath === null ? "/dev/null" : quotePath("b/" + newPath);
      out.push(`Binary files ${from} and ${to} differ\n`);
      continue;
    }
    if (file.hunks.length === 0) continue;
    out.push(`--- ${headerName("a/", oldPath)}\n`, `+++ ${headerName("b/", newPath)}\n`);
    for (const hunk of file.hunks) formatHunk(hunk, out);
  }
  return out.join("");
}
