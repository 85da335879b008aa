/**
 * The head-side lines a diff file changes and the lines it shows, per hunk. A deletion changes no head line, so
 * it is placed on the head line before it (the line the removed code followed), which lies inside the same
 * function or class unless the deletion opened it.
 */
import type { DiffFile } from "../diff/types.ts";

export interface ChangedLines {
  /** Per hunk, the changed head lines in order (a hunk with no change has none). */
  hunks: number[][];
  /** Every changed head line of the file. */
  changed: Set<number>;
  /** Every head line the diff shows (added and context lines). */
  visible: Set<number>;
}

export function changedLinesOf(file: DiffFile): ChangedLines {
  const hunks: number[][] = [];
  const changed = new Set<number>();
  const visible = new Set<number>();
  for (const hunk of file.hunks) {
    const lines: number[] = [];
    let previous = hunk.newStart - 1;
    for (const line of hunk.lines) {
      if (line.newLine !== undefined) {
        visible.add(line.newLine);
        previous = line.newLine;
      }
      const at = line.kind === "add" ? line.newLine : line.kind === "del" ? Math.max(1, previous) : undefined;
      if (at !== undefined && !changed.has(at)) {
        changed.add(at);
        lines.push(at);
      }
    }
    hunks.push(lines);
  }
  return { hunks, changed, visible };
}

/** True when every line from `start` to `end` is shown by the diff. */
export function fullyVisible(visible: ReadonlySet<number>, start: number, end: number): boolean {
  for (let line = start; line <= end; line++) if (!visible.has(line)) return false;
  return true;
}
