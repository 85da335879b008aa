/**
 * A unified-diff parser that never throws. It scans the text by index (one `indexOf("\n")` per line, the first
 * character decides the branch, no regular expression and no `split`), and hunk bodies are bounded by the counts
 * in their `@@` header the way `git apply` reads them, so a deleted line reading `-- ` or `--- x` is never taken
 * for a header and a `format-patch` signature after the last hunk is never taken for a deleted line.
 */
import { readHeaderPath, readQuotedPath, splitGitLinePaths, stripPrefix } from "./_paths.ts";
import type { DiffFile, DiffLine, Hunk } from "./types.ts";

/** Header facts collected for one file until its status and paths can be decided. */
interface PendingFile {
  file: DiffFile;
  /** Started by `diff --git` / `diff --cc`: extended header lines apply until the first hunk. */
  git: boolean;
  gitOld: string | null;
  gitNew: string | null;
  minus: string | null;
  plus: string | null;
  minusDevNull: boolean;
  plusDevNull: boolean;
  renameFrom: string | null;
  renameTo: string | null;
  copyFrom: string | null;
  copyTo: string | null;
  isNew: boolean;
  isDeleted: boolean;
}

function createPending(git: boolean): PendingFile {
  return {
    file: {
      oldPath: null,
      newPath: null,
      status: "modified",
      binary: false,
      hunks: [],
      additions: 0,
      deletions: 0,
    },
    git,
    gitOld: null,
    gitNew: null,
    minus: null,
    plus: null,
    minusDevNull: false,
    plusDevNull: false,
    renameFrom: null,
    renameTo: null,
    copyFrom: null,
    copyTo: null,
    isNew: false,
    isDeleted: false,
  };
}

