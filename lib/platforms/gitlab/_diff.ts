/**
 * GitLab returns a merge request's changes as one entry per file with only the hunks in `diff`. These helpers
 * rebuild a `diff --git` unified diff from those entries and walk hunks with GitLab's own line counters, which
 * inline positions and `line_code`s are built from.
 */
import { z } from "zod";
import { formatFileHeader } from "../../diff/mod.ts";

/** One entry of `GET /projects/:id/merge_requests/:iid/diffs` (fields Loom reads). */
export const GitLabDiffFile = z.object({
  "old_path": z.string(),
  "new_path": z.string(),
  "a_mode": z.string().nullish(),
  "b_mode": z.string().nullish(),
  "new_file": z.boolean(),
  "renamed_file": z.boolean(),
  "deleted_file": z.boolean(),
  "diff": z.string().nullish(),
  "too_large": z.boolean().nullish(),
  "collapsed": z.boolean().nullish(),
});
export type GitLabDiffFile = z.infer<typeof GitLabDiffFile>;

/** True when GitLab withheld the file's patch because it is over the instance diff limits. */
export function isWithheld(file: GitLabDiffFile): boolean {
  return !file.diff && (file.too_large === true || file.collapsed === true);
}

function fileDiff(file: GitLabDiffFile): string {
  const status = file.new_file
    ? "added"
    : file.deleted_file
    ? "deleted"
    : file.renamed_file
    ? "renamed"
    : "modified";
  const modes = {
    oldMode: file.a_mode && file.a_mode !== "0" ? file.a_mode : undefined,
    newMode: file.b_mode && file.b_mode !== "0" ? file.b_mode : undefined,
  };
  const paths = { status, oldPath: file.old_path, newPath: file.new_path, ...modes } as const;
  // Over-limit files come back with an empty `diff`. A binary-style line keeps the file visible in the diff
  // while telling the review engine there is no patch text to review for it.
  if (isWithheld(file)) return formatFileHeader({ ...paths, binary: true, hasHunks: false });
  // `unidiff=true` (GitLab 16.5+) and binary entries carry their own `---`/`+++` or `Binary files` lines: the
  // hunks start at the first `@@`.
  const body = file.diff ?? "";
  if (body.startsWith("Binary files")) return formatFileHeader({ ...paths, binary: true, hasHunks: false });
  const hunksAt = body.startsWith("@@") ? 0 : body.indexOf("\n@@") + 1;
  const hunks = hunksAt > 0 || body.startsWith("@@") ? body.slice(hunksAt) : "";
  const header = formatFileHeader({ ...paths, hasHunks: hunks !== "" });
  return hunks === "" ? header : header + (hunks.endsWith("\n") ? hunks : `${hunks}\n`);
}

/** Joins GitLab's per-file entries into one `diff --git` unified diff. */
export function toUnifiedDiff(files: readonly GitLabDiffFile[]): string {
  return files.map(fileDiff).join("");
}

/** One line of a hunk with GitLab's counters: `type` is "new" (added), "old" (removed) or null (context). */
export interface HunkLine {
  type: "new" | "old" | null;
  /** The old-file counter at this line (for an added line, the number of the next old line, as GitLab counts). */
  oldLine: number;
  /** The new-file counter at this line (for a removed line, the number of the next new line). */
  newLine: number;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/** Walks the hunks of one file's patch the way GitLab's `Gitlab::Diff::Parser` numbers lines. */
export function walkHunks(diff: string): HunkLine[] {
  const result: HunkLine[] = [];
  let oldLine = 0;
  let newLine = 0;
  let inHunk = false;
  // Dropping the final newline first keeps `split` from producing a phantom empty context line.
  const body = diff.endsWith("\n") ? diff.slice(0, -1) : diff;
  for (const text of body.split("\n")) {
    const header = HUNK_HEADER.exec(text);
    if (header) {
      oldLine = Number(header[1]);
      newLine = Number(header[2]);
      inHunk = true;
      continue;
    }
    if (!inHunk || text.startsWith("\\")) continue;
    if (text.startsWith("+")) {
      result.push({ type: "new", oldLine, newLine });
      newLine += 1;
    } else if (text.startsWith("-")) {
      result.push({ type: "old", oldLine, newLine });
      oldLine += 1;
    } else if (text.startsWith(" ") || text === "") {
      // Some tools strip the leading space of blank context lines.
      result.push({ type: null, oldLine, newLine });
      oldLine += 1;
      newLine += 1;
    } else {
      inHunk = false;
    }
  }
  return result;
}

/** GitLab's `line_code`: sha1 of the file path, then the old and new counters (`lib/gitlab/git.rb`). */
export async function lineCode(path: string, line: HunkLine): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(path));
  const hex = Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex}_${line.oldLine}_${line.newLine}`;
}
