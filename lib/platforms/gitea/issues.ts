/**
 * Reading the issues a pull request refers to (`ReadsIssues`) on Gitea and Forgejo:
 * `GET /repos/{owner}/{repo}/issues/{index}`, which answers for pull requests too (they share the numbering), and
 * 404 for a missing issue or a repository whose issue tracker is off.
 */
import type { giteaApi } from "gitea-js";
import { z } from "zod";
import { ticketKindMissing } from "../errors.ts";
import {
  type IssueRef,
  type IssueText,
  PlatformError,
  type PullRequestRef,
  type ReadsIssues,
} from "../types.ts";

const Issue = z.object({
  title: z.string(),
  body: z.string().nullish(),
  state: z.string().optional(),
  html_url: z.string().optional(),
});

export interface GiteaIssueDeps {
  api(): Promise<ReturnType<typeof giteaApi>>;
  /** `owner/name` as the two encoded path segments. */
  splitRepo(repo: string): [string, string];
  /** Turns a failure into a `PlatformError` that names what was being done. */
  wrap(message: string, error: unknown): PlatformError;
}

/** The issue-reading ability of a Gitea client. */
export function createGiteaIssues(deps: GiteaIssueDeps): ReadsIssues {
  return {
    async getIssue(pr: PullRequestRef, issue: IssueRef): Promise<IssueText> {
      if (issue.kind !== "issue") {
        throw ticketKindMissing("gitea", `Cannot read a ${issue.kind} from Gitea: it has issues only`);
      }
      const repo = issue.repo ?? pr.repo;
      try {
        const [owner, name] = deps.splitRepo(repo);
        const found = Issue.parse(
          (await (await deps.api()).repos.issueGetIssue(owner, name, issue.number)).data,
        );
        return { title: found.title, body: found.body ?? "", state: found.state, url: found.html_url };
      } catch (error) {
        throw deps.wrap(`Cannot read issue ${repo}#${issue.number}`, error);
      }
    },
  };
}
