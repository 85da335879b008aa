/** What GitHub offers beyond the adapter contract: the cells of the capability matrix (`../capabilities.ts`). */
import type { PlatformCapabilities } from "../capabilities.ts";

export const githubCapabilities = {
  status: { yes: "commit status `loom/review`" },
  checkRun: { no: "not yet: a GitHub App creates check runs with annotations" },
  suggestions: { yes: "` ```suggestion ` on new-side lines and ranges" },
  suggestionSyntax: "suggestion",
  incremental: "yes",
  resolveThreads: { no: "not yet: GitHub resolves review threads through GraphQL `resolveReviewThread`" },
} as const satisfies PlatformCapabilities;
