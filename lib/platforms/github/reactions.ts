/**
 * Who gave a review comment a thumbs-down on GitHub (`ReadsReactions`). GitHub sends no webhook for reactions, so
 * Loom reads them when a review starts: the review comments' listing carries a `reactions` rollup with the count
 * of each (`ExistingComment.thumbsDown`), and only a comment with at least one is asked
 * `GET /repos/{o}/{r}/pulls/comments/{id}/reactions?content=-1` for the people. An issue comment (a summary)
 * is not a finding and is not asked.
 */
import type { Octokit } from "@octokit/rest";
import type { ExistingComment, PullRequestRef, ReadsReactions } from "../types.ts";

/** `call` is the client's wrapper that turns a failure into a `PlatformError` naming what was being done. */
export function gitHubReactions(
  octokit: Octokit,
  call: <T>(action: string, run: () => Promise<T>) => Promise<T>,
): ReadsReactions {
  return {
    async thumbsDownOn(pr: PullRequestRef, comment: ExistingComment): Promise<string[]> {
      if (!comment.inline || comment.thumbsDown === 0 || !/^\d+$/.test(comment.id)) return [];
      const slash = pr.repo.indexOf("/");
      const [owner, repo] = [pr.repo.slice(0, slash), pr.repo.slice(slash + 1)];
      return await call(
        `read the reactions to comment ${comment.id} of "${pr.repo}#${pr.number}"`,
        async () => {
          const reactions = await octokit.paginate(octokit.rest.reactions.listForPullRequestReviewComment, {
            owner,
            repo,
            "comment_id": Number(comment.id),
            content: "-1",
            "per_page": 100,
          });
          return reactions.flatMap((reaction) => reaction.user?.login ? [reaction.user.login] : []);
        },
      );
    },
  };
}
