/**
 * Resolving the threads of fixed findings on Azure DevOps (`ResolvesThreads`): a reply in the thread naming the
 * commit (`POST …/threads/{threadId}/comments` with `parentCommentId`), then the thread's status set to `fixed`
 * (`PATCH …/threads/{threadId}`), which the web UI shows as "Resolved". Only an active or pending thread is
 * touched: one a person already set to fixed, won't fix, closed or by design keeps their decision.
 */
import { resolvedReply } from "../resolved_reply.ts";
import type {
  ExistingComment,
  PullRequestRef,
  RepliesInThreads,
  ResolvesThreads,
  ThreadResolution,
} from "../types.ts";
import type { AzureCall } from "./permission.ts";
import { Comment, List, Thread } from "./schema.ts";

/** `CommentThreadStatus` values of a thread still open, by name (as listed) and number (as Loom writes them). */
const OPEN_STATUSES: ReadonlySet<string | number> = new Set(["active", 1, "pending", 6]);
const THREAD_FIXED = 2;
/** `CommentType.text`. */
const COMMENT_TEXT = 1;

/**
 * A thread's text comments (deleted and system comments left out) as `ExistingComment`s, id
 * `<thread>:<comment>`, oldest first, anchored where the thread is: what listing a pull request's comments and reading one
 * thread both give.
 */
export function threadComments(thread: Thread): ExistingComment[] {
  const context = thread.threadContext;
  const position = context?.rightFileEnd ?? context?.rightFileStart ?? context?.leftFileEnd ??
    context?.leftFileStart;
  return thread.comments
    .filter((comment) => !comment.isDeleted && comment.commentType !== "system")
    .toSorted((a, b) => a.id - b.id)
    .map((comment) => ({
      id: `${thread.id}:${comment.id}`,
      body: comment.content ?? "",
      author: comment.author?.uniqueName ?? comment.author?.displayName ?? undefined,
      authorId: comment.author?.id ?? undefined,
      path: context ? context.filePath.replace(/^\/+/, "") : undefined,
      line: position?.line,
      inline: Boolean(context),
    }));
}

/** What this file gives the client: resolving threads and answering in them. */
export type AzureThreads = ResolvesThreads & RepliesInThreads;

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

/**
 * Reading and answering one thread (`RepliesInThreads`): the thread id is Azure DevOps' own (the comment event's
 * `_links.threads`), its comments are read from the pull request's thread list and come in the order Azure DevOps
 * numbered them (the first comment is 1), and a reply is `POST …/threads/{threadId}/comments` answering the first
 * comment. Comment ids are `<threadId>:<commentId>`, as the client writes them everywhere.
 */
export function azureThreadReplies(
  call: AzureCall,
  target: (pr: PullRequestRef) => AzureThreadTarget,
): RepliesInThreads {
  const threadsUrl = (pr: PullRequestRef) => `${target(pr).repositoryApi}/pullRequests/${pr.number}/threads`;
  return {
    async listThreadComments(pr, threadId) {
      const list = await call(List(Thread), `list threads of ${pr.repo}!${pr.number}`, threadsUrl(pr));
      const thread = (list?.value ?? []).find((candidate) => String(candidate.id) === threadId);
      if (thread === undefined || thread.isDeleted) return [];
      return threadComments(thread);
    },
    async replyInThread(pr, threadId, body) {
      await target(pr).pace();
      const comment = await call(
        Comment,
        `reply in thread ${threadId}`,
        `${threadsUrl(pr)}/${threadId}/comments`,
        {
          method: "POST",
          body: { content: body, parentCommentId: 1, commentType: COMMENT_TEXT },
        },
      );
      return `${threadId}:${comment?.id ?? 0}`;
    },
  };
}
