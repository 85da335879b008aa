/**
 * Which learnings apply where: the rules a review chunk's prompt gets (those whose path globs match one of the
 * chunk's files, within a budget) and the learning that holds a finding back (its suppression matches the
 * finding's normalised title, step and path). Pure: the caller loads the enabled, active learnings once per
 * review (`activeLearningsFor`).
 */
import { compileGlobs } from "../config/globs.ts";
import type { Learning } from "../db/learnings.ts";
import { type Finding, normaliseTitle, similarTitles, titleWords } from "../findings.ts";

/** How many rules one prompt gets at most, and roughly how many tokens of them (4 characters a token). */
export interface LearningBudget {
  maxRules: number;
  maxTokens: number;
}

/** 20 rules of about 100 tokens each: room for a team's conventions without crowding out the diff. */
export const DEFAULT_LEARNING_BUDGET: LearningBudget = { maxRules: 20, maxTokens: 2_000 };

/** Whether the learning is about `path`: no globs means every file. */
export function learningCovers(learning: Learning, path: string): boolean {
  return learning.pathGlobs.length === 0 || compileGlobs(learning.pathGlobs)(path);
}

/**
 * The learnings for a chunk of `paths`, most specific first (a repository's before its organization's, path-scoped
 * before unscoped), newest first within each, cut at the budget's rule count and token estimate. A rule that does
 * not fit the tokens left is skipped and a shorter one after it may still fit.
 */
export function learningsForPaths(
  learnings: readonly Learning[],
  paths: readonly string[],
  budget: LearningBudget = DEFAULT_LEARNING_BUDGET,
): Learning[] {
  const matching = learnings.filter((learning) => paths.some((path) => learningCovers(learning, path)));
  const specificity = (learning: Learning) =>
    (learning.repoId === null ? 0 : 2) + (learning.pathGlobs.length === 0 ? 0 : 1);
  matching.sort((a, b) => specificity(b) - specificity(a) || b.updatedAt - a.updatedAt || b.id - a.id);
  const chosen: Learning[] = [];
  let tokens = 0;
  for (const learning of matching) {
    if (chosen.length >= budget.maxRules) break;
    const cost = Math.ceil(learning.rule.length / 4);
    if (tokens + cost > budget.maxTokens) continue;
    chosen.push(learning);
    tokens += cost;
  }
  return chosen;
}

/**
 * Whether a finding's title words are the suppression's with a little added: every word of the suppression is
 * there, and the two share at least 80% (Dice). "avoid using console.log in scripts" is "avoid console.log in
 * scripts" reworded; "avoid console.error in scripts" (a word replaced) and "missing await on save" (half again
 * as long) are other findings.
 */
function reworded(suppressed: readonly string[], found: readonly string[]): boolean {
  const available = new Map<string, number>();
  for (const word of found) available.set(word, (available.get(word) ?? 0) + 1);
  for (const word of suppressed) {
    const count = available.get(word) ?? 0;
    if (count === 0) return false;
    available.set(word, count - 1);
  }
  return similarTitles(suppressed, found);
}

/**
 * The learning that keeps `finding` from being posted: its normalised title equals the suppression's, or is the
 * suppression reworded with a word or two added (`reworded`), the step
 * is the suppression's (when it names one) and the path is covered. `undefined` when none does.
 */
export function suppressingLearning(learnings: readonly Learning[], finding: Finding): Learning | undefined {
  const title = normaliseTitle(finding.title);
  const words = titleWords(title);
  return learnings.find((learning) =>
    learning.suppress !== null &&
    (learning.suppress.title === title || reworded(titleWords(learning.suppress.title), words)) &&
    (learning.suppress.step === null || learning.suppress.step === finding.step) &&
    learningCovers(learning, finding.path)
  );
}

/** Splits findings into those to post and those a learning holds back. */
export function partitionByLearnings(
  learnings: readonly Learning[],
  findings: readonly Finding[],
): { kept: Finding[]; suppressed: { finding: Finding; learning: Learning }[] } {
  const kept: Finding[] = [];
  const suppressed: { finding: Finding; learning: Learning }[] = [];
  for (const finding of findings) {
    const learning = suppressingLearning(learnings, finding);
    if (learning === undefined) kept.push(finding);
    else suppressed.push({ finding, learning });
  }
  return { kept, suppressed };
}
