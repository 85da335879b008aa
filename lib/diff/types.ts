/** The parsed shape of a unified diff. Plain data: JSON-serialisable, no methods, no class instances. */

/** What happened to a file between the two sides of the diff. */
export type FileStatus = "added" | "deleted" | "modified" | "renamed" | "copied";

/** A side of the diff, named as GitHub names them: LEFT is the old file, RIGHT the new one. */
export type DiffSide = "LEFT" | "RIGHT";

/** The kind of one line inside a hunk. */
export type DiffLineKind = "add" | "del" | "context" | "no_newline";

/** One line of a hunk. */
export interface DiffLine {
  kind: DiffLineKind;
  /**
   * The line without its one-character prefix (or, in combined diffs, its one-per-parent prefix) and without
   * its line ending. For `no_newline` it is the marker text after `\ `, which git translates in some locales.
   */
  content: string;
  /** Line number in the old file; set for `del` and `context`. */
  oldLine?: number;
  /** Line number in the new file; set for `add` and `context`. */
  newLine?: number;
  /** Present (and true) when the line ended in `\r\n`; `content` never keeps the `\r`. */
  crlf?: true;
}

/** One `@@ -oldStart,oldLines +newStart,newLines @@ header` block. */
export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** The text after the closing `@@` (usually the enclosing function), without the separating space. */
  header: string;
  lines: DiffLine[];
}

/** One file of a diff. */
export interface DiffFile {
  /** Path in the old tree; `null` for added files. */
  oldPath: string | null;
  /** Path in the new tree; `null` for deleted files. */
  newPath: string | null;
  status: FileStatus;
  /** True for `Binary files … differ` and `GIT binary patch`; binary files have no hunks. */
  binary: boolean;
  /** Octal mode string (`"100644"`) when the diff states the old mode (mode change, deleted file). */
  oldMode?: string;
  /** Octal mode string (`"100755"`) when the diff states the new mode (mode change, new file). */
  newMode?: string;
  /** `similarity index` of a rename or copy, in percent. */
  similarity?: number;
  /**
   * True for combined (merge) diffs, `diff --cc` / `@@@`. Their lines are a best-effort two-way view: `oldLine`
   * follows the first parent and `newLine` the merge result.
   */
  combined?: boolean;
  hunks: Hunk[];
  /** Number of `add` lines. */
  additions: number;
  /** Number of `del` lines. */
  deletions: number;
}

/** The path a reviewer sees for the file: the new path, or the old one for deleted files. */
export function filePath(file: DiffFile): string {
  return file.newPath ?? file.oldPath ?? "";
}
