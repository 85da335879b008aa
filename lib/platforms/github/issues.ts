/**
 * Reading the issues a pull request refers to (`ReadsIssues`): `GET /repos/{owner}/{repo}/issues/{number}` and,
 * when it has comments, its first few. GitHub's issues API answers for pull requests too (`#12` may name one), so
 * a referred pull request is read the same way. A repository whose issues are disabled answers 410 Gone; a
 * missing issue 404; both end as a `PlatformError` with that status.
 */
import type { Octokit } from "@octokit/rest";
import type { IssueRef, IssueText, PullRequestRef, ReadsIssues } from "../types.ts";
import { ticketKindMissing } from "../errors.ts";

/** The first comments read with an issue: the discussion that refines what it asks, without its whole history. */
export const ISSUE_COMMENTS_READ = 3;

/** What the issue reader needs from the client that owns it. */
export interface IssueDeps {
  octokit: Octokit;
  /** Runs one API call, turning its failure into a `PlatformError` that names `action`. */
  call<T>(action: string, run: () => Promise<T>): Promise<T>;
  splitRepo(pr: PullRequestRef): { owner: string; repo: string };
}

/** The issue-reading ability of a GitHub client. */
export function createGitHubIssues(deps: IssueDeps): ReadsIssues {
  const { octokit, call, splitRepo } = deps;
  return {
    async getIssue(pr: PullRequestRef, issue: IssueRef): Promise<IssueText> {
      if (issue.kind !== "issue") {
        throw ticketKindMissing("github", `Cannot read a ${issue.kind} from GitHub: it has issues only`);
      }
      const { owner, repo } = splitRepo({ ...pr, repo: issue.repo ?? pr.repo });
      return await call(`read issue ${owner}/${repo}#${issue.number}`, async () => {
        const { data } = await octokit.rest.issues.get({ owner, repo, "issue_number": issue.number });
        let comments: string[] = [];
        if (data.comments > 0) {
          const listed = await octokit.rest.issues.listComments({
            owner,
            repo,
            "issue_number": issue.number,
            "per_page": ISSUE_COMMENTS_READ,
          });
          comments = listed.data.map((comment) => `${comment.user?.login ?? "ghost"}: ${comment.body ?? ""}`);
        }
        return {
          title: data.title,
          body: data.body ?? "",
          state: data.state,
          url: data.html_url,
          comments,
        };
      });
    },
  };
}
