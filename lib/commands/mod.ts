/**
 * Commands in pull-request comments (`@loom review`, `pause`, `resume`, `ask`/`explain`, `ignore`) and answers to replies in Loom's review threads: parsing, the
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
export type { CommandDeps, CommandOutcome } from "./deps.ts";
export { handlePullRequestCommand, matchFindings } from "./handle.ts";
export { explainMessages, MAX_EXPLAIN_DIFF_CHARS } from "./ask.ts";
export { MAX_LOOM_REPLIES_PER_THREAD } from "./converse.ts";
export { isThreadReply } from "./enqueue.ts";
