/**
 * Editing a pull request's description: `PATCH /repos/{owner}/{repo}/pulls/{number}` with `body` only, so the
 * title, state and base stay as they are. GitHub refuses a body over 65,536 characters (422).
 */
import type { EditsDescription } from "../types.ts";
import type { CheckRunDeps } from "./check_runs.ts";

export const GITHUB_MAX_DESCRIPTION = 65_536;

export function createDescriptionEditor(deps: CheckRunDeps): EditsDescription {
  return {
    maxDescriptionLength: GITHUB_MAX_DESCRIPTION,
    async updateDescription(pr, body) {
      const { owner, repo } = deps.splitRepo(pr);
      await deps.call(`update the description of ${pr.repo}#${pr.number}`, async () => {
        await deps.octokit.rest.pulls.update({ owner, repo, "pull_number": pr.number, body });
      });
    },
  };
}
