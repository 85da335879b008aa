/**
 * `PUT …/pull-requests/{id}` on the fake Data Center: the pull request's `version` is its optimistic lock (a
 * stale one answers 409 like a stale comment edit, and every accepted edit increments it).
 */
import { errorResponse } from "./permissions.ts";
import type { FakePullRequestSeed } from "./types.ts";

export function createPullRequestEdits(render: (pr: FakePullRequestSeed) => unknown) {
  const versions = new WeakMap<FakePullRequestSeed, number>();
  const versionOf = (pr: FakePullRequestSeed) => versions.get(pr) ?? 0;
  return {
    versionOf,
    edit(pr: FakePullRequestSeed, body: unknown): Response {
      const input = (body ?? {}) as { version?: unknown; description?: unknown; title?: unknown };
      if (input.version !== versionOf(pr)) {
        return errorResponse(
          409,
          `You are attempting to modify a pull request based on out-of-date information (version ${input.version}, current ${
            versionOf(pr)
          }).`,
          "com.atlassian.bitbucket.pull.PullRequestOutOfDateException",
        );
      }
      if (typeof input.description === "string") pr.body = input.description;
      if (typeof input.title === "string") pr.title = input.title;
      versions.set(pr, versionOf(pr) + 1);
      return Response.json(render(pr));
    },
  };
}
