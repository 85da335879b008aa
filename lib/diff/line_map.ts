/**
 * Exact answers to "is this line in the diff?" for one file. Built once in O(lines), then each lookup is a
 * binary search over the file's hunks plus an array read, because engines anchor thousands of findings.
 */
import type { DiffFile, DiffLine, DiffSide } from "./types.ts";

/** A run of lines shown on one side, clamped to one hunk. */
export interface HunkSpan {
  /** Index into `file.hunks`. */
  hunk: number;
  /** First line of the span (inclusive), a line number on the side asked about. */
  start: number;
  /** Last line of the span (inclusive). */
  end: number;
}

/** Lookups over one file's hunks; see {@linkcode createLineMap}. */
export interface LineMap {
  readonly file: DiffFile;
  /** Whether line `line` of `side` is shown: RIGHT = added or context new-file line, LEFT = deleted or context old-file line. */
  has(side: DiffSide, line: number): boolean;
  /** Index into `file.hunks` of the hunk showing `line` on `side`, or -1. */
  hunkIndex(side: DiffSide, line: number): number;
  /** The diff line showing `line` on `side`, if any. */
  lineAt(side: DiffSide, line: number): DiffLine | undefined;
  /**
   * GitHub's legacy `position`: the 1-based count of patch lines below the file's first `@@` header, where later
   * `@@` headers count as lines. Undefined when the line is not in the diff.
   */
  position(side: DiffSide, line: number): number | undefined;
  /** First and last line hunk `index` shows on `side`, or null when it shows none (a pure deletion on RIGHT). */
  hunkRange(index: number, side: DiffSide): { start: number; end: number } | null;
  /**
   * The part of the range `start..end` on `side` inside the first hunk it intersects (in line order), or null when
   * no hunk shows any of it. For a `start` inside a hunk this is that hunk, clamped to its end.
   */
  firstOverlap(side: DiffSide, start: number, end: number): HunkSpan | null;
}

/** Per-side index: hunks sorted by first line, and for each hunk a dense line → index-in-hunk table. */
interface SideIndex {
  /** Hunk indices that show at least one line on this side, sorted by their first line. */
  order: number[];
  starts: number[];
  ends: number[];
  /** `maxEnds[i]` = largest end among `order[0..i]`: lets lookups step back over overlapping hunks. */
  maxEnds: number[];
  /** `tables[hunk][line - start]` = index into `hunk.lines`, or -1 where odd input leaves a hole. */
  tables: (Int32Array | null)[];
  firstLine: number[];
  lastLine: number[];
}

function buildSide(file: DiffFile, key: "oldLine" | "newLine"): SideIndex {
  const count = file.hunks.length;
  const tables: (Int32Array | null)[] = new Array(count).fill(null);
  const firstLine: number[] = new Array(count).fill(0);
  const lastLine: number[] = new Array(count).fill(-1);
  for (let hunkIndex = 0; hunkIndex < count; hunkIndex++) {
    const lines = file.hunks[hunkIndex].lines;
    let min = Infinity;
    let max = -Infinity;
    for (const line of lines) {
      const number = line[key];
      if (number === undefined) continue;
      if (number < min) min = number;
      if (number > max) max = number;
    }
    // A hunk header claiming millions of lines it does not contain must not allocate millions of slots.
    if (min === Infinity || max - min > lines.length * 4 + 1024) continue;
    const table = new Int32Array(max - min + 1).fill(-1);
    for (let index = 0; index < lines.length; index++) {
      const number = lines[index][key];
      if (number !== undefined && table[number - min] === -1) table[number - min] = index;
    }
    tables[hunkIndex] = table;
    firstLine[hunkIndex] = min;
    lastLine[hunkIndex] = max;
  }
  const order = [];
  for (let hunkIndex = 0; hunkIndex < count; hunkIndex++) {
    if (tables[hunkIndex] !== null) order.push(hunkIndex);
  }
  // git emits hunks in line order; sorting makes the binary search hold for hand-made diffs too.
  order.sort((a, b) => firstLine[a] - firstLine[b]);
  const ends = order.map((hunk) => lastLine[hunk]);
  const maxEnds: number[] = [];
  for (const end of ends) maxEnds.push(Math.max(end, maxEnds.at(-1) ?? -Infinity));
  return {
    order,
    starts: order.map((hunk) => firstLine[hunk]),
    ends,
    maxEnds,
    tables,
    firstLine,
    lastLine,
  };
}

