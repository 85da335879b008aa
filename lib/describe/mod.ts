/**
 * Describing a pull request (`@loom describe`, `describe.auto`): one structured model call whose suggested title,
 * summary, walkthrough and diagram go into Loom's marked section of the description, or a comment where the
 * platform cannot edit it, recorded in the review history with its tokens and cost.
 */
export {
  type DescribeDeps,
  type DescribeOutcome,
  describePullRequest,
  type DescribeRequest,
  MAX_DESCRIBE_DIFF_CHARS,
} from "./run.ts";
export { runDescribeJob, scheduleAutoDescribe } from "./job.ts";
export type { WriteOutcome } from "./write.ts";