function finish(pending: PendingFile): DiffFile {
  const file = pending.file;
  const oldPath = pending.minusDevNull ? null : pending.minus ?? pending.renameFrom ?? pending.copyFrom ??
    pending.gitOld;
  const newPath = pending.plusDevNull ? null : pending.plus ?? pending.renameTo ?? pending.copyTo ??
    pending.gitNew;
  if (pending.isNew || (pending.minusDevNull && !pending.plusDevNull)) {
    file.status = "added";
    file.oldPath = null;
    file.newPath = newPath ?? oldPath;
  } else if (pending.isDeleted || (pending.plusDevNull && !pending.minusDevNull)) {
    file.status = "deleted";
    file.oldPath = oldPath ?? newPath;
    file.newPath = null;
  } else {
    file.oldPath = oldPath;
    file.newPath = newPath;
    if (pending.renameFrom !== null || pending.renameTo !== null) file.status = "renamed";
    else if (pending.copyFrom !== null || pending.copyTo !== null) file.status = "copied";
  }
  return file;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Hunk header fields for one side: the start, the count, and the index after them. */
interface Range {
  start: number;
  count: number;
  end: number;
}

/** Reads `12` or `12,3` at `index`; a missing count means 1, as in git. */
function readRange(line: string, index: number): Range | null {
  let end = index;
  while (end < line.length && isDigit(line.charCodeAt(end))) end++;
  if (end === index) return null;
  const start = Number(line.slice(index, end));
  if (line.charCodeAt(end) !== 44) return { start, count: 1, end };
  const countStart = end + 1;
  end = countStart;
  while (end < line.length && isDigit(line.charCodeAt(end))) end++;
  if (end === countStart) return null;
  return { start, count: Number(line.slice(countStart, end)), end };
}

/**
 * Parses `@@ -a,b +c,d @@ header` (or, with `parents` > 1, `@@@ -a,b -c,d +e,f @@@ header`). Returns the
 * hunk and each parent's old count, or null when the line is not a well-formed header.
 */
function parseHunkHeader(line: string, parents: number): { hunk: Hunk; oldCounts: number[] } | null {
  const markerLength = parents + 1;
  let index = markerLength + 1;
  const oldCounts: number[] = [];
  let first: Range | null = null;
  for (let parent = 0; parent < parents; parent++) {
    if (line.charCodeAt(index) !== 45) return null;
    const range = readRange(line, index + 1);
    if (range === null || line.charCodeAt(range.end) !== 32) return null;
    first ??= range;
    oldCounts.push(range.count);
    index = range.end + 1;
  }
  if (line.charCodeAt(index) !== 43) return null;
  const range = readRange(line, index + 1);
  if (range === null || first === null) return null;
  index = range.end;
  if (line.charCodeAt(index) !== 32) return null;
  for (let marker = 1; marker <= markerLength; marker++) {
    if (line.charCodeAt(index + marker) !== 64) return null;
  }
  index += markerLength + 1;
  if (line.charCodeAt(index) === 32) index++;
  return {
    hunk: {
      oldStart: first.start,
      oldLines: first.count,
      newStart: range.start,
      newLines: range.count,
      header: line.slice(index),
      lines: [],
    },
    oldCounts,
  };
}

/** Reads the mode at the end of `new file mode 100644` / `deleted file mode 100644,100644` (first parent). */
function readMode(value: string): string {
  const comma = value.indexOf(",");
  return (comma === -1 ? value : value.slice(0, comma)).trim();
}

function inGitHeader(pending: PendingFile | null): pending is PendingFile {
  return pending !== null && pending.git && pending.file.hunks.length === 0;
}

function setMinus(pending: PendingFile, value: string): void {
  const path = readHeaderPath(value);
  if (path === "/dev/null") pending.minusDevNull = true;
  else pending.minus = stripPrefix(path, "a/");
}

function setPlus(pending: PendingFile, value: string): void {
  const path = readHeaderPath(value);
  if (path === "/dev/null") pending.plusDevNull = true;
  else pending.plus = stripPrefix(path, "b/");
}

function nextFile(files: DiffFile[], pending: PendingFile | null, git: boolean): PendingFile {
  if (pending !== null) files.push(finish(pending));
  return createPending(git);
}

/** Line counters of a combined hunk; kept apart from the two-way fast path, which holds them in locals. */
interface CombinedState {
  parents: number;
  remainingParents: number[];
  remainingNew: number;
  oldLine: number;
  newLine: number;
}

/**
 * Reads one line of a combined hunk, or returns false when the line is not one. Column i of the prefix belongs
 * to parent i: `-` means the line is in that parent but not in the result, `+` that it is in the result but not
 * in that parent, and a space means "in both" for result lines and "not in this parent" for removed ones (git
 * `combine-diff.c`).
 */
function readCombinedLine(
  state: CombinedState,
  file: DiffFile,
  lines: DiffLine[],
  source: string,
  range: { start: number; end: number; crlf: boolean },
): boolean {
  const { start, end } = range;
  if (end - start < state.parents) return false;
  let minus = false;
  let plus = false;
  for (let column = 0; column < state.parents; column++) {
    const code = source.charCodeAt(start + column);
    if (code === 45) minus = true;
    else if (code === 43) plus = true;
    else if (code !== 32) return false;
  }
  const inResult = !minus;
  const firstColumn = source.charCodeAt(start);
  for (let column = 0; column < state.parents; column++) {
    const code = source.charCodeAt(start + column);
    if (code === 45 || (inResult && code === 32)) state.remainingParents[column]--;
  }
  const line: DiffLine = {
    kind: inResult ? (plus ? "add" : "context") : "del",
    content: source.slice(start + state.parents, end),
  };
  if (firstColumn === 45 || (inResult && firstColumn === 32)) line.oldLine = state.oldLine++;
  if (inResult) {
    line.newLine = state.newLine++;
    state.remainingNew--;
  }
  if (range.crlf) line.crlf = true;
  lines.push(line);
  if (line.kind === "add") file.additions++;
  else if (line.kind === "del") file.deletions++;
  return true;
}

/**
 * Parses unified diff text: `git diff` output (renames, copies, mode changes, binary files, combined `diff --cc`
 * diffs) and plain `---`/`+++` diffs. Hunks without any file header (GitHub's per-file `patch` field) come back
 * as one file with both paths `null`. Lines that fit nowhere are skipped; this function never throws.
 *
 * @param text the diff; `\r\n` line endings are accepted and recorded per line as `crlf`.
 * @returns the files in the order they appear.
 */
export function parseDiff(text: string): DiffFile[] {
  const files: DiffFile[] = [];
  let pending: PendingFile | null = null;
  // The hot loop keeps its counters in locals that no closure captures, so V8 can keep them in registers.
  let file: DiffFile | null = null;
  let lines: DiffLine[] = [];
  let inHunk = false;
  let remainingOld = 0;
  let remainingNew = 0;
  let oldLine = 0;
  let newLine = 0;
  let combined: CombinedState | null = null;
  let skippingBinary = false;

  const length = text.length;
  let position = 0;
  while (position < length) {
    let lineEnd = text.indexOf("\n", position);
    if (lineEnd === -1) lineEnd = length;
    const next = lineEnd + 1;
    const crlf = lineEnd > position && text.charCodeAt(lineEnd - 1) === 13;
    const end = crlf ? lineEnd - 1 : lineEnd;
    const first = position < end ? text.charCodeAt(position) : -1;

    if (inHunk && file !== null) {
      if (combined === null) {
        if (first === 32 || (first === -1 && remainingOld > 0 && remainingNew > 0)) {
          const content = first === -1 ? "" : text.slice(position + 1, end);
          lines.push(
            crlf
              ? { kind: "context", content, oldLine: oldLine++, newLine: newLine++, crlf: true }
              : { kind: "context", content, oldLine: oldLine++, newLine: newLine++ },
          );
          remainingOld--;
          remainingNew--;
          if (remainingOld <= 0 && remainingNew <= 0) inHunk = false;
          position = next;
          continue;
        }
        if (first === 45) {
          const content = text.slice(position + 1, end);
          lines.push(
            crlf
              ? { kind: "del", content, oldLine: oldLine++, crlf: true }
              : { kind: "del", content, oldLine: oldLine++ },
          );
          file.deletions++;
          remainingOld--;
          if (remainingOld <= 0 && remainingNew <= 0) inHunk = false;
          position = next;
          continue;
        }
        if (first === 43) {
          const content = text.slice(position + 1, end);
          lines.push(
            crlf
              ? { kind: "add", content, newLine: newLine++, crlf: true }
              : { kind: "add", content, newLine: newLine++ },
          );
          file.additions++;
          remainingNew--;
          if (remainingOld <= 0 && remainingNew <= 0) inHunk = false;
          position = next;
          continue;
        }
      } else if (
        first !== 92 && readCombinedLine(combined, file, lines, text, { start: position, end, crlf })
      ) {
        inHunk = combined.remainingNew > 0 || combined.remainingParents.some((count) => count > 0);
        position = next;
        continue;
      }
      // The hunk is shorter than its header claims; what follows is read as headers.
      if (first !== 92) inHunk = false;
    }

    if (first === 92) {
      // `\ No newline at end of file` belongs to the hunk just read, even after its counts ran out.
      if (file !== null && file.hunks.length > 0) {
        const content = text.slice(position + (text.charCodeAt(position + 1) === 32 ? 2 : 1), end);
        lines.push(crlf ? { kind: "no_newline", content, crlf: true } : { kind: "no_newline", content });
      }
      position = next;
      continue;
    }

    if (skippingBinary && !text.startsWith("diff ", position)) {
      position = next;
      continue;
    }

    const line = text.slice(position, end);
    switch (first) {
      case 100: // d
        if (line.startsWith("diff --git ")) {
          pending = nextFile(files, pending, true);
          file = pending.file;
          skippingBinary = false;
          const [oldPath, newPath] = splitGitLinePaths(line.slice(11));
          pending.gitOld = oldPath;
          pending.gitNew = newPath;
        } else if (line.startsWith("diff --cc ") || line.startsWith("diff --combined ")) {
          pending = nextFile(files, pending, true);
          file = pending.file;
          skippingBinary = false;
          const rest = line.slice(line.indexOf(" ", 5) + 1);
          const path = rest.startsWith('"') ? readQuotedPath(rest, 0).path : rest;
          pending.gitOld = path;
          pending.gitNew = path;
          file.combined = true;
        } else if (line.startsWith("deleted file mode ") && inGitHeader(pending)) {
          pending.isDeleted = true;
          pending.file.oldMode = readMode(line.slice(18));
        }
        break;
      case 110: // n
        if (line.startsWith("new file mode ") && inGitHeader(pending)) {
          pending.isNew = true;
          pending.file.newMode = readMode(line.slice(14));
        } else if (line.startsWith("new mode ") && inGitHeader(pending)) {
          pending.file.newMode = line.slice(9).trim();
        }
        break;
      case 111: // o
        if (line.startsWith("old mode ") && inGitHeader(pending)) {
          pending.file.oldMode = readMode(line.slice(9));
        }
        break;
      case 109: // m
        // `mode 100644,100644..100755` in combined headers.
        if (line.startsWith("mode ") && inGitHeader(pending)) {
          const dots = line.indexOf("..");
          if (dots !== -1) {
            pending.file.oldMode = readMode(line.slice(5, dots));
            pending.file.newMode = line.slice(dots + 2).trim();
          }
        }
        break;
      case 115: // s
        if (line.startsWith("similarity index ") && inGitHeader(pending)) {
          const value = parseInt(line.slice(17), 10);
          if (Number.isFinite(value)) pending.file.similarity = value;
        }
        break;
      case 114: // r
        if (inGitHeader(pending)) {
          if (line.startsWith("rename from ")) pending.renameFrom = readHeaderPath(line.slice(12));
          else if (line.startsWith("rename to ")) pending.renameTo = readHeaderPath(line.slice(10));
          else if (line.startsWith("rename old ")) pending.renameFrom = readHeaderPath(line.slice(11));
          else if (line.startsWith("rename new ")) pending.renameTo = readHeaderPath(line.slice(11));
        }
        break;
      case 99: // c
        if (inGitHeader(pending)) {
          if (line.startsWith("copy from ")) pending.copyFrom = readHeaderPath(line.slice(10));
          else if (line.startsWith("copy to ")) pending.copyTo = readHeaderPath(line.slice(8));
        }
        break;
      case 45: // -
        if (line.startsWith("--- ")) {
          if (!inGitHeader(pending)) {
            // Outside a git header only a `---`/`+++` pair starts a file: a lone `--- ` is noise.
            if (!text.startsWith("+++ ", next)) break;
            pending = nextFile(files, pending, false);
            file = pending.file;
            skippingBinary = false;
          }
          setMinus(pending, line.slice(4));
        }
        break;
      case 43: // +
        if (line.startsWith("+++ ") && pending !== null && pending.file.hunks.length === 0) {
          setPlus(pending, line.slice(4));
        }
        break;
      case 64: { // @
        let markers = 0;
        while (line.charCodeAt(markers) === 64) markers++;
        const parents = file !== null && file.combined ? markers - 1 : 1;
        if (markers < 2 || markers - 1 !== parents) break;
        const parsed = parseHunkHeader(line, parents);
        if (parsed === null) break;
        if (pending === null) {
          pending = nextFile(files, pending, false);
          file = pending.file;
        }
        const hunk = parsed.hunk;
        pending.file.hunks.push(hunk);
        lines = hunk.lines;
        oldLine = hunk.oldStart;
        newLine = hunk.newStart;
        remainingOld = hunk.oldLines;
        remainingNew = hunk.newLines;
        combined = parents === 1 ? null : {
          parents,
          remainingParents: parsed.oldCounts,
          remainingNew: hunk.newLines,
          oldLine: hunk.oldStart,
          newLine: hunk.newStart,
        };
        inHunk = remainingOld > 0 || remainingNew > 0 ||
          (combined !== null && combined.remainingParents.some((count) => count > 0));
        break;
      }
      case 66: // B
        if (line.startsWith("Binary files ") && line.endsWith(" differ")) {
          if (!inGitHeader(pending)) {
            pending = nextFile(files, pending, false);
            file = pending.file;
            skippingBinary = false;
            const names = line.slice(13, -7);
            const and = names.indexOf(" and ");
            if (and !== -1) {
              setMinus(pending, names.slice(0, and));
              setPlus(pending, names.slice(and + 5));
            }
          }
          pending.file.binary = true;
        }
        break;
      case 71: // G
        if (line === "GIT binary patch" && pending !== null) {
          pending.file.binary = true;
          skippingBinary = true;
        }
        break;
    }
    position = next;
  }
  if (pending !== null) files.push(finish(pending));
  return files;
}
