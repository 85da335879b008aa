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
    const comments =
      state.issueComments.filter((item) => item.repo === repo && item.number === number).length;
    if (issue !== undefined) return shapes.json(200, issueJson(issue, comments, shapes, api));
    const pullRequest = state.pullRequests.get(pullKey(repo, number));
    if (pullRequest === undefined) throw new RouteError(404, "Not Found");
    return shapes.json(200, {
      ...issueJson(
        {
          repo,
          number,
          title: pullRequest.title,
          body: pullRequest.body,
          state: pullRequest.state === "open" ? "open" : "closed",
          user: pullRequest.author,
        },
        comments,
        shapes,
        api,
      ),
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
    "labels_url": `${url}/labels{/name}`,
    "comments_url": `${url}/comments`,
    "events_url": `${url}/events`,
    "html_url": `https://github.com/${issue.repo}/issues/${issue.number}`,
    number: issue.number,
    labels: [],
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    state: issue.state,
    title: issue.title,
    body: issue.body === "" ? null : issue.body,
    user: fullUser(shapes, issue.user, api),
    comments,
    "created_at": "2025-01-01T00:00:00Z",
    "updated_at": "2025-01-01T00:00:00Z",
    "closed_at": issue.state === "closed" ? "2025-01-02T00:00:00Z" : null,
    "author_association": "MEMBER",
  };
}

/**
 * A `simple-user` with every field GitHub's schema requires: the issue's `user` is a nullable `allOf`, which the
 * contract check does not complete from the example.
 */
function fullUser(shapes: GitHubShapes, user: FakeUser, api: () => string) {
  const base = shapes.user(user.login, user.type);
  const url = `${api()}/users/${encodeURIComponent(user.login)}`;
  return {
    ...base,
    "gravatar_id": "",
    "followers_url": `${url}/followers`,
    "following_url": `${url}/following{/other_user}`,
    "gists_url": `${url}/gists{/gist_id}`,
    "starred_url": `${url}/starred{/owner}{/repo}`,
    "subscriptions_url": `${url}/subscriptions`,
    "organizations_url": `${url}/orgs`,
    "repos_url": `${url}/repos`,
    "events_url": `${url}/events{/privacy}`,
    "received_events_url": `${url}/received_events`,
  };
}
