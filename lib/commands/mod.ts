/**
 * Commands in pull-request comments (`@loom review`, `pause`, `resume`, `explain`, `ignore`): parsing, the
 * write-access check, the webhook-side enqueue and the worker-side handler. Must not import `lib/webhooks`
 * (which imports this folder).
 */
export { type Command, COMMAND_VERBS, parseCommand } from "./parse.ts";
export {
  authorCanWrite,
  createPermissionCache,
  PERMISSION_TTL_MS,
  type PermissionCache,
  permissionKey,
} from "./permission.ts";
export { enqueueCommand } from "./enqueue.ts";
export {
  type CommandDeps,
  type CommandOutcome,
  explainMessages,
  handlePullRequestCommand,
  matchFindings,
  MAX_EXPLAIN_DIFF_CHARS,
} from "./handle.ts";
