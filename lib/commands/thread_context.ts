/**
 * The code a conversation in a review thread is about: the hunk of the pull request's diff that holds the
 * commented line, and a window of the file around it at the head commit. Both are bounded, so a long file or a
 * generated hunk cannot crowd the thread out of the prompt. Pure: the caller fetches the diff and the file.
 */
import { type DiffFile, filePath, formatDiff, parseDiff } from "../diff/mod.ts";

/** Most characters of the commented hunk: a generated or vendored hunk is cut, the thread matters more. */
export const MAX_HUNK_CHARS = 8_000;
/** Lines of the file shown on each side of the commented line: enough for the enclosing function, usually. */
export const FILE_CONTEXT_RADIUS = 30;
/** Most characters of that window (30 lines either side of a minified line could be megabytes). */
export const MAX_FILE_CONTEXT_CHARS = 8_000;

/** The hunk, as diff text with its file header, that shows `line` on `side`; null when the diff has none. */
export function commentedHunk(
  diff: string,
  place: { path: string; line: number; side?: "LEFT" | "RIGHT" },
): string | null {
  const file = parseDiff(diff).find((candidate: DiffFile) => filePath(candidate) === place.path);
  if (file === undefined) return null;
  const hunk = file.hunks.find((candidate) =>
    place.side === "LEFT"
      ? place.line >= candidate.oldStart && place.line < candidate.oldStart + Math.max(candidate.oldLines, 1)
      : place.line >= candidate.newStart && place.line < candidate.newStart + Math.max(candidate.newLines, 1)
  );
  if (hunk === undefined) return null;
  const text = formatDiff([{ ...file, hunks: [hunk] }]);
  return text.length > MAX_HUNK_CHARS ? `${text.slice(0, MAX_HUNK_CHARS)}\n… (hunk cut short)` : text;
}

/** Lines `line - radius` to `line + radius` of `content`, each prefixed with its number; null past the end. */
export function fileWindow(content: string, line: number, radius = FILE_CONTEXT_RADIUS): string | null {
  const lines = content.replaceAll("\r\n", "\n").split("\n");
  if (line < 1 || line > lines.length) return null;
  const first = Math.max(1, line - radius);
  const last = Math.min(lines.length, line + radius);
  const width = String(last).length;
  const out = lines.slice(first - 1, last).map((text, index) =>
    `${String(first + index).padStart(width)} | ${text}`
  )
    .join("\n");
  return out.length > MAX_FILE_CONTEXT_CHARS ? `${out.slice(0, MAX_FILE_CONTEXT_CHARS)}\n… (cut short)` : out;
}
