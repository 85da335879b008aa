/**
 * Resolving the threads of fixed findings on Azure DevOps (`ResolvesThreads`): a reply in the thread naming the
 * commit (`POST …/threads/{threadId}/comments` with `parentCommentId`), then the thread's status set to `fixed`
 * (`PATCH …/threads/{threadId}`), which the web UI shows as "Resolved". Only an active or pending thread is
 * touched: one a person already set to fixed, won't fix, closed or by design keeps their decision.
 */
import { resolvedReply } from "../resolved_reply.ts";
import type { PullRequestRef, ThreadResolution } from "../types.ts";
import type { AzureCall } from "./permission.ts";
import { Comment, List, Thread } from "./schema.ts";

/** `CommentThreadStatus` values of a thread still open, by name (as listed) and number (as Loom writes them). */
const OPEN_STATUSES: ReadonlySet<string | number> = new Set(["active", 1, "pending", 6]);
const THREAD_FIXED = 2;
/** `CommentType.text`. */
const COMMENT_TEXT = 1;

export interface AzureThreadTarget {
  /** `…/{project}/_apis/git/repositories/{repository}`. */
  repositoryApi: string;
  pr: PullRequestRef;
  /** Waits before each write, as the client paces thread writes. */
  pace(): Promise<void>;
}

/** Replies in and resolves the open threads of `commentIds` (`<threadId>:<commentId>`); other ids are ignored. */
export async function resolveAzureThreads(
  call: AzureCall,
  target: AzureThreadTarget,
  commentIds: readonly string[],
  resolution: ThreadResolution,
): Promise<void> {
  const threadsUrl = `${target.repositoryApi}/pullRequests/${target.pr.number}/threads`;
  // The commit's web page: `…/{project}/_git/{repository}/commit/{sha}`.
  const commitUrl = `${
    target.repositoryApi.replace("/_apis/git/repositories/", "/_git/")
  }/commit/${resolution.headSha}`;
  const list = await call(List(Thread), "list threads to resolve", threadsUrl);
  const threads = new Map((list?.value ?? []).map((thread) => [thread.id, thread]));
  for (const commentId of commentIds) {
    const match = /^(\d+):(\d+)$/.exec(commentId);
    const thread = match ? threads.get(Number(match[1])) : undefined;
    if (!match || !thread || thread.isDeleted || !OPEN_STATUSES.has(thread.status ?? "active")) continue;
    const url = `${threadsUrl}/${thread.id}`;
    await target.pace();
    await call(Comment, `reply in thread ${thread.id}`, `${url}/comments`, {
      method: "POST",
      body: {
        content: resolvedReply(commentId, resolution, commitUrl),
        parentCommentId: Number(match[2]),
        commentType: COMMENT_TEXT,
      },
    });
    await call(Thread, `resolve thread ${thread.id}`, url, {
      method: "PATCH",
      body: { status: THREAD_FIXED },
    });
  }
}
