/**
 * Proposing a learning: the one way feedback (`@loom ignore … because …`, a conceded dispute, a 👎 reaction)
 * becomes a stored rule. The input is checked and brought to its stored form here (a trimmed rule of at most
 * 1,000 characters, at most 20 path globs, the suppression title normalised as fingerprints normalise it), so
 * every source stores the same shape. A source with a comment id is stored once: proposing it again returns the
 * first learning unchanged, whatever happened to it since (edited, disabled, dismissed).
 */
import type { Db } from "../db/mod.ts";
import {
  insertLearning,
  type Learning,
  type LearningSourceKind,
  type LearningStatus,
  type LearningSuppress,
} from "../db/learnings.ts";
import { normaliseTitle } from "../findings.ts";

/** A rule is a sentence or two for a prompt: 1,000 characters is about 250 tokens, an eighth of the budget. */
export const MAX_RULE_CHARS = 1_000;
/** More than 20 globs is a configuration, not a learning. */
export const MAX_PATH_GLOBS = 20;
const MAX_GLOB_CHARS = 200;

/** Bad input to a learning: the message names the field and is safe to show to the person who gave it. */
export class LearningInputError extends Error {
  override name = "LearningInputError";
}

export interface ProposeLearningInput {
  orgId: number | null;
  /** `null` for an organization-wide learning (then `orgId` is required). */
  repoId: number | null;
  rule: string;
  pathGlobs: string[];
  /** The finding to hold back on later pull requests; its title is normalised here. Absent: guidance only. */
  suppress?: { title: string; step?: string | null };
  source: { kind: LearningSourceKind; url?: string; commentId?: string; prNumber?: number };
  /** The platform login (or dashboard user) the learning is credited to. */
  createdBy: string;
  /**
   * Overrides the status the source kind gives: `ignore`, `dashboard` and `import` come from people with write
   * access and start `active`; `concede` and `reaction` start `proposed` and wait for approval on the dashboard.
   */
  status?: LearningStatus;
}

const DEFAULT_STATUS: Record<LearningSourceKind, LearningStatus> = {
  ignore: "active",
  dashboard: "active",
  import: "active",
  concede: "proposed",
  reaction: "proposed",
};

/** Checks and trims a rule; throws `LearningInputError`. */
export function checkRule(rule: string): string {
  const trimmed = rule.trim();
  if (trimmed.length === 0) throw new LearningInputError("The rule is empty");
  if (trimmed.length > MAX_RULE_CHARS) {
    throw new LearningInputError(`The rule is ${trimmed.length} characters long; at most ${MAX_RULE_CHARS}`);
  }
  return trimmed;
}

/** Checks and trims path globs (empty entries dropped, duplicates once); throws `LearningInputError`. */
export function checkPathGlobs(globs: readonly string[]): string[] {
  const kept = [...new Set(globs.map((glob) => glob.trim()).filter((glob) => glob.length > 0))];
  if (kept.length > MAX_PATH_GLOBS) {
    throw new LearningInputError(`${kept.length} path globs; at most ${MAX_PATH_GLOBS}`);
  }
  const long = kept.find((glob) => glob.length > MAX_GLOB_CHARS);
  if (long !== undefined) {
    throw new LearningInputError(
      `The path glob "${long.slice(0, 40)}…" is over ${MAX_GLOB_CHARS} characters`,
    );
  }
  return kept;
}

/** The stored form of a suppression; throws `LearningInputError` when the title normalises to nothing. */
export function checkSuppress(suppress: { title: string; step?: string | null }): LearningSuppress {
  const title = normaliseTitle(suppress.title);
  if (title.length === 0) throw new LearningInputError("The finding title to suppress is empty");
  const step = suppress.step?.trim() ?? "";
  return { title, step: step.length === 0 ? null : step };
}

/**
 * Stores a learning (or returns the one already stored for the same source comment).
 * @throws LearningInputError for an empty or over-long rule, too many globs, or no scope
 */
export async function proposeLearning(
  db: Db,
  input: ProposeLearningInput,
  now: number = Date.now(),
): Promise<Learning> {
  if (input.repoId === null && input.orgId === null) {
    throw new LearningInputError("A learning needs a repository or an organization");
  }
  const createdBy = input.createdBy.trim();
  if (createdBy.length === 0) throw new LearningInputError("A learning needs its author");
  const commentId = input.source.commentId ?? null;
  return await insertLearning(db, {
    orgId: input.orgId,
    repoId: input.repoId,
    rule: checkRule(input.rule),
    pathGlobs: checkPathGlobs(input.pathGlobs),
    suppress: input.suppress === undefined ? null : checkSuppress(input.suppress),
    source: {
      kind: input.source.kind,
      url: input.source.url ?? null,
      commentId,
      prNumber: input.source.prNumber ?? null,
    },
    // The repository (or organization) qualifies the comment id: ids are unique per platform instance at best.
    sourceKey: commentId === null
      ? null
      : `${input.source.kind}:${input.repoId ?? `org${input.orgId}`}:${commentId}`,
    enabled: true,
    status: input.status ?? DEFAULT_STATUS[input.source.kind],
    createdBy,
  }, now);
}
