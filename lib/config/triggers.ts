/** Whether a pull-request event should be reviewed, decided from `triggers` alone: a pure function. */
import { compileFilter, compileGlobs } from "./globs.ts";
import type { RepoConfig } from "./schema.ts";
import type { ReviewAction } from "../pull_request.ts";

/** What started the review: a pull-request event, or `manual` (`@loom review`, the dashboard's re-run). */
export type TriggerEventName = ReviewAction;

/** What `evaluateTriggers` needs to know about the event. */
export interface TriggerInput {
  event: TriggerEventName;
  /** The target branch name, without `refs/heads/`. */
  baseRef: string;
  title: string;
  /** The pull request's label names; `null` where the platform has no labels (Bitbucket). */
  labels: readonly string[] | null;
  author: string;
  authorIsBot: boolean;
  draft: boolean;
  /** Paths of every file the pull request changes (new path for renames). */
  changedPaths: string[];
}

/** Either run the review, or skip it with a reason fit for a log line or a status description. */
export type TriggerDecision = { run: true } | { run: false; reason: string };

type Triggers = RepoConfig["triggers"];

/**
 * Decides from the repository's `triggers` whether to review. Checks run cheapest first; the first failing
 * check gives the reason.
 *
 * Someone asking for a review (`manual`) gets one whatever `mode`, `events`, `drafts`, `authors`, `labels` and
 * `title` say — those choose what is reviewed without asking; `branches` and `paths` still apply, since outside
 * them there is nothing the configuration wants reviewed.
 * @param triggers the parsed `triggers` section
 * @param input facts about the event
 */
export function evaluateTriggers(triggers: Triggers, input: TriggerInput): TriggerDecision {
  const automatic = input.event !== "manual";
  if (automatic && triggers.mode === "manual") {
    return { run: false, reason: 'triggers.mode is "manual": only "@loom review" starts a review' };
  }
  if (input.event !== "manual" && !triggers.events.includes(input.event)) {
    return { run: false, reason: `Event "${input.event}" is not in triggers.events` };
  }
  const baseRef = input.baseRef.replace(/^refs\/heads\//, "");
  if (!compileFilter(triggers.branches)(baseRef)) {
    return { run: false, reason: `Base branch "${baseRef}" does not match triggers.branches` };
  }
  if (automatic) {
    const skipped = automaticSkip(triggers, input);
    if (skipped !== null) return { run: false, reason: skipped };
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

/** The reason the filters of automatic reviews (draft, title, labels, author) skip this one, or null. */
function automaticSkip(triggers: Triggers, input: TriggerInput): string | null {
  if (input.draft && !triggers.drafts) return "Pull request is a draft and triggers.drafts is false";
  const keyword = triggers.title.skip_keywords.find((word) => titleHasKeyword(input.title, word));
  if (keyword !== undefined) return `Title contains "${keyword}" (triggers.title.skip_keywords)`;
  const labels = labelSkip(triggers.labels, input.labels);
  if (labels !== null) return labels;
  const authorIncluded = triggers.authors.include.length === 0 ||
    compileGlobs(triggers.authors.include, { nocase: true })(input.author);
  if (!authorIncluded) return `Author "${input.author}" does not match triggers.authors.include`;
  if (compileGlobs(triggers.authors.exclude, { nocase: true })(input.author)) {
    return `Author "${input.author}" matches triggers.authors.exclude`;
  }
  // A bot named explicitly in `authors.include` is wanted even when bots in general are not.
  const botNamed = triggers.authors.include.length > 0 && authorIncluded;
  if (input.authorIsBot && !triggers.authors.bots && !botNamed) {
    return `Author "${input.author}" is a bot and triggers.authors.bots is false`;
  }
  return null;
}

function labelSkip(filter: Triggers["labels"], labels: readonly string[] | null): string | null {
  if (labels === null) {
    // Without labels nothing can match `include`; an `exclude` list has nothing to exclude.
    return filter.include.length > 0
      ? "This platform has no labels, so no pull request matches triggers.labels.include"
      : null;
  }
  const carried = new Map(labels.map((label) => [label.trim().toLowerCase(), label]));
  const excluded = filter.exclude.find((label) => carried.has(label.toLowerCase()));
  if (excluded !== undefined) {
    return `Label "${carried.get(excluded.toLowerCase())}" matches triggers.labels.exclude`;
  }
  if (filter.include.length > 0 && !filter.include.some((label) => carried.has(label.toLowerCase()))) {
    return labels.length === 0
      ? "Pull request has no labels and triggers.labels.include is set"
      : `None of the labels ${labels.map((label) => `"${label}"`).join(", ")} match triggers.labels.include`;
  }
  return null;
}

/**
 * Whether `keyword` appears in `title` without case and as whole words: where the keyword begins or ends with a
 * letter or digit, the title must not continue it ("WIP" is in "WIP: parser" and "[WIP]", not in "wipe").
 */
export function titleHasKeyword(title: string, keyword: string): boolean {
  const haystack = title.toLowerCase();
  const needle = keyword.trim().toLowerCase();
  if (needle === "") return false;
  const word = /[\p{L}\p{N}_]/u;
  const startsWord = word.test(needle[0]);
  const endsWord = word.test(needle[needle.length - 1]);
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
    const before = at > 0 ? haystack[at - 1] : "";
    const after = haystack[at + needle.length] ?? "";
    if ((!startsWord || !word.test(before)) && (!endsWord || !word.test(after))) return true;
  }
  return false;
}
