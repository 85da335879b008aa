/** What GitLab offers beyond the adapter contract: the cells of the capability matrix (`../capabilities.ts`). */
import type { PlatformCapabilities } from "../capabilities.ts";

export const gitlabCapabilities = {
  status: { yes: "commit status `loom/review`" },
  checkRun: { no: "GitLab has no check-run API for outside services (reports come only from CI jobs)" },
  suggestions: { yes: "` ```suggestion:-N+0 ` on new-side lines, ranges up to 100 lines" },
  suggestionSyntax: "suggestion-range-above",
  summaryEditedInPlace: true,
  incremental: "yes",
  resolveThreads: { yes: "discussions resolved, after a reply naming the commit" },
  commands: "yes",
  threadReplies: {
    yes: "note hooks on a `DiffNote` with its `discussion_id`; answered as a note of the discussion",
  },
  labels: { yes: "a merge request update that changes the labels starts the review a label filter skipped" },
  tickets: { yes: "issues (`#12`) and merge requests (`!12`), also `group/project#12` and issue URLs" },
  archive: { yes: "`GET /projects/:id/repository/archive.tar.gz?sha=`" },
} as const satisfies PlatformCapabilities;
