/**
 * What Gitea and Forgejo offer beyond the adapter contract: the cells of the capability matrix
 * (`../capabilities.ts`).
 */
import type { PlatformCapabilities } from "../capabilities.ts";

export const giteaCapabilities = {
  status: { yes: "commit status `loom/review`" },
  checkRun: { no: "Gitea has no check-run or annotation API" },
  suggestions: { no: "Gitea has no suggestion syntax (go-gitea/gitea#14765); a ` ```diff ` block is posted" },
  suggestionSyntax: "diff",
  incremental: {
    no: "not yet: Gitea compares commits through `GET /repos/{owner}/{repo}/compare/{base}...{head}`",
  },
  resolveThreads: { no: "not yet: Gitea resolves review comments through its web API only" },
  commands: "yes",
} as const satisfies PlatformCapabilities;