/**
 * Position in `order` of the first hunk that could show `line` or anything after it: the last hunk starting at or
 * before `line`, stepped back over earlier hunks that reach as far (only hand-made diffs have overlapping hunks,
 * so this is one step for git's output).
 */
function firstCandidate(side: SideIndex, line: number): number {
  let slot = lastStartingAtOrBefore(side, line);
  while (slot > 0 && side.maxEnds[slot - 1] >= line) slot--;
  if (slot === -1 || side.maxEnds[slot] < line) slot++;
  return slot;
}

/** Position in `order` of the last hunk whose first line is <= `line`, or -1. */
function lastStartingAtOrBefore(side: SideIndex, line: number): number {
  let low = 0;
  let high = side.starts.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (side.starts[middle] <= line) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

function indexInHunk(side: SideIndex, hunk: number, line: number): number {
  const table = side.tables[hunk];
  if (table === null) return -1;
  const offset = line - side.firstLine[hunk];
  return offset >= 0 && offset < table.length ? table[offset] : -1;
}

/**
 * Builds the line map of one file.
 *
 * @param file a parsed file from {@linkcode parseDiff}.
 * @returns lookups answering in O(log hunks).
 */
export function createLineMap(file: DiffFile): LineMap {
  const left = buildSide(file, "oldLine");
  const right = buildSide(file, "newLine");
  // Position of each hunk's `@@` line: the first one is 0, each later one follows the previous hunk's lines.
  const headerPositions: number[] = [];
  let next = 0;
  for (const hunk of file.hunks) {
    headerPositions.push(next);
    next += hunk.lines.length + 1;
  }
  const sideOf = (side: DiffSide) => side === "RIGHT" ? right : left;

  const find = (side: DiffSide, line: number): { hunk: number; index: number } | null => {
    const index = sideOf(side);
    for (
      let slot = firstCandidate(index, line);
      slot < index.order.length && index.starts[slot] <= line;
      slot++
    ) {
      if (index.ends[slot] < line) continue;
      const hunk = index.order[slot];
      const lineIndex = indexInHunk(index, hunk, line);
      if (lineIndex !== -1) return { hunk, index: lineIndex };
    }
    return null;
  };

  return {
    file,
    has: (side, line) => find(side, line) !== null,
    hunkIndex: (side, line) => find(side, line)?.hunk ?? -1,
    lineAt: (side, line) => {
      const found = find(side, line);
      return found === null ? undefined : file.hunks[found.hunk].lines[found.index];
    },
    position: (side, line) => {
      const found = find(side, line);
      return found === null ? undefined : headerPositions[found.hunk] + found.index + 1;
    },
    hunkRange: (index, side) => {
      const sideIndex = sideOf(side);
      if (index < 0 || index >= file.hunks.length || sideIndex.tables[index] === null) return null;
      return { start: sideIndex.firstLine[index], end: sideIndex.lastLine[index] };
    },
    firstOverlap: (side, start, end) => {
      if (end < start) return null;
      const index = sideOf(side);
      for (
        let slot = firstCandidate(index, start);
        slot < index.order.length && index.starts[slot] <= end;
        slot++
      ) {
        if (index.ends[slot] < start) continue;
        const hunk = index.order[slot];
        let first = Math.max(start, index.starts[slot]);
        let last = Math.min(end, index.ends[slot]);
        // Only odd input has holes inside a hunk; skip to lines that are really shown.
        while (first <= last && indexInHunk(index, hunk, first) === -1) first++;
        while (last >= first && indexInHunk(index, hunk, last) === -1) last--;
        if (first <= last) return { hunk, start: first, end: last };
      }
      return null;
    },
  };
}
