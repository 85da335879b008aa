/** What GitHub offers beyond the adapter contract: the cells of the capability matrix (`../capabilities.ts`). */
import type { PlatformCapabilities } from "../capabilities.ts";

export const githubCapabilities = {
  status: { yes: "check run `loom/review` with a GitHub App, commit status `loom/review` with a token" },
  checkRun: { partly: "GitHub App installs only: GitHub lets only Apps write check runs" },
  suggestions: { yes: "` ```suggestion ` on new-side lines and ranges" },
  suggestionSyntax: "suggestion",
  summaryEditedInPlace: false,
  incremental: "yes",
  resolveThreads: {
    yes: "review threads resolved through GraphQL `resolveReviewThread`, after a reply naming the commit",
  },
  commands: "yes",
  threadReplies: {
    yes: "`pull_request_review_comment` with `in_reply_to_id`; answered through `…/comments/{id}/replies`",
  },
  labels: { yes: "`labeled`/`unlabeled` start the review a label filter skipped" },
  tickets: {
    yes: "issues and pull requests: `#12`, `owner/name#12`, closing keywords, issue URLs; first comments too",
  },
  archive: { yes: "`GET /repos/{owner}/{repo}/tarball/{sha}`, followed to codeload" },
} as const satisfies PlatformCapabilities;
