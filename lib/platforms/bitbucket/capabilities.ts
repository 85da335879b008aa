/** What Bitbucket Cloud offers beyond the adapter contract: the cells of the capability matrix (`../capabilities.ts`). */
import type { PlatformCapabilities } from "../capabilities.ts";

export const bitbucketCapabilities = {
  status: { yes: "build status `loom/review` tied to the source branch" },
  checkRun: { yes: "Code Insights report `loom-review` with line annotations, beside the build status" },
  suggestions: { no: "Bitbucket Cloud has no documented suggestion syntax; a ` ```diff ` block is posted" },
  suggestionSyntax: "diff",
  summaryEditedInPlace: true,
  incremental: { yes: "the push's diff from `GET …/diff/{head}..{base}?topic=true`" },
  resolveThreads: {
    yes: "comment threads resolved (`POST …/comments/{id}/resolve`), after a reply naming the commit",
  },
  commands: "yes",
  threadReplies: {
    yes: "`pullrequest:comment_created` with `comment.parent`; answered with a reply to that comment",
  },
  labels: {
    no:
      "Bitbucket Cloud pull requests have no labels; a non-empty `triggers.labels.include` skips every automatic review",
  },
  tickets: {
    partly:
      "`#12` from the repository's issue tracker, which is off unless enabled; Jira keys with `LOOM_JIRA_URL`",
  },
  archive: {
    no: "not read yet (Bitbucket serves archives from bitbucket.org, outside its REST API): the review " +
      "indexes the diff's own files, and its summary says the repository index was unavailable",
  },
} as const satisfies PlatformCapabilities;
