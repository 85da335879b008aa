/**
 * Reading and answering one review thread on GitHub (`RepliesInThreads`). REST has no thread object: a thread is
 * its first review comment and the comments whose `in_reply_to_id` names it (GitHub refuses replies to replies, so
 * every reply names the first comment). The thread id is that first comment's id; a reply goes to
 * `POST /repos/{o}/{r}/pulls/{n}/comments/{id}/replies`.
 */
import type { Octokit } from "@octokit/rest";
import type { ExistingComment, PullRequestRef, RepliesInThreads, ResolvesThreads } from "../types.ts";
import { resolveGitHubThreads } from "./threads.ts";

interface GitHubThreadPlace {
  owner: string;
  repo: string;
  number: number;
}

function placeOf(pr: PullRequestRef): GitHubThreadPlace {
  const slash = pr.repo.indexOf("/");
  return { owner: pr.repo.slice(0, slash), repo: pr.repo.slice(slash + 1), number: pr.number };
}

/**
 * The client's thread methods: `RepliesInThreads` here, `ResolvesThreads` from `threads.ts`. `call` is the
 * client's wrapper that turns a failure into a `PlatformError` naming what was being done; `webUrl` is the
 * instance's web address, for the commit link of a resolving reply.
 */
export function gitHubThreads(
  octokit: Octokit,
  call: <T>(action: string, run: () => Promise<T>) => Promise<T>,
  webUrl: string,
): RepliesInThreads & ResolvesThreads {
  const name = (pr: PullRequestRef, threadId: string) =>
    `review thread ${threadId} of "${pr.repo}#${pr.number}"`;
  return {
    listThreadComments: (pr, threadId) =>
      call(`read ${name(pr, threadId)}`, () => listGitHubThread(octokit, placeOf(pr), threadId)),
    replyInThread: (pr, threadId, body) =>
      call(`reply in ${name(pr, threadId)}`, () => replyInGitHubThread(octokit, placeOf(pr), threadId, body)),
    resolveThreads: (pr, commentIds, resolution) =>
      call(`resolve review threads of "${pr.repo}#${pr.number}"`, () =>
        resolveGitHubThreads(
          octokit,
          {
            ...placeOf(pr),
            commitUrl: `${webUrl}/${pr.repo}/commit/${resolution.headSha}`,
          },
          commentIds,
          resolution,
        )),
  };
}

/** The thread's comments, its first comment first and then the replies in the order GitHub created them. */
async function listGitHubThread(
  octokit: Octokit,
  place: GitHubThreadPlace,
  threadId: string,
): Promise<ExistingComment[]> {
  const all = await octokit.paginate(octokit.rest.pulls.listReviewComments, {
    owner: place.owner,
    repo: place.repo,
    "pull_number": place.number,
    "per_page": 100,
  });
  const thread = all.filter((comment) =>
    String(comment.id) === threadId || String(comment.in_reply_to_id ?? "") === threadId
  );
  // The first comment leads even when a clock says otherwise; replies keep GitHub's order (ids only grow).
  thread.sort((a, b) => (String(a.id) === threadId ? -1 : String(b.id) === threadId ? 1 : a.id - b.id));
  return thread.map((comment) => {
    const existing: ExistingComment = { id: String(comment.id), body: comment.body, inline: true };
    if (comment.user?.login !== undefined) existing.author = comment.user.login;
    if (comment.user?.id !== undefined) existing.authorId = String(comment.user.id);
    existing.path = comment.path;
    const line = comment.line ?? comment.original_line;
    if (line !== undefined && line !== null) existing.line = line;
    return existing;
  });
}

/** Replies in the thread started by review comment `threadId`; returns the reply's id. */
async function replyInGitHubThread(
  octokit: Octokit,
  place: GitHubThreadPlace,
  threadId: string,
  body: string,
): Promise<string> {
  const { data } = await octokit.rest.pulls.createReplyForReviewComment({
    owner: place.owner,
    repo: place.repo,
    "pull_number": place.number,
    "comment_id": Number(threadId),
    body,
  });
  return String(data.id);
}
