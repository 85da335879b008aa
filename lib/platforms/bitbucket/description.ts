/**
 * Editing a pull request's description: `PUT /2.0/repositories/{workspace}/{repo_slug}/pullrequests/{id}` with
 * `description`, and the title as it was read (Bitbucket Cloud asks for it on every update), so nothing else
 * changes.
 */
import type { EditsDescription, PullRequestRef } from "../types.ts";

export interface DescriptionEditorDeps {
  send(operation: string, url: string, init: { method: string; body: unknown }): Promise<unknown>;
  fetchPullRequest(pr: PullRequestRef): Promise<{ title: string }>;
  pullRequestUrl(pr: PullRequestRef): string;
}

export function createDescriptionEditor(deps: DescriptionEditorDeps): EditsDescription {
  return {
    async updateDescription(pr, body) {
      const { title } = await deps.fetchPullRequest(pr);
      await deps.send(`update the description of ${pr.repo}#${pr.number}`, deps.pullRequestUrl(pr), {
        method: "PUT",
        body: { title, description: body },
      });
    },
  };
}
