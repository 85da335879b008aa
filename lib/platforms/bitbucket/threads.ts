/**
 * Threads on Bitbucket Cloud, where a thread is a top-level comment and the replies below it (each reply names its
 * `parent`, so replies nest).
 * - Resolving the threads of fixed findings (`ResolvesThreads`): each open top-level comment gets a reply naming
 *   the commit (`POST …/comments` `{content, parent: {id}}`), then its thread is resolved
 *   (`POST …/comments/{id}/resolve`). A comment whose thread someone already resolved (`resolution`) is left alone
 *   without a reply; replies cannot be resolved on their own, so only top-level comments are taken.
 * - Reading and answering one thread (`RepliesInThreads`): the thread id is any comment in it (a webhook gives the
 *   parent of the new reply); its top-level comment is found by following parents, and the thread is that comment
 *   and everything below it, in the order Bitbucket created them (ids only grow). A reply answers the comment the
 *   thread id names.
 */
import { resolvedReply } from "../resolved_reply.ts";
import type { ExistingComment, PullRequestRef, RepliesInThreads, ThreadResolution } from "../types.ts";
import type { BitbucketComment } from "./schema.ts";

/** A comment as the platform contract reads it. */
export function toExistingComment(comment: BitbucketComment): ExistingComment {
  const inline = comment.inline;
  return {
    id: String(comment.id),
    body: comment.content.raw ?? "",
    author: comment.user?.nickname ?? comment.user?.["display_name"] ?? undefined,
    // Nicknames and display names can be chosen by anyone; the uuid cannot.
    authorId: comment.user?.uuid ?? undefined,
    path: inline?.path,
    line: inline ? (inline.to ?? inline.from ?? undefined) : undefined,
    inline: Boolean(inline),
  };
}

/**
 * The client's `RepliesInThreads` methods over its comment list (`comments`, replies included, deleted ones left
 * out) and its comment write (`reply`, paced like every comment).
 */
export function bitbucketThreadReplies(
  comments: (pr: PullRequestRef) => Promise<BitbucketComment[]>,
  reply: (pr: PullRequestRef, parentId: string, body: string) => Promise<string>,
): RepliesInThreads {
  return {
    async listThreadComments(pr, threadId) {
      const all = (await comments(pr)).toSorted((a, b) => a.id - b.id);
      const byId = new Map(all.map((comment) => [comment.id, comment]));
      let first = byId.get(Number(threadId));
      // A parent always predates its reply, so the walk ends; a deleted parent ends it early.
      while (first?.parent && byId.has(first.parent.id)) first = byId.get(first.parent.id);
      if (first === undefined) return [];
      const inThread = new Set([first.id]);
      for (const comment of all) {
        if (comment.parent && inThread.has(comment.parent.id)) inThread.add(comment.id);
      }
      return all.filter((comment) => inThread.has(comment.id)).map(toExistingComment);
    },
    replyInThread: (pr, threadId, body) => reply(pr, threadId, body),
  };
}

export interface BitbucketThreadApi {
  /** The pull request's comments, replies included. */
  comments(): Promise<BitbucketComment[]>;
  /** The pull request's web page, `https://bitbucket.org/{ws}/{slug}/pull-requests/{id}`. */
  webPage(): Promise<string | undefined>;
  /** `POST` to `…/pullrequests/{id}/comments{path}` with `body`, paced like every comment write. */
  post(operation: string, path: string, body?: unknown): Promise<void>;
}

const PULL_REQUEST_PAGE = /\/pull-requests\/\d+\/?$/;

/** Replies in and resolves the open threads of `commentIds`; other ids are ignored. */
export async function resolveBitbucketThreads(
  api: BitbucketThreadApi,
  commentIds: readonly string[],
  resolution: ThreadResolution,
): Promise<void> {
  const wanted = new Set(commentIds);
  const open = (await api.comments()).filter((comment) =>
    wanted.has(String(comment.id)) && !comment.parent && !comment.resolution
  );
  if (open.length === 0) return;
  const page = await api.webPage();
  // The commit's web page sits beside the pull request's: `…/{ws}/{slug}/commits/{sha}`.
  const commitUrl = page !== undefined && PULL_REQUEST_PAGE.test(page)
    ? page.replace(PULL_REQUEST_PAGE, `/commits/${resolution.headSha}`)
    : undefined;
  for (const comment of open) {
    const text = resolvedReply(String(comment.id), resolution, commitUrl);
    await api.post(`reply to comment ${comment.id}`, "", {
      content: { raw: text },
      parent: { id: comment.id },
    });
    await api.post(`resolve comment ${comment.id}`, `/${comment.id}/resolve`);
  }
}
