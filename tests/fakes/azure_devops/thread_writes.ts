/**
 * Writes to an existing Azure DevOps thread, as the REST API takes them: a reply
 * (`POST …/threads/{threadId}/comments` `{content, parentCommentId, commentType}`, the next comment id of the
 * thread; the parent must be a comment of the thread) and a status change (`PATCH …/threads/{threadId}`
 * `{status}`, by `CommentThreadStatus` name or number).
 */
import { azureError, COMMENT_TYPE, commentJson, THREAD_STATUS, threadJson } from "./shapes.ts";
import type { FakeAzureThread } from "./types.ts";

export function replyInThread(thread: FakeAzureThread, body: unknown, author: string): Response {
  const input = body as
    | { content?: unknown; parentCommentId?: unknown; commentType?: number | string }
    | null;
  if (typeof input?.content !== "string" || input.content === "") {
    return azureError(400, "content is required.");
  }
  const parent = Number(input.parentCommentId ?? 0);
  if (parent !== 0 && !thread.comments.some((comment) => comment.id === parent)) {
    return azureError(400, `The parent comment ${parent} does not exist in thread ${thread.id}.`);
  }
  const type = input.commentType;
  const comment = {
    id: Math.max(...thread.comments.map((item) => item.id)) + 1,
    parentCommentId: parent,
    content: input.content,
    commentType: typeof type === "number" ? COMMENT_TYPE[type] ?? "unknown" : type ?? "text",
    author,
    history: [input.content],
  };
  thread.comments.push(comment);
  return Response.json(commentJson(comment));
}

export function updateThread(thread: FakeAzureThread, body: unknown): Response {
  const status = (body as { status?: unknown } | null)?.status;
  const name = typeof status === "number" ? THREAD_STATUS[status] : status;
  if (typeof name !== "string" || !Object.values(THREAD_STATUS).some((status) => status === name)) {
    return azureError(400, `Invalid thread status "${String(status)}".`);
  }
  thread.status = name;
  return Response.json(threadJson(thread));
}
