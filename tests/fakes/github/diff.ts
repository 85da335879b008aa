/**
 * The fake GitHub's diff model: `git diff` output parsed into files, hunks and numbered lines, the way GitHub
 * decides which lines a review comment may anchor to.
 */
import type { FakeDiffFile, FakeDiffHunk } from "./types.ts";

/** Parses `git diff` output into files and hunks: enough to know which lines exist on each side. */
export function parseFakeDiff(diff: string): FakeDiffFile[] {
  const files: FakeDiffFile[] = [];
  const lines = diff.split("\n");
  if (lines.at(-1) === "") lines.pop();
  let file: (FakeDiffFile & { patchLines: string[]; oldPath?: string; newPath?: string }) | undefined;
  let hunk: FakeDiffHunk | undefined;
  let oldLine = 0;
  let newLine = 0;
  let oldLeft = 0;
  let newLeft = 0;

  const finish = () => {
    if (file === undefined) return;
    const { patchLines, oldPath, newPath, ...rest } = file;
    const filename = newPath ?? oldPath ?? rest.filename;
    const done: FakeDiffFile = { ...rest, filename };
    if (rest.status === "renamed" || rest.status === "copied") done.previousFilename = oldPath;
    if (patchLines.length > 0) done.patch = patchLines.join("\n");
    files.push(done);
  };

  for (const line of lines) {
    if (hunk !== undefined && file !== undefined && (oldLeft > 0 || newLeft > 0 || line.startsWith("\\"))) {
      file.patchLines.push(line);
      if (line.startsWith("\\")) continue;
      const marker = line[0] ?? " ";
      const text = line.slice(1);
      if (marker === "+") {
        hunk.lines.push({ kind: "add", newLine: newLine++, text });
        newLeft--;
        file.additions++;
      } else if (marker === "-") {
        hunk.lines.push({ kind: "del", oldLine: oldLine++, text });
        oldLeft--;
        file.deletions++;
      } else {
        hunk.lines.push({ kind: "context", oldLine: oldLine++, newLine: newLine++, text });
        oldLeft--;
        newLeft--;
      }
      continue;
    }
    if (line.startsWith("diff --git ")) {
      finish();
      hunk = undefined;
      const names = line.slice("diff --git ".length);
      // "a/X b/X" with equal halves; renames are corrected by the rename/---/+++ lines below.
      const half = names.length >= 5 ? names.slice(2, 2 + (names.length - 5) / 2) : names;
      file = { filename: half, status: "modified", additions: 0, deletions: 0, hunks: [], patchLines: [] };
      continue;
    }
    if (file === undefined) continue;
    const range = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (range !== null) {
      hunk = { header: line, lines: [] };
      file.hunks.push(hunk);
      file.patchLines.push(line);
      oldLine = Number(range[1]);
      newLine = Number(range[3]);
      oldLeft = range[2] === undefined ? 1 : Number(range[2]);
      newLeft = range[4] === undefined ? 1 : Number(range[4]);
      continue;
    }
    if (line.startsWith("new file mode")) file.status = "added";
    else if (line.startsWith("deleted file mode")) file.status = "removed";
    else if (line.startsWith("rename from ")) [file.status, file.oldPath] = ["renamed", line.slice(12)];
    else if (line.startsWith("rename to ")) file.newPath = line.slice(10);
    else if (line.startsWith("copy from ")) [file.status, file.oldPath] = ["copied", line.slice(10)];
    else if (line.startsWith("copy to ")) file.newPath = line.slice(8);
    else if (line.startsWith("old mode ") && file.status === "modified") file.status = "changed";
    else if (line.startsWith("--- ") && line !== "--- /dev/null") file.oldPath ??= line.slice(6);
    else if (line.startsWith("+++ ") && line !== "+++ /dev/null") file.newPath ??= line.slice(6);
    else if (line.startsWith("Binary files ")) {
      const binary = /^Binary files (?:a\/(.+)|\/dev\/null) and (?:b\/(.+)|\/dev\/null) differ$/.exec(line);
      if (binary?.[1] !== undefined) file.oldPath ??= binary[1];
      if (binary?.[2] !== undefined) file.newPath ??= binary[2];
    }
  }
  finish();
  return files;
}

/** A stable 40-hex-digit id for a text (blob shas, node ids). */
export function fakeSha(text: string): string {
  // FNV-1a, widened to 40 hex digits: stable ids for blobs and nodes, not cryptography.
  let out = "";
  for (let round = 0; out.length < 40; round++) {
    let hash = 0x811c9dc5 ^ round;
    for (let index = 0; index < text.length; index++) {
      hash ^= text.charCodeAt(index);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    out += hash.toString(16).padStart(8, "0");
  }
  return out.slice(0, 40);
}

/** Index of the hunk holding `line` on `side` ("LEFT" old, "RIGHT" new), or -1 when it is not in the diff. */
export function lineExists(file: FakeDiffFile, line: number, side: string): number {
  return file.hunks.findIndex((hunk) =>
    hunk.lines.some((item) =>
      side === "LEFT"
        ? item.kind !== "add" && item.oldLine === line
        : item.kind !== "del" && item.newLine === line
    )
  );
}

/** The hunk's text up to `line`, as GitHub returns it in a review comment's `diff_hunk`. */
export function diffHunkUpTo(file: FakeDiffFile, hunkIndex: number, line: number, side: string): string {
  const hunk = file.hunks[hunkIndex]!;
  const out = [hunk.header];
  for (const item of hunk.lines) {
    out.push(`${item.kind === "add" ? "+" : item.kind === "del" ? "-" : " "}${item.text}`);
    if (
      (side === "LEFT" ? item.oldLine : item.newLine) === line &&
      (item.kind !== (side === "LEFT" ? "add" : "del"))
    ) {
      break;
    }
  }
  return out.join("\n");
}
