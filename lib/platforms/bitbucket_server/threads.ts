/**
 * Resolving the threads of fixed findings on Bitbucket Data Center (`ResolvesThreads`): the thread's first comment
 * is read (`GET …/comments/{id}`, for its version and state), a reply naming the commit is posted
 * (`POST …/comments` `{text, parent: {id}}`), and the thread is resolved with `PUT …/comments/{id}`
 * `{version, threadResolved: true}` — a blocker comment (a task) also gets `state: "RESOLVED"`. A thread someone
 * already resolved, or a blocker already done, is left alone without a reply. `version` is optimistic locking: a
 * 409 means the comment changed between the read and the write, so it is read and written once more.
 */
import { z } from "zod";
import { resolvedReply } from "../resolved_reply.ts";
import { PlatformError, type ThreadResolution } from "../types.ts";
import { fitComment } from "./comment_length.ts";
import type { RestHttp } from "./rest.ts";

const RootComment = z.object({
  id: z.number().int(),
  version: z.number().int().nullish(),
  severity: z.string().nullish(),
  /** `OPEN` or `RESOLVED`: the task state of a blocker comment. */
  state: z.string().nullish(),
  threadResolved: z.boolean().nullish(),
});

/** The client's JSON request (`rest.ts`). */
export type ServerJson = RestHttp["json"];

export interface ServerThreadTarget {
  /** `…/pull-requests/{id}/comments`. */
  commentsUrl: string;
  /** The commit's web page, `…/projects/{key}/repos/{slug}/commits/{sha}`. */
  commitUrl: string;
  /** Waits before each write, as the client paces comments. */
  pace(): Promise<void>;
}

function isResolved(comment: z.infer<typeof RootComment>): boolean {
  return comment.threadResolved === true || (comment.severity === "BLOCKER" && comment.state === "RESOLVED");
}

/** Replies in and resolves the open threads started by `commentIds`; ids Data Center does not know are ignored. */
export async function resolveServerThreads(
  json: ServerJson,
  target: ServerThreadTarget,
  commentIds: readonly string[],
  resolution: ThreadResolution,
): Promise<void> {
  for (const commentId of commentIds) {
    if (!/^\d+$/.test(commentId)) continue;
    const url = `${target.commentsUrl}/${commentId}`;
    const read = async () => {
      try {
        return await json(RootComment, `read comment ${commentId}`, url);
      } catch (error) {
        if (error instanceof PlatformError && error.status === 404) return null;
        throw error;
      }
    };
    const root = await read();
    if (root === null || isResolved(root)) continue;
    await target.pace();
    await json(z.object({ id: z.number().int() }), `reply to comment ${commentId}`, target.commentsUrl, {
      method: "POST",
      body: {
        text: fitComment(resolvedReply(commentId, resolution, target.commitUrl)),
        parent: { id: root.id },
      },
    });
    for (let attempt = 1, current = root;; attempt++) {
      const body = {
        version: current.version ?? 0,
        threadResolved: true,
        ...(current.severity === "BLOCKER" ? { state: "RESOLVED" } : {}),
      };
      try {
        await json(RootComment, `resolve comment ${commentId}`, url, { method: "PUT", body });
        break;
      } catch (error) {
        if (!(error instanceof PlatformError) || error.status !== 409 || attempt >= 2) throw error;
        const again = await read();
        if (again === null || isResolved(again)) break;
        current = again;
      }
    }
  }
}
