/**
 * What Bitbucket Data Center / Server offers beyond the adapter contract: the cells of the capability matrix
 * (`../capabilities.ts`).
 */
import type { PlatformCapabilities } from "../capabilities.ts";

export const bitbucketServerCapabilities = {
  status: {
    yes: "build status `loom/review` on the head commit (Data Center 7.4+ repository-scoped builds API)",
  },
  checkRun: { yes: "Code Insights report `loom-review` with line annotations, beside the build status" },
  suggestions: {
    partly: "` ```suggestion ` on a single new-side line; a range gets a ` ```diff ` block (BSERV-4553)",
  },
  suggestionSyntax: "suggestion-single-line",
  summaryEditedInPlace: true,
  incremental: {
    yes: "through the raw diff between the last reviewed head and the new one (`…/diff?since=&until=`)",
  },
  resolveThreads: {
    yes:
      "comment threads resolved (`PUT …/comments/{id}` with `threadResolved`), after a reply naming the commit",
  },
  commands: "yes",
  threadReplies: {
    no:
      "not built yet (`pr:comment:added` carries the parent, and a reply takes `parent.id`); `@loom ask` is " +
      "answered in the conversation",
  },
  labels: {
    no:
      "Data Center pull requests have no labels; a non-empty `triggers.labels.include` skips every automatic review",
  },
  tickets: {
    no:
      "Bitbucket Data Center has no issue tracker of its own: Jira keys are read when `LOOM_JIRA_URL` is set",
  },
  archive: {
    no:
      "not read yet (`…/repos/{repo}/archive?format=tgz` is not wired): the review indexes the diff's own " +
      "files, and its summary says the repository index was unavailable",
  },
} as const satisfies PlatformCapabilities;
