/**
 * Resolving the review threads of fixed findings on GitHub (`ResolvesThreads`). REST has no resolved state for a
 * review comment: threads are GraphQL objects. One paged GraphQL query finds each thread's id and state by the
 * database id of its first comment; each thread to resolve gets a REST reply naming the commit
 * (`POST /repos/{o}/{r}/pulls/{n}/comments/{id}/replies`) and then `resolveReviewThread`. A thread already
 * resolved — by a person or an earlier run — is left alone, without a reply.
 */
import type { Octokit } from "@octokit/rest";
import { resolvedReply } from "../resolved_reply.ts";
import type { ThreadResolution } from "../types.ts";

const THREADS_QUERY = `query($owner: String!, $repo: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes { id isResolved comments(first: 1) { nodes { databaseId } } }
      }
    }
  }
}`;

const RESOLVE_MUTATION = `mutation($threadId: ID!) {
  resolveReviewThread(input: { threadId: $threadId }) { thread { id isResolved } }
}`;

interface ThreadsPage {
  repository: {
    pullRequest: {
      reviewThreads: {
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        nodes: { id: string; isResolved: boolean; comments: { nodes: { databaseId: number | null }[] } }[];
      };
    } | null;
  } | null;
}

export interface GitHubThreadTarget {
  owner: string;
  repo: string;
  number: number;
  /** The commit's web page, `https://github.com/{owner}/{repo}/commit/{sha}` on github.com. */
  commitUrl: string;
}

/** Review threads by the database id of their first comment. */
async function listThreads(
  octokit: Octokit,
  target: GitHubThreadTarget,
): Promise<Map<string, { id: string; isResolved: boolean }>> {
  const threads = new Map<string, { id: string; isResolved: boolean }>();
  let cursor: string | null = null;
  do {
    const page: ThreadsPage = await octokit.graphql<ThreadsPage>(THREADS_QUERY, {
      owner: target.owner,
      repo: target.repo,
      number: target.number,
      cursor,
    });
    const connection = page.repository?.pullRequest?.reviewThreads;
    if (!connection) break;
    for (const node of connection.nodes) {
      const first = node.comments.nodes[0]?.databaseId;
      if (first !== null && first !== undefined) threads.set(String(first), node);
    }
    cursor = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
  } while (cursor !== null);
  return threads;
}

/** Replies in and resolves the unresolved threads started by `commentIds`; other ids are ignored. */
export async function resolveGitHubThreads(
  octokit: Octokit,
  target: GitHubThreadTarget,
  commentIds: readonly string[],
  resolution: ThreadResolution,
): Promise<void> {
  const threads = await listThreads(octokit, target);
  for (const commentId of commentIds) {
    const thread = threads.get(commentId);
    if (thread === undefined || thread.isResolved) continue;
    await octokit.rest.pulls.createReplyForReviewComment({
      owner: target.owner,
      repo: target.repo,
      "pull_number": target.number,
      "comment_id": Number(commentId),
      body: resolvedReply(commentId, resolution, target.commitUrl),
    });
    await octokit.graphql(RESOLVE_MUTATION, { threadId: thread.id });
  }
}
