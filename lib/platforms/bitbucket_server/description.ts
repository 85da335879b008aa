/**
 * Editing a pull request's description: `PUT …/pull-requests/{id}` with the pull request's `version` (Data
 * Center's optimistic lock) read right before. The update replaces the title and the reviewers with what it
 * sends, so both are sent back as they were read. A concurrent edit between that read and the write answers 409,
 * which fails the attempt as retryable: the job runs again and splices into the description as it is then.
 */
import { z } from "zod";
import type { EditsDescription, PullRequestRef } from "../types.ts";
import type { RestHttp } from "./rest.ts";

const Editable = z.object({
  version: z.number().int().nullish(),
  title: z.string(),
  reviewers: z.array(z.object({ user: z.object({ name: z.string() }) })).nullish(),
});

export function createDescriptionEditor(
  http: Pick<RestHttp, "send" | "json">,
  pullRequestUrl: (pr: PullRequestRef) => string,
): EditsDescription {
  return {
    async updateDescription(pr, body) {
      const url = pullRequestUrl(pr);
      const operation = `update the description of ${pr.repo}#${pr.number}`;
      const current = await http.json(Editable, operation, url);
      await http.send(operation, url, {
        method: "PUT",
        body: {
          version: current.version ?? 0,
          title: current.title,
          description: body,
          reviewers: (current.reviewers ?? []).map((reviewer) => ({ user: { name: reviewer.user.name } })),
        },
      });
    },
  };
}
