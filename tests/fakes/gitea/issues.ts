/**
 * The fake Gitea's issues: `GET /repos/{owner}/{repo}/issues/{index}` answers a seeded issue, or the pull request
 * of that number as Gitea does (issues and pull requests share the numbering and this endpoint), typed by
 * gitea-js's `Issue`; anything else answers 404 as Gitea does ("issue does not exist").
 */
import type { Issue } from "gitea-js";

export interface FakeGiteaIssue {
  repo: string;
  number: number;
  title: string;
  body?: string;
  state?: "open" | "closed";
}

/** An issue as Gitea's API answers it; `pullRequest` marks the answer for a pull request. */
export function giteaIssueJson(
  origin: string,
  issue: FakeGiteaIssue,
  author: Issue["user"],
  pullRequest = false,
): Issue {
  const page = `${origin}/${issue.repo}/${pullRequest ? "pulls" : "issues"}/${issue.number}`;
  const [owner, name] = issue.repo.split("/");
  return {
    id: 5000 + issue.number,
    number: issue.number,
    url: `${origin}/api/v1/repos/${issue.repo}/issues/${issue.number}`,
    html_url: page,
    title: issue.title,
    body: issue.body ?? "",
    state: issue.state ?? "open",
    user: author,
    labels: [],
    assignees: [],
    comments: 0,
    is_locked: false,
    created_at: "2025-01-01T00:00:00Z",
    updated_at: "2025-01-01T00:00:00Z",
    closed_at: issue.state === "closed" ? "2025-01-02T00:00:00Z" : undefined,
    repository: { id: 1, name, owner, full_name: issue.repo },
    pull_request: pullRequest ? { merged: false, html_url: page } : undefined,
  };
}
