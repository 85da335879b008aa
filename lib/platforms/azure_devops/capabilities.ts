/** What Azure DevOps offers beyond the adapter contract: the cells of the capability matrix (`../capabilities.ts`). */
import type { PlatformCapabilities } from "../capabilities.ts";

export const azureDevopsCapabilities = {
  status: { yes: "pull-request status `loom/review` on the reviewed iteration" },
  checkRun: { no: "Azure DevOps has no annotation API; findings are file-anchored threads" },
  suggestions: { yes: "` ```suggestion ` in threads on new-side lines and ranges" },
  suggestionSyntax: "suggestion",
  summaryEditedInPlace: true,
  incremental: {
    yes: "the push's changed paths from `GET …/diffs/commits`, each file diffed from both versions",
  },
  resolveThreads: { yes: "thread status set to `fixed`, after a reply naming the commit" },
  commands: "yes",
  threadReplies: {
    yes: "comment events with a `parentCommentId` name their thread; answered with a comment in that thread",
  },
  labels: {
    yes: "active pull request labels (tags); a label change arrives as an update of the pull request",
  },
  tickets: { yes: "work items linked to the pull request, and `AB#12` or `#12` in its text" },
  archive: {
    no:
      "not read yet (the items API answers a zip, which the tar reader does not read): the review indexes " +
      "the diff's own files, and its summary says the repository index was unavailable",
  },
} as const satisfies PlatformCapabilities;
