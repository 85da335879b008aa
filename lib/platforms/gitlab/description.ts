/**
 * Editing a merge request's description: `PUT /projects/:id/merge_requests/:iid` with `description` only, so
 * the title, labels and target stay as they are. GitLab caps a description at 1,048,576 characters.
 */
import type { Gitlab } from "@gitbeaker/rest";
import { withPlatformContext } from "../errors.ts";
import type { EditsDescription } from "../types.ts";

export const GITLAB_MAX_DESCRIPTION = 1_048_576;

export function createDescriptionEditor(api: () => Promise<InstanceType<typeof Gitlab>>): EditsDescription {
  return {
    maxDescriptionLength: GITLAB_MAX_DESCRIPTION,
    async updateDescription(pr, body) {
      try {
        await (await api()).MergeRequests.edit(pr.repo, pr.number, { description: body });
      } catch (error) {
        throw withPlatformContext(
          "gitlab",
          `Cannot update the description of "${pr.repo}!${pr.number}"`,
          error,
        );
      }
    },
  };
}
