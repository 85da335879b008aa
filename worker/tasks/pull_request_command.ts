/** The `pull_request_command` task: thin glue over `lib/commands`. */
import type { Task } from "../run_worker.ts";
import { type CommandDeps, createPermissionCache, handlePullRequestCommand } from "../../lib/commands/mod.ts";

/**
 * Creates the task from everything a command needs except what the worker gives per job. The worker's command
 * jobs share one cache of write-access answers.
 */
export function createPullRequestCommandTask(
  deps: Omit<CommandDeps, "db" | "log">,
): Task<"pull_request_command"> {
  const permissions = deps.permissions ?? createPermissionCache();
  return async (job, context) => {
    const outcome = await handlePullRequestCommand(
      { ...deps, permissions, db: context.db, log: context.log },
      job,
      context.signal,
    );
    context.log.info("Command handled", { ...outcome });
  };
}
