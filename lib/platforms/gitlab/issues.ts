/**
 * Reading the tickets a merge request refers to (`ReadsIssues`): an issue (`#12`, `GET /projects/:id/issues/:iid`)
 * or another merge request (`!12`, `GET /projects/:id/merge_requests/:iid`), in this project or another one of the
 * instance (`group/project#12`). GitLab answers 404 for one the token may not see, as for one that does not exist.
 */
import type { Gitlab } from "@gitbeaker/rest";
import { z } from "zod";
import { ticketKindMissing, withPlatformContext } from "../errors.ts";
import { type IssueRef, type IssueText, type PullRequestRef, type ReadsIssues } from "../types.ts";

/** The fields of an issue or merge request that the ticket text shows; GitLab sends many more. */
const Ticket = z.object({
  title: z.string(),
  description: z.string().nullish(),
  state: z.string(),
  web_url: z.string().optional(),
});

/** The issue-reading ability of a GitLab client, over its lazily imported SDK. */
export function createGitLabIssues(api: () => Promise<InstanceType<typeof Gitlab>>): ReadsIssues {
  return {
    async getIssue(pr: PullRequestRef, issue: IssueRef): Promise<IssueText> {
      if (issue.kind === "work_item") {
        throw ticketKindMissing(
          "gitlab",
          "Cannot read a work item from GitLab: it has issues and merge requests",
        );
      }
      const project = issue.repo ?? pr.repo;
      const sign = issue.kind === "issue" ? "#" : "!";
      try {
        const answer = issue.kind === "issue"
          ? await (await api()).Issues.show(issue.number, { projectId: project })
          : await (await api()).MergeRequests.show(project, issue.number);
        const ticket = Ticket.parse(answer);
        return {
          title: ticket.title,
          body: ticket.description ?? "",
          state: ticket.state,
          url: ticket.web_url,
        };
      } catch (error) {
        throw withPlatformContext("gitlab", `Cannot read ${project}${sign}${issue.number}`, error);
      }
    },
  };
}
