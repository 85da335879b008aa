/**
 * The fake GitLab's issues: `GET /projects/:id/issues/:iid` answers a seeded issue in GitLab's shape (typed by
 * gitbeaker's `IssueSchema`), or 404 as GitLab does for an issue that does not exist or the token may not see.
 */
import type { IssueSchema } from "@gitbeaker/core";
import { author } from "./shapes.ts";
import type { FakeGitLabIssue, Strict } from "./types.ts";

export type { FakeGitLabIssue };

/** An issue as `GET /projects/:id/issues/:iid` answers it. */
export function issueJson(origin: string, projectId: number, issue: FakeGitLabIssue): Strict<IssueSchema> {
  const webUrl = `${origin}/${issue.repo}/-/issues/${issue.iid}`;
  const self = `${origin}/api/v4/projects/${projectId}/issues/${issue.iid}`;
  return {
    id: projectId * 1000 + issue.iid,
    iid: issue.iid,
    project_id: projectId,
    title: issue.title,
    description: issue.description ?? "",
    state: issue.state ?? "opened",
    type: "ISSUE",
    created_at: "2024-01-02T03:04:05.000Z",
    updated_at: "2024-01-02T03:04:05.000Z",
    closed_at: issue.state === "closed" ? "2024-01-03T03:04:05.000Z" : undefined,
    author: author(origin, "reporter"),
    assignees: [],
    labels: [],
    upvotes: 0,
    downvotes: 0,
    merge_requests_count: 0,
    user_notes_count: 0,
    due_date: "",
    web_url: webUrl,
    references: { short: `#${issue.iid}`, relative: `#${issue.iid}`, full: `${issue.repo}#${issue.iid}` },
    time_stats: {
      time_estimate: 0,
      total_time_spent: 0,
      human_time_estimate: null,
      human_total_time_spent: null,
    },
    has_tasks: false,
    task_status: "",
    confidential: false,
    discussion_locked: false,
    _links: {
      self,
      notes: `${self}/notes`,
      award_emoji: `${self}/award_emoji`,
      project: `${origin}/api/v4/projects/${projectId}`,
    },
    task_completion_status: { count: 0, completed_count: 0 },
    subscribed: false,
  };
}
