/**
 * Review threads as GitHub has them: a thread is its first review comment and the replies to it
 * (`in_reply_to_id`). REST adds a reply (`POST /repos/{o}/{r}/pulls/{n}/comments/{id}/replies`, 404 for a comment
 * not on that pull request; a reply to a reply joins the first comment's thread); GraphQL lists threads
 * (`pullRequest.reviewThreads`, node ids `PRRT_…`, with `isResolved`) and resolves one (`resolveReviewThread`).
 */
import { type GitHubShapes, RouteError } from "./shapes.ts";
import type { GitHubStore } from "./state.ts";
import type { FakePullRequest, FakeReviewComment, FakeUser } from "./types.ts";

const THREAD_PREFIX = "PRRT_kwDO";

/** The first comments of the pull request's threads, oldest first. */
function threadsOf(store: GitHubStore, pullRequest: FakePullRequest): FakeReviewComment[] {
  return store.state.reviewComments.filter((comment) =>
    comment.repo === pullRequest.repo && comment.number === pullRequest.number &&
    comment.inReplyTo === undefined
  );
}

/** `POST …/pulls/{number}/comments/{comment_id}/replies`. */
export function replyToReviewComment(
  store: GitHubStore,
  shapes: GitHubShapes,
  pullRequest: FakePullRequest,
  commentId: number,
  author: FakeUser,
  body: unknown,
): Response {
  const target = store.state.reviewComments.find((comment) =>
    comment.id === commentId && comment.repo === pullRequest.repo && comment.number === pullRequest.number
  );
  if (target === undefined) throw new RouteError(404, "Not Found");
  const text = (body as { body?: unknown } | null)?.body;
  if (typeof text !== "string" || text.length === 0) {
    throw new RouteError(422, "Validation Failed", [{
      resource: "PullRequestReviewComment",
      code: "missing_field",
    }]);
  }
  const now = new Date().toISOString();
  const reply: FakeReviewComment = {
    ...target,
    id: store.nextId(),
    body: text,
    user: author,
    createdAt: now,
    updatedAt: now,
    inReplyTo: target.inReplyTo ?? target.id,
    resolved: undefined,
  };
  store.state.reviewComments.push(reply);
  return shapes.json(201, shapes.reviewCommentJson(reply));
}

/**
 * Answers the GraphQL `reviewThreads` query and the `resolveReviewThread` mutation, or returns undefined for
 * another document. A page holds at most `first` (up to 100) threads, continued by `after`.
 */
export function reviewThreadsGraphql(
  store: GitHubStore,
  shapes: GitHubShapes,
  document: string,
  variables: Record<string, unknown>,
): Response | undefined {
  if (/\bresolveReviewThread\b/.test(document)) {
    const threadId = String(variables.threadId ?? "");
    const root = store.state.reviewComments.find((comment) =>
      comment.inReplyTo === undefined && `${THREAD_PREFIX}${comment.id}` === threadId
    );
    if (root === undefined) {
      return shapes.json(200, {
        data: { resolveReviewThread: null },
        errors: [{
          type: "NOT_FOUND",
          path: ["resolveReviewThread"],
          message: `Could not resolve to a node with the global id of '${threadId}'`,
        }],
      });
    }
    root.resolved = true;
    return shapes.json(200, {
      data: { resolveReviewThread: { thread: { id: threadId, isResolved: true } } },
    });
  }
  if (!/\breviewThreads\b/.test(document)) return undefined;
  const repo = `${variables.owner}/${variables.repo}`;
  const pullRequest = store.state.pullRequests.get(`${repo}#${Number(variables.number)}`);
  if (pullRequest === undefined) {
    return shapes.json(200, {
      data: { repository: null },
      errors: [{
        type: "NOT_FOUND",
        path: ["repository"],
        message: `Could not resolve to a Repository with the name '${repo}'.`,
      }],
    });
  }
  const first = Math.min(Number(/reviewThreads\(first:\s*(\d+)/.exec(document)?.[1] ?? 100), 100);
  const all = threadsOf(store, pullRequest);
  const start = typeof variables.cursor === "string" ? Number(atob(variables.cursor)) : 0;
  const page = all.slice(start, start + first);
  const end = start + page.length;
  return shapes.json(200, {
    data: {
      repository: {
        pullRequest: {
          reviewThreads: {
            pageInfo: {
              hasNextPage: end < all.length,
              endCursor: page.length > 0 ? btoa(String(end)) : null,
            },
            nodes: page.map((root) => ({
              id: `${THREAD_PREFIX}${root.id}`,
              isResolved: root.resolved === true,
              comments: { nodes: [{ databaseId: root.id }] },
            })),
          },
        },
      },
    },
  });
}
