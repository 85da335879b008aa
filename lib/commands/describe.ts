/**
 * `@loom describe`: runs the description in the command's job (`lib/describe`) and words the one reply. The
 * command was checked for write access before it gets here; the reply says where the description went and why
 * there, so an author whose platform or markers sent it to a comment learns what to do.
 */
import { type DescribeDeps, describePullRequest } from "../describe/mod.ts";
import type { Repo } from "../db/repos.ts";
import type { PlatformClient, PullRequestRef } from "../platforms/types.ts";
import type { TaskPayloads } from "../queue/mod.ts";

/** Describes the pull request and returns the reply's text. */
export async function describeCommand(
  deps: DescribeDeps,
  input: {
    repo: Repo;
    ref: PullRequestRef;
    client: PlatformClient;
    jobId: number;
    payload: TaskPayloads["pull_request_command"];
    signal: AbortSignal;
  },
): Promise<string> {
  const outcome = await describePullRequest(deps, {
    repo: input.repo,
    ref: input.ref,
    client: input.client,
    trigger: "command",
    requestedBy: input.payload.author,
    jobId: input.jobId,
    signal: input.signal,
  });
  switch (outcome.status) {
    case "skipped":
      return `I did not describe this pull request: ${lowerFirst(outcome.reason)}.`;
    case "failed":
      return `Sorry, I could not describe this pull request: ${outcome.error}`;
    case "done": {
      const write = outcome.write;
      if (write === undefined || write.where === "description") {
        return write?.changed === false
          ? "📝 The description is already up to date."
          : "📝 Updated Loom's section of the description (between its markers); the rest is unchanged.";
      }
      return `📝 Posted the description as a comment, because ${write.reason}.`;
    }
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
