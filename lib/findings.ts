/**
 * The neutral finding the engine produces, the database stores and every platform renders: the one definition
 * of `Finding` and `Severity`, on the ground floor so the stores below the engine name it too.
 */
import { z } from "zod";

export const Severity = z.enum(["blocker", "warning", "info"]);
export type Severity = z.infer<typeof Severity>;

/** Ranks severities so the most severe sort first. */
export const SEVERITY_RANK: Record<Severity, number> = { blocker: 0, warning: 1, info: 2 };

export interface Finding {
  path: string;
  /** Line in the new file for RIGHT, in the old file for LEFT. */
  line: number;
  side: "LEFT" | "RIGHT";
  /** Last line of a multi-line range (inclusive), same side. */
  endLine?: number;
  severity: Severity;
  title: string;
  body: string;
  /** Replacement text for the lines `line..endLine`, rendered as a suggestion block. */
  suggestion?: string;
  /** The pipeline step that produced the finding. */
  step: string;
}

// "line 42", "lines 10-12", "L42", "#L10-L20", "ln 7", "lines 3 to 5": the number is where, not what.
const LINE_REFERENCE = /\b(?:lines?|ln|l)\s*#?\s*\d+(?:\s*(?:-|–|—|\.\.|to|and)\s*l?\d+)?\b/g;
// "app.ts:42" or "app.ts:42:7".
const FILE_POSITION = /:\d+(?::\d+)?\b/g;
const QUOTES = /[`"'\u2018\u2019\u201c\u201d]/g;

/**
 * The title as fingerprints and learnings compare it: lowercase, quotes dropped, line references reduced to the
 * word "line", whitespace collapsed and trailing punctuation removed. On the ground floor because the learnings
 * store (below the engine) keeps its suppressions in this form.
 */
export function normaliseTitle(title: string): string {
  return title
    .toLowerCase()
    .replace(QUOTES, "")
    .replace(LINE_REFERENCE, "line")
    .replace(FILE_POSITION, "")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[.!:;,]+$/, "");
}

/** The words of a (normalised) title: runs of letters, digits and underscores. */
export function titleWords(title: string): string[] {
  return title.split(/[^\p{L}\p{N}_]+/u).filter((word) => word !== "");
}

/**
 * Dice similarity over word multisets, at least 0.8. Words rather than characters: "unused variable `a`" and
 * "unused variable `b`" differ by one character but are different findings (0.67), while "avoid console.log in
 * production code" and "avoid using console.log in production code" are one (0.92). Used to merge duplicate
 * findings and to match a learning's suppression to a model's rewording.
 */
export function similarTitles(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 || b.length === 0) return a.length === b.length;
  const counts = new Map<string, number>();
  for (const word of a) counts.set(word, (counts.get(word) ?? 0) + 1);
  let shared = 0;
  for (const word of b) {
    const count = counts.get(word) ?? 0;
    if (count > 0) {
      shared++;
      counts.set(word, count - 1);
    }
  }
  return (2 * shared) / (a.length + b.length) >= 0.8;
}
