/**
 * The fake GitHub's issues: `GET /repos/{owner}/{repo}/issues/{number}` answers a seeded issue, or the pull
 * request of that number as GitHub does (its issues API covers pull requests), or 404. The JSON carries the
 * fields the fake decides; the contract check completes the rest from GitHub's own example.
 */
import type { RouteContext } from "../server_core.ts";
import { fakeSha } from "./diff.ts";
import { type GitHubShapes, RouteError } from "./shapes.ts";
import { type GitHubStore, pullKey } from "./state.ts";
import type { FakeIssue, FakeUser } from "./types.ts";

/** The handler of the issue endpoint, over the store's issues and pull requests. */
export function getIssueHandler(store: GitHubStore, shapes: GitHubShapes, api: () => string) {
  const { state } = store;
  return (context: RouteContext<FakeUser>) => {
    const repo = `${context.params.owner}/${context.params.repo}`;
    const number = Number(context.params.number);
    const issue = state.issues.get(pullKey(repo, number));
    const comments = state.issueComments.filter((item) => item.repo === repo && item.number === number).length;
    if (issue !== undefined) return shapes.json(200, issueJson(issue, comments, shapes, api));
    const pullRequest = state.pullRequests.get(pullKey(repo, number));
    if (pullRequest === undefined) throw new RouteError(404, "Not Found");
    return shapes.json(200, {
      ...issueJson({
        repo,
        number,
        title: pullRequest.title,
        body: (pullRequest as { body?: string }).body ?? "",
        state: pullRequest.state === "open" ? "open" : "closed",
        user: pullRequest.author,
      }, comments, shapes, api),
      "pull_request": {
        url: `${api()}/repos/${repo}/pulls/${number}`,
        "html_url": `https://github.com/${repo}/pull/${number}`,
        "diff_url": `https://github.com/${repo}/pull/${number}.diff`,
        "patch_url": `https://github.com/${repo}/pull/${number}.patch`,
      },
    });
  };
}

/** Whether an issue or a pull request of that number exists (issue comments belong to either). */
export function hasIssue(store: GitHubStore, repo: string, number: number): boolean {
  const key = pullKey(repo, number);
  return store.state.issues.has(key) || store.state.pullRequests.has(key);
}

function issueJson(issue: FakeIssue, comments: number, shapes: GitHubShapes, api: () => string) {
  const url = `${api()}/repos/${issue.repo}/issues/${issue.number}`;
  return {
    id: Number.parseInt(fakeSha(url).slice(0, 7), 16),
    "node_id": `I_${fakeSha(url).slice(0, 12)}`,
    url,
    "repository_url": `${api()}/repos/${issue.repo}`,
    "html_url": `https://github.com/${issue.repo}/issues/${issue.number}`,
    number: issue.number,
    state: issue.state,
    title: issue.title,
    body: issue.body === "" ? null : issue.body,
    user: shapes.user(issue.user.login, issue.user.type),
    comments,
    "created_at": "2025-01-01T00:00:00Z",
    "updated_at": "2025-01-01T00:00:00Z",
    "closed_at": issue.state === "closed" ? "2025-01-02T00:00:00Z" : null,
    "author_association": "MEMBER",
  };
}
