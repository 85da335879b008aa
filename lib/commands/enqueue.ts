/** Turns a pull-request comment into a `pull_request_command` job, from the webhook receiver. */
import type { Db } from "../db/mod.ts";
import type { Repo } from "../db/repos.ts";
import type { CommentEvent } from "../platforms/types.ts";
import { enqueue, type EnqueueResult } from "../queue/mod.ts";
import { isLoomComment } from "../markers.ts";
import { parseCommand } from "./parse.ts";

/**
 * Whether a comment answers someone in a review thread: the job then reads the thread and answers only when Loom
 * started it (`converse.ts`). A thread's own first comment (GitHub names itself as the thread) answers no one.
 */
export function isThreadReply(event: CommentEvent): boolean {
  return event.thread !== undefined && event.thread.id !== event.commentId;
}

/**
 * Enqueues the command a comment gives, or the answer to a reply in a review thread, or returns `null` for
 * comments Loom leaves alone: neither, written by Loom itself (hidden marker) or by a bot (bots cannot start
 * loops with each other, or with Loom, through Loom's answers). One job per comment: a redelivered webhook finds
 * the live job.
 */
export async function enqueueCommand(
  db: Db,
  repo: Repo,
  event: CommentEvent,
  options: { now?: () => number } = {},
): Promise<EnqueueResult | null> {
  if (event.authorIsBot || isLoomComment(event.body)) return null;
  if (parseCommand(event.body) === null && !isThreadReply(event)) return null;
  const payload = {
    platform: repo.platform,
    repoId: repo.id,
    repo: event.pr.repo,
    number: event.pr.number,
    commentId: event.commentId,
    body: event.body,
    author: event.author,
    deliveryId: event.deliveryId,
    ...(event.authorId === undefined ? {} : { authorId: event.authorId }),
    ...(event.repoPublic === undefined ? {} : { repoPublic: event.repoPublic }),
    ...(event.thread === undefined ? {} : { thread: event.thread }),
  };
  return await enqueue(db, "pull_request_command", payload, {
    dedupeKey:
      `command:${repo.platform}:${event.pr.repo.toLowerCase()}#${event.pr.number}:${event.commentId}`,
    maxAttempts: 3,
    now: options.now,
  });
}
