/**
 * Reading the issues a pull request refers to (`ReadsIssues`) from Bitbucket Cloud's issue tracker:
 * `GET /repositories/{workspace}/{slug}/issues/{id}`. A repository without the tracker (it is off by default, and
 * many teams use Jira instead) answers 404 "Repository has no issue tracker.", which the caller reports as an
 * unread ticket like any missing issue.
 */
import { z } from "zod";
import { ticketKindMissing } from "../errors.ts";
import { type IssueRef, type IssueText, type PullRequestRef, type ReadsIssues } from "../types.ts";

const BitbucketIssue = z.object({
  title: z.string(),
  content: z.object({ raw: z.string().nullish() }).nullish(),
  state: z.string().optional(),
  links: z.object({ html: z.object({ href: z.string() }).optional() }).optional(),
});

export interface BitbucketIssueDeps {
  /** The client's JSON request, validated against `schema`; failures are `PlatformError`s with the status. */
  json<T extends z.ZodType>(schema: T, operation: string, url: string): Promise<z.infer<T>>;
  /** `…/repositories/{workspace}/{slug}`. */
  repoUrl(repo: string): string;
}

/** The issue-reading ability of a Bitbucket Cloud client. */
export function createBitbucketIssues(deps: BitbucketIssueDeps): ReadsIssues {
  return {
    async getIssue(pr: PullRequestRef, issue: IssueRef): Promise<IssueText> {
      if (issue.kind !== "issue") {
        throw ticketKindMissing(
          "bitbucket",
          `Cannot read a ${issue.kind} from Bitbucket: it has issues only`,
        );
      }
      const repo = issue.repo ?? pr.repo;
      const found = await deps.json(
        BitbucketIssue,
        `read issue #${issue.number} of "${repo}"`,
        `${deps.repoUrl(repo)}/issues/${issue.number}`,
      );
      return {
        title: found.title,
        body: found.content?.raw ?? "",
        state: found.state,
        url: found.links?.html?.href,
      };
    },
  };
}
