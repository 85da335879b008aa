/**
 * The fake Bitbucket Cloud's issue tracker: `GET /2.0/repositories/{workspace}/{slug}/issues/{id}` answers a seeded
 * issue, typed by Bitbucket Cloud's published description (`issue`); a repository whose tracker is off answers 404
 * "Repository has no issue tracker." as Bitbucket does, and a missing issue 404 "No Issue matches the given query.".
 */
import type { components } from "@coderabbitai/bitbucket/cloud/openapi";
import type { Strict } from "../strict.ts";

type IssueJson = Omit<Strict<components["schemas"]["issue"]>, "repository" | "reporter" | "assignee">;

export interface FakeBitbucketIssue {
  repo: string;
  id: number;
  title: string;
  /** Markdown, as `content.raw`. */
  content?: string;
  state?: IssueJson["state"];
}

/** The tracker of every repository with an issue; a repository without one has its tracker off. */
export function createFakeIssues(origin: () => string) {
  const issues = new Map<string, FakeBitbucketIssue>();
  const answer = (repo: string, id: number): Response => {
    const error = (message: string) => Response.json({ type: "error", error: { message } }, { status: 404 });
    const tracked = [...issues.values()].some((issue) => issue.repo.toLowerCase() === repo.toLowerCase());
    if (!tracked) return error("Repository has no issue tracker.");
    const issue = issues.get(`${repo.toLowerCase()}#${id}`);
    if (!issue) return error("No Issue matches the given query.");
    const self = `${origin()}/2.0/repositories/${issue.repo}/issues/${issue.id}`;
    const body: IssueJson = {
      type: "issue",
      id: issue.id,
      title: issue.title,
      content: { raw: issue.content ?? "", markup: "markdown", html: "" },
      state: issue.state ?? "new",
      kind: "bug",
      priority: "major",
      votes: 0,
      created_on: "2025-01-01T00:00:00.000000+00:00",
      updated_on: "2025-01-01T00:00:00.000000+00:00",
      links: {
        self: { href: self },
        html: { href: `https://bitbucket.org/${issue.repo}/issues/${issue.id}` },
      },
    };
    return Response.json(body);
  };
  return {
    add: (issue: FakeBitbucketIssue) => void issues.set(`${issue.repo.toLowerCase()}#${issue.id}`, issue),
    answer,
  };
}
