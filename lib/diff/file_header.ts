/**
 * Writes the part of one file's `git diff` section that comes before its hunks: the `diff --git` line, the
 * extended headers (modes, rename/copy), and either the `---`/`+++` names or a `Binary files … differ` line.
 * The one writer of these lines: `formatDiff` uses it, and so do the platform adapters that rebuild a unified
 * diff from per-file API entries (GitHub's files API, GitLab's diffs, Azure DevOps' file versions), so paths are
 * quoted as git quotes them everywhere and `parseDiff` reads every adapter's output back the same way.
 */
import { quotePath } from "./_paths.ts";
import type { FileStatus } from "./types.ts";

/** What the header says about one file. */
export interface FileHeader {
  status: FileStatus;
  /** The path before the change (the same as `newPath` unless renamed or copied); `null` when added. */
  oldPath: string | null;
  /** The path after the change; `null` when deleted. */
  newPath: string | null;
  oldMode?: string;
  newMode?: string;
  /** `similarity index` of a rename or copy, in percent. */
  similarity?: number;
  /** No patch text can be shown: write `Binary files … differ` instead of `---`/`+++`. */
  binary?: boolean;
  /** Whether hunks follow; without them (an empty added file, a pure rename) no `---`/`+++` lines are written. */
  hasHunks: boolean;
}

/** A `---`/`+++` name: git appends a tab to unquoted names containing a space so readers can find the end. */
function headerName(prefix: "a/" | "b/", path: string | null): string {
  if (path === null) return "/dev/null";
  const quoted = quotePath(prefix + path);
  return quoted.includes(" ") && !quoted.startsWith('"') ? quoted + "\t" : quoted;
}

/**
 * The header lines of one file, each ending in `\n`, ready to be followed by its hunks.
 * @param file status, paths, modes and whether there is patch text
 */
export function formatFileHeader(file: FileHeader): string {
  const out: string[] = [];
  const oldPath = file.status === "added" ? null : file.oldPath;
  const newPath = file.status === "deleted" ? null : file.newPath;
  const gitOld = oldPath ?? newPath ?? "";
  const gitNew = newPath ?? oldPath ?? "";
  out.push(`diff --git ${quotePath("a/" + gitOld)} ${quotePath("b/" + gitNew)}\n`);
  // Files from plain diffs have no mode; their `/dev/null` side says added or deleted unless nothing follows.
  const needsMode = file.binary === true || !file.hasHunks;
  if (file.status === "added") {
    if (file.newMode !== undefined || needsMode) out.push(`new file mode ${file.newMode ?? "100644"}\n`);
  } else if (file.status === "deleted") {
    if (file.oldMode !== undefined || needsMode) out.push(`deleted file mode ${file.oldMode ?? "100644"}\n`);
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
  } else if (file.hasHunks) {
    out.push(`--- ${headerName("a/", oldPath)}\n`, `+++ ${headerName("b/", newPath)}\n`);
  }
  return out.join("");
}
