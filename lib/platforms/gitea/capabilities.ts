/**
 * What Gitea and Forgejo offer beyond the adapter contract: the cells of the capability matrix
 * (`../capabilities.ts`).
 */
import type { PlatformCapabilities } from "../capabilities.ts";

export const giteaCapabilities = {
  status: { yes: "commit status `loom/review`" },
  checkRun: { no: "Gitea has no check-run or annotation API" },
  suggestions: {
    no:
      "Gitea has no suggestion syntax (go-gitea/gitea#14765); newer Forgejo versions render ` ```suggestion `, " +
      "but Loom does not tell them apart yet: a ` ```diff ` block is posted",
  },
  suggestionSyntax: "diff",
  summaryEditedInPlace: false,
  incremental: {
    partly:
      "where Gitea serves `GET …/compare/{base}...{head}.diff` (go-gitea/gitea#37632); an instance without " +
      "it answers 404 and every push is reviewed in full",
  },
  resolveThreads: {
    partly:
      "marked by reply: Gitea's API cannot resolve a conversation (its web UI can), so one comment names the commit " +
      "and links the fixed comments; Gitea marks a changed line's comment outdated itself",
  },
  commands: "yes",
  threadReplies: {
    no:
      "Gitea's comment webhook does not say which review comment a reply answers, and its API cannot post a " +
      "reply in a review thread; `@loom ask` is answered in the conversation",
  },
  labels: { yes: "`label_updated`/`label_cleared` start the review a label filter skipped" },
  tickets: { yes: "issues and pull requests: `#12`, `owner/name#12`, closing keywords, issue URLs" },
  archive: { yes: "`GET /repos/{owner}/{repo}/archive/{sha}.tar.gz`" },
} as const satisfies PlatformCapabilities;
