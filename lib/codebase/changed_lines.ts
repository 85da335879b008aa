/**
 * The head-side lines a diff file changes and the lines it shows, per hunk. Replaced lines are their added
 * lines. A deletion alone changes no head line, so it is placed on the head line before it (the line the removed
 * code followed), which lies inside the same function or class unless the deletion opened it.
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
    const mark = (line: number) => {
      if (changed.has(line)) return;
      changed.add(line);
      lines.push(line);
    };
    let previous = hunk.newStart - 1;
    // Where a run of deleted lines stands, until the next line tells whether it was replaced (added lines
    // follow: those are the change) or only removed (the head line before the run is marked).
    let removedAfter: number | null = null;
    for (const line of hunk.lines) {
      if (line.kind === "del") {
        removedAfter ??= Math.max(1, previous);
        continue;
      }
      if (line.kind === "no_newline") continue;
      if (removedAfter !== null && line.kind !== "add") mark(removedAfter);
      removedAfter = null;
      if (line.newLine !== undefined) {
        visible.add(line.newLine);
        previous = line.newLine;
        if (line.kind === "add") mark(line.newLine);
      }
    }
    if (removedAfter !== null) mark(removedAfter);
    hunks.push(lines);
  }
  return { hunks, changed, visible };
}

/** True when every line from `start` to `end` is shown by the diff. */
export function fullyVisible(visible: ReadonlySet<number>, start: number, end: number): boolean {
  for (let line = start; line <= end; line++) if (!visible.has(line)) return false;
  return true;
}
