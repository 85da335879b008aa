/**
 * Unified diffs: parsing (`git diff`, plain `diff -u`, GitHub per-file patches), rendering back to text, and exact
 * line maps for anchoring review comments. Pure functions over strings; this folder imports nothing outside
 * itself and does no I/O.
 *
 * @module
 */
export { parseDiff } from "./parse.ts";
export { formatDiff } from "./format.ts";
export { type FileHeader, formatFileHeader } from "./file_header.ts";
export { createLineMap } from "./line_map.ts";
export type { HunkSpan, LineMap } from "./line_map.ts";
export { filePath } from "./types.ts";
export type { DiffFile, DiffLine, DiffLineKind, DiffSide, FileStatus, Hunk } from "./types.ts";
