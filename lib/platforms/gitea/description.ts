/**
 * Editing a pull request's description: `PATCH /repos/{owner}/{repo}/pulls/{index}` with `body` only, so the
 * title, state, base and labels stay as they are (Gitea and Forgejo store the description without a length cap).
 */
import type { giteaApi } from "gitea-js";
import type { EditsDescription, PlatformError } from "../types.ts";

export interface DescriptionEditorDeps {
  api(): Promise<ReturnType<typeof giteaApi>>;
  splitRepo(repo: string): [string, string];
  /** The client's error wrapping (gitea-js throws the failed `Response`). */
  wrap(message: string, error: unknown): PlatformError;
}

export function createDescriptionEditor(deps: DescriptionEditorDeps): EditsDescription {
  return {
    async updateDescription(pr, body) {
      const [owner, name] = deps.splitRepo(pr.repo);
      try {
        await (await deps.api()).repos.repoEditPullRequest(owner, name, pr.number, { body });
      } catch (error) {
        throw deps.wrap(`Cannot update the description of "${pr.repo}#${pr.number}"`, error);
      }
    },
  };
}
