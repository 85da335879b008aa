/**
 * Comment threads as Data Center keeps them: a reply (`POST …/comments` with `parent: {id}`) nests under its
 * parent's `comments` and has no activity of its own; a thread is resolved by `PUT …/comments/{id}` with the
 * root's `version` and `threadResolved: true` (or reopened with `false`), and a blocker comment's task by
 * `state: "RESOLVED"` / `"OPEN"`. Only a thread's root resolves.
 */
import type { FakeServerComment } from "./types.ts";

/** The fields of a comment's JSON that depend on its thread: its state, resolution and nested replies. */
export function threadFields(
  comment: FakeServerComment,
  all: readonly FakeServerComment[],
  toJson: (comment: FakeServerComment) => unknown,
) {
  return {
    state: comment.state ?? "OPEN",
    threadResolved: comment.threadResolved ?? false,
    comments: all.filter((reply) => reply.parentId === comment.id && !reply.deleted).map(toJson),
  };
}

/** The parent a new comment replies to, undefined for a new thread, or an error message. */
export function parentOf(
  input: { parent?: { id?: unknown } },
  siblings: readonly FakeServerComment[],
): FakeServerComment | undefined | string {
  if (input.parent === undefined) return undefined;
  const parent = siblings.find((comment) => comment.id === input.parent?.id && !comment.deleted);
  return parent ?? `The parent comment ${String(input.parent?.id)} does not exist.`;
}

/**
 * Applies `threadResolved` and `state` from an update, or returns an error message; returns false when the
 * update sets neither (a text edit).
 */
export function applyThreadUpdate(
  comment: FakeServerComment,
  input: { threadResolved?: unknown; state?: unknown },
): boolean | string {
  if (input.threadResolved === undefined && input.state === undefined) return false;
  if (comment.parentId !== undefined) return "Only the first comment of a thread can resolve it.";
  if (input.threadResolved !== undefined) {
    if (typeof input.threadResolved !== "boolean") return "threadResolved must be true or false.";
    comment.threadResolved = input.threadResolved;
  }
  if (input.state !== undefined) {
    if (comment.severity !== "BLOCKER") return "Only a blocker comment has a task state.";
    if (input.state !== "OPEN" && input.state !== "RESOLVED") return `Unknown state ${String(input.state)}`;
    comment.state = input.state;
  }
  return true;
}
