/**
 * Evaluation data and scoring: the labelled dataset format (one JSON object per line), matching findings to the
 * expected ones, and the precision / recall / cost summary `deno task eval` reports.
 */
import { z } from "zod";

/** A known issue in a case's diff. `category` is the pipeline step expected to report it (`bugs`, `security`…). */
export const ExpectedFinding = z.object({
  path: z.string().min(1),
  /** A line of the new file that shows the problem. */
  line: z.int().positive(),
  category: z.string().min(1),
  /** What the issue is, for people reading the dataset. */
  note: z.string().optional(),
}).strict();
export type ExpectedFinding = z.infer<typeof ExpectedFinding>;

/**
 * A learning the team taught before this pull request: its rule reaches the prompt for matching paths and its
 * suppression holds back a finding whose title matches (`lib/learnings/`), as in a real review.
 */
export const EvalLearning = z.object({
  rule: z.string().min(1),
  paths: z.array(z.string().min(1)).optional(),
  suppress: z.object({ title: z.string().min(1), step: z.string().min(1).optional() }).strict().optional(),
}).strict();
export type EvalLearning = z.infer<typeof EvalLearning>;

/** One labelled pull request. `expected` may be empty: a clean change measures false positives. */
export const EvalCase = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "must be lower-case letters, digits, - and _"),
  title: z.string().min(1),
  language: z.string().optional(),
  /** Unified diff in `git diff` format. */
  diff: z.string().min(1),
  expected: z.array(ExpectedFinding),
  /** Learnings in force for this case; the eval reviews such a case with and without them. */
  learnings: z.array(EvalLearning).optional(),
}).strict();
export type EvalCase = z.infer<typeof EvalCase>;

/**
 * Parses a JSON-lines dataset; blank lines are skipped.
 * @param text the file's content
 * @param name the file name, for messages
 * @throws {SyntaxError} naming the line of invalid JSON, a case that does not fit `EvalCase`, or a repeated id
 */
