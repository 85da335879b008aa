/** Whether a pull-request event should be reviewed, decided from `triggers` alone: a pure function. */
import { compileFilter, compileGlobs } from "./globs.ts";
import type { RepoConfig } from "./schema.ts";
import type { ReviewEvent } from "../pull_request.ts";

/** The pull-request events a configuration can react to. */
export type TriggerEventName = ReviewEvent;

/** What `evaluateTriggers` needs to know about the event. */
export interface TriggerInput {
  event: TriggerEventName;
  /** The target branch name, without `refs/heads/`. */
  baseRef: string;
  author: string;
  authorIsBot: boolean;
  draft: boolean;
  /** Paths of every file the pull request changes (new path for renames). */
  changedPaths: string[];
}

/** Either run the review, or skip it with a reason fit for a log line or a status description. */
export type TriggerDecision = { run: true } | { run: false; reason: string };

/**
 * Decides from the repository's `triggers` whether to review. Checks run cheapest first; the first failing
 * check gives the reason.
 * @param triggers the parsed `triggers` section
 * @param input facts about the event
 */
export function evaluateTriggers(triggers: RepoConfig["triggers"], input: TriggerInput): TriggerDecision {
  if (!triggers.events.includes(input.event)) {
    return { run: false, reason: `Event "${input.event}" is not in triggers.events` };
  }
  const baseRef = input.baseRef.replace(/^refs\/heads\//, "");
  if (!compileFilter(triggers.branches)(baseRef)) {
    return { run: false, reason: `Base branch "${baseRef}" does not match triggers.branches` };
  }
  if (input.draft && !triggers.drafts) {
    return { run: false, reason: "Pull request is a draft and triggers.drafts is false" };
  }
  const authorIncluded = triggers.authors.include.length === 0 ||
    compileGlobs(triggers.authors.include, { nocase: true })(input.author);
  if (!authorIncluded) {
    return { run: false, reason: `Author "${input.author}" does not match triggers.authors.include` };
  }
  if (compileGlobs(triggers.authors.exclude, { nocase: true })(input.author)) {
    return { run: false, reason: `Author "${input.author}" matches triggers.authors.exclude` };
  }
  // A bot named explicitly in `authors.include` is wanted even when bots in general are not.
  const botNamed = triggers.authors.include.length > 0 && authorIncluded;
  if (input.authorIsBot && !triggers.authors.bots && !botNamed) {
    return { run: false, reason: `Author "${input.author}" is a bot and triggers.authors.bots is false` };
  }
  const pathSelected = compileFilter(triggers.paths);
  if (!input.changedPaths.some((path) => pathSelected(path))) {
    return {
      run: false,
      reason: input.changedPaths.length === 0
        ? "Pull request changes no files"
        : `None of the ${input.changedPaths.length} changed paths match triggers.paths`,
    };
  }
  return { run: true };
}
