/**
 * `PATCH …/pullRequests/{id}` on the fake Azure DevOps (`GitPullRequest` fields): Loom sends only `description`,
 * which the service caps at 4,000 characters (TF401181, answered 400).
 */
import type { RouteContext } from "../server_core.ts";
import { azureError, pullRequestJson } from "./shapes.ts";
import type { StoredPullRequest } from "./types.ts";

type Context = RouteContext<undefined>;

export function pullRequestEdits(
  pullRequestOf: (context: Context) => StoredPullRequest,
  organization: string,
) {
  return (context: Context): Response => {
    const pr = pullRequestOf(context);
    const input = (context.body ?? {}) as { description?: unknown; title?: unknown };
    if (typeof input.description === "string") {
      if (input.description.length > 4000) {
        return azureError(
          400,
          "TF401181: The pull request description is too long. The maximum length is 4000 characters.",
        );
      }
      pr.seed.body = input.description;
    }
    if (typeof input.title === "string") pr.seed.title = input.title;
    return Response.json(pullRequestJson(pr, context.origin, organization));
  };
}
