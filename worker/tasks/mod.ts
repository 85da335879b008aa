/** The task registry: one thin handler per job type, checked against `TaskPayloads`. */
import type { TaskRegistry } from "../run_worker.ts";
import { type ReviewDeps, reviewPullRequest } from "../../lib/review/review_pull_request.ts";
import { createPullRequestCommandTask } from "./pull_request_command.ts";
import { createDescribeTask } from "./describe_pull_request.ts";
import { scheduleAutoDescribe } from "../../lib/describe/mod.ts";

export function createTasks(deps: Omit<ReviewDeps, "db" | "log"> & { db: ReviewDeps["db"] }): TaskRegistry {
  return {
    review_pull_request: async (job, context) => {
      const scheduled = await scheduleAutoDescribe(
        { ...deps, db: context.db, log: context.log },
        job,
        context.signal,
      );
      if (scheduled?.created) {
        context.log.info("Automatic description scheduled", { describeJobId: scheduled.id });
      }
      const outcome = await reviewPullRequest(
        { ...deps, db: context.db, log: context.log },
        job,
        context.signal,
        context,
      );
      if (outcome.status === "skipped") context.log.info("Review skipped", { reason: outcome.reason });
    },
    pull_request_command: createPullRequestCommandTask(deps),
    describe_pull_request: createDescribeTask(deps),
  };
}
