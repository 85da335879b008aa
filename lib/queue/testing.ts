/** Fixtures for tests and benchmarks of the queue. */
import type { TaskPayloads } from "./job.ts";

/** A review job's payload: pull request #1 of `octo/hello` opened at head `abc`, with `fields` replaced. */
export function reviewPayload(
  fields: Partial<TaskPayloads["review_pull_request"]> = {},
): TaskPayloads["review_pull_request"] {
  return {
    platform: "github",
    repoId: 1,
    repo: "octo/hello",
    number: 1,
    headSha: "abc",
    baseSha: "base",
    baseRef: "main",
    headRef: "feature",
    title: "Change",
    author: "octocat",
    authorIsBot: false,
    draft: false,
    action: "opened",
    ...fields,
  };
}
