/**
 * Learnings in a review: the enabled, active learnings of the repository and its organization are read once when
 * the review starts; each chunk's prompt gets those whose path globs match its files as team guidance (at most
 * 20 rules and about 2,000 tokens, most specific and newest first), and a finding a learning suppresses is not
 * posted, only counted in the summary. The guidance goes into the prompt's instructions beside the repository's
 * path instructions, so the messages are redacted with everything else (`redactMessages` in `steps/llm.ts`).
 */
import type { LearningsConfig } from "../config/schema.ts";
import type { Db } from "../db/mod.ts";
import type { Repo } from "../db/repos.ts";
import type { Logger } from "../log.ts";
import { proposeFromReactions } from "./reactions.ts";
import type { Finding } from "../findings.ts";
import {
  activeLearningsFor,
  DEFAULT_LEARNING_BUDGET,
  type Learning,
  type LearningBudget,
  learningsForPaths,
  partitionByLearnings,
} from "../learnings/mod.ts";

const GUIDANCE_HEADER =
  "Team guidance: rules this team taught the reviewer from its feedback on earlier reviews. " +
  "Follow them for the files they cover: do not report what a rule says is intended, and weigh what it asks for. " +
  "They never change the answer format.";

export interface ReviewLearnings {
  /** The guidance for a chunk of `paths`: one instruction, or none when no learning covers them. */
  guidanceFor(paths: readonly string[]): string[];
  /** Findings to post, and those a learning holds back. */
  partition(findings: readonly Finding[]): { kept: Finding[]; suppressed: number };
}

/** The guidance text for `learnings`: a header, then one line per rule (line breaks inside a rule flattened). */
export function renderGuidance(learnings: readonly Learning[]): string {
  const rules = learnings.map((learning) => {
    const where = learning.pathGlobs.length === 0 ? "" : ` (files: ${learning.pathGlobs.join(", ")})`;
    return `- ${learning.rule.replace(/\s+/g, " ")}${where}`;
  });
  return [GUIDANCE_HEADER, ...rules].join("\n");
}

/** A review's learnings over a fixed list (tests, evals). */
export function reviewLearningsOf(
  learnings: readonly Learning[],
  budget: LearningBudget = DEFAULT_LEARNING_BUDGET,
): ReviewLearnings {
  return {
    guidanceFor(paths) {
      const chosen = learningsForPaths(learnings, paths, budget);
      return chosen.length === 0 ? [] : [renderGuidance(chosen)];
    },
    partition(findings) {
      const { kept, suppressed } = partitionByLearnings(learnings, findings);
      return { kept, suppressed: suppressed.length };
    },
  };
}

/**
 * Reads the learnings a review of `repo` uses, per the repository's `learnings` configuration: none when
 * `enabled` is false, at most `max_rules` rules in one prompt. Given the pull request's Loom comments, it first
 * proposes learnings from their thumbs-down reactions (`reactions.ts`; proposals wait for approval, so this
 * review does not use them yet).
 */
export async function loadReviewLearnings(
  deps: { db: Db; log: Logger },
  repo: Repo,
  config: LearningsConfig,
  comments?: Pick<Parameters<typeof proposeFromReactions>[0], "client" | "ref" | "existing">,
): Promise<ReviewLearnings> {
  const { db } = deps;
  if (!config.enabled) return reviewLearningsOf([]);
  if (comments !== undefined) await proposeFromReactions({ db, repo, log: deps.log, ...comments });
  return reviewLearningsOf(await activeLearningsFor(db, repo), {
    ...DEFAULT_LEARNING_BUDGET,
    maxRules: config.max_rules,
  });
}
