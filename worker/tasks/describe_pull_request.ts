/** The `describe_pull_request` task: thin glue over `lib/describe`. */
import type { Task } from "../run_worker.ts";
import { type DescribeDeps, runDescribeJob } from "../../lib/describe/mod.ts";

/** Creates the task from everything a description needs except what the worker gives per job. */
export function createDescribeTask(deps: Omit<DescribeDeps, "db" | "log">): Task<"describe_pull_request"> {
  return async (job, context) => {
    const outcome = await runDescribeJob({ ...deps, db: context.db, log: context.log }, job, context.signal);
    context.log.info("Describe handled", { ...outcome });
  };
}
