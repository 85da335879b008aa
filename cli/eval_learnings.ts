/**
 * Learnings in the eval: a case's `learnings` become the learnings of a real review (`reviewLearningsOf`: rules
 * in the prompt for matching paths, matching findings held back), and the report compares the dataset's scores
 * with them and without them — precision is what learnings are for: they remove comments the team said are
 * wrong, and must not remove true ones.
 */
import type { Learning } from "../lib/learnings/mod.ts";
import { checkPathGlobs, checkRule, checkSuppress } from "../lib/learnings/mod.ts";
import { type ReviewLearnings, reviewLearningsOf } from "../lib/review/learnings.ts";
import type { CaseResult, EvalLearning } from "./metrics.ts";

/** The review learnings of a case, each checked and normalised as a stored learning is. */
export function caseLearnings(learnings: readonly EvalLearning[]): ReviewLearnings {
  return reviewLearningsOf(learnings.map((learning, index): Learning => ({
    id: index + 1,
    orgId: null,
    repoId: 1,
    rule: checkRule(learning.rule),
    pathGlobs: checkPathGlobs(learning.paths ?? []),
    suppress: learning.suppress === undefined ? null : checkSuppress(learning.suppress),
    source: { kind: "import", url: null, commentId: null, prNumber: null },
    enabled: true,
    status: "active",
    createdBy: "eval",
    createdAt: 0,
    updatedBy: "eval",
    updatedAt: index,
  })));
}

/** Precision, recall and F1 of summed counts, as `summarize` computes them. */
function scores(counts: { truePositives: number; falsePositives: number; falseNegatives: number }) {
  const { truePositives: tp, falsePositives: fp, falseNegatives: fn } = counts;
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  return {
    ...counts,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
  };
}

/** The dataset with and without learnings; `null` when no case has any. */
export interface LearningsEffect {
  /** Cases that have learnings. */
  cases: number;
  /** Findings the learnings held back over those cases. */
  suppressed: number;
  without: ReturnType<typeof scores>;
  with: ReturnType<typeof scores>;
}

/** Sums the scores of the whole dataset twice: every case as reviewed, and cases with learnings without them. */
export function learningsEffect(results: readonly CaseResult[]): LearningsEffect | null {
  const taught = results.filter((result) => result.learnings !== undefined);
  if (taught.length === 0) return null;
  const sum = (
    pick: (result: CaseResult) => { truePositives: number; falsePositives: number; falseNegatives: number },
  ) =>
    results.reduce((total, result) => {
      const counts = pick(result);
      return {
        truePositives: total.truePositives + counts.truePositives,
        falsePositives: total.falsePositives + counts.falsePositives,
        falseNegatives: total.falseNegatives + counts.falseNegatives,
      };
    }, { truePositives: 0, falsePositives: 0, falseNegatives: 0 });
  return {
    cases: taught.length,
    suppressed: taught.reduce((total, result) => total + result.learnings!.suppressed, 0),
    without: scores(sum((result) => result.learnings?.without ?? result)),
    with: scores(sum((result) => result)),
  };
}

/** The comparison as a small table. */
export function renderLearningsEffect(effect: LearningsEffect): string {
  const row = (name: string, score: ReturnType<typeof scores>) => [
    name,
    score.precision.toFixed(3),
    score.recall.toFixed(3),
    score.f1.toFixed(3),
    `${score.truePositives} / ${score.falsePositives} / ${score.falseNegatives}`,
  ];
  const rows = [row("without learnings", effect.without), row("with learnings", effect.with)];
  const headings = ["learnings", "precision", "recall", "F1", "TP / FP / FN"];
  const widths = headings.map((heading, column) =>
    Math.max(heading.length, ...rows.map((r) => r[column]!.length))
  );
  const line = (cells: string[]) =>
    cells.map((cell, column) => column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))
      .join("  ").trimEnd();
  return [
    `Learnings: ${effect.cases} case(s) have learnings; ${effect.suppressed} finding(s) held back.`,
    line(headings),
    line(widths.map((width) => "-".repeat(width))),
    ...rows.map(line),
  ].join("\n") + "\n";
}
