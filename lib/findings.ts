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
