/**
 * Editing a pull request's description: `PATCH …/pullRequests/{id}` with `description` only. Azure DevOps
 * refuses a description over 4,000 characters (TF401181), so the client says so (`maxDescriptionLength`) and
 * `lib/describe/write.ts` writes the richest rendering that fits, or Loom's comment when none does.
 */
import { z } from "zod";
import type { EditsDescription, PullRequestRef } from "../types.ts";

export const AZURE_MAX_DESCRIPTION = 4000;

/** The client's request function, as far as this edit needs it. */
export type AzureCall = (
  schema: z.ZodType,
  operation: string,
  url: string,
  init: { method: string; body: unknown },
) => Promise<unknown>;

export function createDescriptionEditor(
  call: AzureCall,
  pullRequestApi: (pr: PullRequestRef) => string,
): EditsDescription {
  return {
    maxDescriptionLength: AZURE_MAX_DESCRIPTION,
    async updateDescription(pr, body) {
      await call(z.unknown(), `update the description of ${pr.repo}!${pr.number}`, pullRequestApi(pr), {
        method: "PATCH",
        body: { description: body },
      });
    },
  };
}
