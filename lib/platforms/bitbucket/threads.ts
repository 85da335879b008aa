/**
 * Resolving the threads of fixed findings on Bitbucket Cloud (`ResolvesThreads`): each open top-level comment
 * gets a reply naming the commit (`POST …/comments` `{content, parent: {id}}`), then its thread is resolved
 * (`POST …/comments/{id}/resolve`). A comment whose thread someone already resolved (`resolution`) is left alone
 * without a reply; replies cannot be resolved on their own, so only top-level comments are taken.
 */
import { resolvedReply } from "../resolved_reply.ts";
import type { ThreadResolution } from "../types.ts";
import type { BitbucketComment } from "./schema.ts";

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