export function parseDataset(text: string, name: string): EvalCase[] {
  const cases: EvalCase[] = [];
  const ids = new Set<string>();
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new SyntaxError(`Cannot parse "${name}": line ${index + 1}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const result = EvalCase.safeParse(value);
    if (!result.success) {
      const problems = result.error.issues.map((issue) => `"${issue.path.join(".")}" ${issue.message}`);
      throw new SyntaxError(`Cannot parse "${name}": line ${index + 1}: ${problems.join("; ")}`);
    }
    if (ids.has(result.data.id)) {
      throw new SyntaxError(
        `Cannot parse "${name}": line ${index + 1}: id "${result.data.id}" is used twice`,
      );
    }
    ids.add(result.data.id);
    cases.push(result.data);
  });
  return cases;
}

/** What the matcher needs of a reported finding. */
export interface ScoredFinding {
  path: string;
  line: number;
  category: string;
}

/** Options for `matchFindings`. */
export interface MatchOptions {
  /** Largest line distance that still counts as the same issue; default 3. */
  tolerance?: number;
}

/** Which reported finding matched which expected one (indexes), and what was left over. */
export interface MatchResult {
  matches: { expected: number; found: number; distance: number }[];
  /** Indexes of reported findings that matched nothing. */
  falsePositives: number[];
  /** Indexes of expected findings nothing matched. */
  falseNegatives: number[];
}

/** Leading `./`, `/`, `a/` or `b/` that models add to repository paths. */
function normalisePath(path: string): string {
  return path.replace(/^(\.\/|\/)+/, "").replace(/^[ab]\//, "");
}

/**
 * Matches reported findings to expected ones, one to one: a pair qualifies when path and category are equal and
 * the lines differ by at most `tolerance`. Closest pairs are taken first (ties in dataset order), so a finding
 * two lines off cannot take an expected issue from one that is exact.
 */
export function matchFindings(
  expected: readonly ScoredFinding[],
  found: readonly ScoredFinding[],
  options: MatchOptions = {},
): MatchResult {
  const tolerance = options.tolerance ?? 3;
  const pairs: { expected: number; found: number; distance: number }[] = [];
  expected.forEach((want, wantIndex) => {
    found.forEach((got, gotIndex) => {
      if (normalisePath(want.path) !== normalisePath(got.path) || want.category !== got.category) return;
      const distance = Math.abs(want.line - got.line);
      if (distance <= tolerance) pairs.push({ expected: wantIndex, found: gotIndex, distance });
    });
  });
  pairs.sort((a, b) => a.distance - b.distance || a.expected - b.expected || a.found - b.found);
  const usedExpected = new Set<number>();
  const usedFound = new Set<number>();
  const matches: MatchResult["matches"] = [];
  for (const pair of pairs) {
    if (usedExpected.has(pair.expected) || usedFound.has(pair.found)) continue;
    usedExpected.add(pair.expected);
    usedFound.add(pair.found);
    matches.push(pair);
  }
  matches.sort((a, b) => a.expected - b.expected);
  return {
    matches,
    falsePositives: found.map((_, index) => index).filter((index) => !usedFound.has(index)),
    falseNegatives: expected.map((_, index) => index).filter((index) => !usedExpected.has(index)),
  };
}

/** One case's outcome. */
export interface CaseResult {
  id: string;
  expected: number;
  /** Findings the pipeline reported (what a pull request would receive as comments). */
  found: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** Expected categories that were found, and all expected categories, for the per-category table. */
  categories: { category: string; matched: boolean }[];
  /** Prompt tokens sent, cached ones included. */
  inputTokens: number;
  /** Prompt tokens the provider served from its prompt cache. */
  cachedInputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Steps that failed, with their error; a failing step makes its findings missing, not zero-cost. */
  failedSteps: { name: string; error: string }[];
  /**
   * Cases with learnings: findings the learnings held back, and the scores of the same case reviewed without
   * them (no guidance, nothing held back).
   */
  learnings?: {
    suppressed: number;
    without: { truePositives: number; falsePositives: number; falseNegatives: number };
  };
}

/** Recall for one category. */
export interface CategoryScore {
  category: string;
  expected: number;
  matched: number;
  recall: number;
}

/** The dataset-wide numbers. */
export interface EvalSummary {
  cases: number;
  expected: number;
  found: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** TP / (TP + FP), micro-averaged over all cases; 1 when nothing was reported. */
  precision: number;
  /** TP / (TP + FN), micro-averaged; 1 when nothing was expected. */
  recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  f1: number;
  commentsPerPr: number;
  inputTokensPerPr: number;
  cachedInputTokensPerPr: number;
  outputTokensPerPr: number;
  tokensPerPr: number;
  costPerPr: number;
  byCategory: CategoryScore[];
  failedSteps: number;
}

/** Sums case results into the dataset's scores. */
export function summarize(results: readonly CaseResult[]): EvalSummary {
  const total = (pick: (result: CaseResult) => number) =>
    results.reduce((sum, result) => sum + pick(result), 0);
  const truePositives = total((result) => result.truePositives);
  const falsePositives = total((result) => result.falsePositives);
  const falseNegatives = total((result) => result.falseNegatives);
  const precision = truePositives + falsePositives === 0
    ? 1
    : truePositives / (truePositives + falsePositives);
  const recall = truePositives + falseNegatives === 0 ? 1 : truePositives / (truePositives + falseNegatives);
  const perPr = (value: number) => results.length === 0 ? 0 : value / results.length;
  const categories = new Map<string, { expected: number; matched: number }>();
  for (const result of results) {
    for (const { category, matched } of result.categories) {
      const entry = categories.get(category) ?? { expected: 0, matched: 0 };
      entry.expected++;
      if (matched) entry.matched++;
      categories.set(category, entry);
    }
  }
  const inputTokens = total((result) => result.inputTokens);
  const outputTokens = total((result) => result.outputTokens);
  return {
    cases: results.length,
    expected: total((result) => result.expected),
    found: total((result) => result.found),
    truePositives,
    falsePositives,
    falseNegatives,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    commentsPerPr: perPr(total((result) => result.found)),
    inputTokensPerPr: perPr(inputTokens),
    cachedInputTokensPerPr: perPr(total((result) => result.cachedInputTokens)),
    outputTokensPerPr: perPr(outputTokens),
    tokensPerPr: perPr(inputTokens + outputTokens),
    costPerPr: perPr(total((result) => result.costUsd)),
    byCategory: [...categories.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([category, entry]) => ({
      category,
      ...entry,
      recall: entry.matched / entry.expected,
    })),
    failedSteps: total((result) => result.failedSteps.length),
  };
}
