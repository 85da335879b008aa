/**
 * The words every floor uses about a pull request's reviews, defined once: the actions a platform's webhook is
 * turned into, which of them start a review (and which a repository's `triggers.events` may name), what a review
 * job was started by, and the job group key. Every review job of one pull request — from a webhook, an `@loom
 * review` command or the dashboard's re-run — is queued under `pullRequestGroupKey`, so two of them never run
 * at once and a push supersedes them all.
 */

/**
 * The pull-request actions that start a review: the words `triggers.events` accepts. `edited` is a change of the
 * title or the labels without a push, so a label added later or a skip keyword taken out of the title can start
 * the review the earlier event skipped; a head already reviewed is never reviewed again for it.
 */
export const REVIEW_EVENTS = ["opened", "synchronize", "reopened", "ready_for_review", "edited"] as const;
export type ReviewEvent = typeof REVIEW_EVENTS[number];

/** What a pull-request webhook means for Loom: a review event, or `closed` (cancels the pull request's jobs). */
export type PullRequestAction = ReviewEvent | "closed";

/** What started a review: the webhook's event, or `manual` (the dashboard's "Re-run review", `@loom review`). */
export type ReviewAction = ReviewEvent | "manual";

const EVENTS: ReadonlySet<string> = new Set(REVIEW_EVENTS);

/** Whether `action` starts a review. */
export function isReviewEvent(action: string): action is ReviewEvent {
  return EVENTS.has(action);
}

/**
 * The job group of a pull request's reviews: platform, repository and number. The repository's name is
 * lower-cased because platforms match it without case (GitHub answers `Octo/App` and `octo/app` alike), and a
 * webhook and a re-run spelling it differently must still land in one group.
 */
export function pullRequestGroupKey(pr: { platform: string; repo: string; number: number }): string {
  return `${pr.platform}:${pr.repo.toLowerCase()}#${pr.number}`;
}
