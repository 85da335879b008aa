/**
 * How the fake GitHub writes its answers: users, repositories, pull requests, comments and reviews in GitHub's
 * JSON shapes, rate-limit headers on every answer, `Link` pagination and GitHub's error body.
 */
import { fakeSha } from "./diff.ts";
import type {
  FakeComment,
  FakeDiffFile,
  FakeGitHubState,
  FakePullRequest,
  FakeReview,
  FakeReviewComment,
} from "./types.ts";

const DOCS = "https://docs.github.com/rest";

/** An answer in GitHub's error shape; thrown by routes and hooks, written by `errorJson`. */
export class RouteError extends Error {
  readonly status: number;
  readonly errors?: unknown[];
  readonly headers?: Record<string, string>;
  constructor(status: number, message: string, errors?: unknown[], headers?: Record<string, string>) {
    super(message);
    this.status = status;
    this.errors = errors;
    this.headers = headers;
  }
}

export type GitHubShapes = ReturnType<typeof createShapes>;

/**
 * The shape writers of one fake.
 * @param api the API base URL (origin and Enterprise prefix) once the server listens
 * @param requestCount how many requests arrived, for a distinct `x-github-request-id`
 */
export function createShapes(state: FakeGitHubState, api: () => string, requestCount: () => number) {
  const user = (login: string, type: "User" | "Bot" = "User") => ({
    login,
    id: Number.parseInt(fakeSha(login).slice(0, 7), 16),
    "node_id": `U_${fakeSha(login).slice(0, 12)}`,
    "avatar_url": `https://avatars.githubusercontent.com/u/1?v=4`,
    // An App's login ends in `[bot]`, which GitHub percent-encodes in its URLs.
    url: `${api()}/users/${encodeURIComponent(login)}`,
    "html_url": `https://github.com/${encodeURIComponent(login)}`,
    type,
    "site_admin": false,
  });

  const repositoryJson = (fullName: string) => {
    const [owner, name] = fullName.split("/");
    return {
      id: Number.parseInt(fakeSha(fullName).slice(0, 7), 16),
      "node_id": `R_${fakeSha(fullName).slice(0, 12)}`,
      name,
      "full_name": fullName,
      private: false,
      owner: user(owner!),
      "html_url": `https://github.com/${fullName}`,
      url: `${api()}/repos/${fullName}`,
      "default_branch": "main",
    };
  };

  const pullRequestJson = (pullRequest: FakePullRequest) => {
    const apiUrl = `${api()}/repos/${pullRequest.repo}/pulls/${pullRequest.number}`;
    const htmlUrl = `https://github.com/${pullRequest.repo}/pull/${pullRequest.number}`;
    const merged = pullRequest.state === "merged";
    const branch = (ref: string, sha: string) => ({
      label: `${pullRequest.repo.split("/")[0]}:${ref}`,
      ref,
      sha,
      user: user(pullRequest.repo.split("/")[0]!),
      repo: repositoryJson(pullRequest.repo),
    });
    return {
      url: apiUrl,
      id: Number.parseInt(fakeSha(apiUrl).slice(0, 7), 16),
      "node_id": `PR_${fakeSha(apiUrl).slice(0, 12)}`,
      "html_url": htmlUrl,
      "diff_url": `${htmlUrl}.diff`,
      "patch_url": `${htmlUrl}.patch`,
      "issue_url": `${api()}/repos/${pullRequest.repo}/issues/${pullRequest.number}`,
      number: pullRequest.number,
      state: pullRequest.state === "open" ? "open" : "closed",
      locked: false,
      title: pullRequest.title,
      user: user(pullRequest.author.login, pullRequest.author.type),
      body: pullRequest.body === "" ? null : pullRequest.body,
      labels: pullRequest.labels.map((name) => {
        const url = `${api()}/repos/${pullRequest.repo}/labels/${encodeURIComponent(name)}`;
        return {
          id: Number.parseInt(fakeSha(url).slice(0, 7), 16),
          "node_id": `LA_${fakeSha(url).slice(0, 12)}`,
          url,
          name,
          description: null,
          color: "ededed",
          default: false,
        };
      }),
      "created_at": "2025-01-01T00:00:00Z",
      "updated_at": "2025-01-01T00:00:00Z",
      "closed_at": pullRequest.state === "open" ? null : "2025-01-02T00:00:00Z",
      "merged_at": merged ? "2025-01-02T00:00:00Z" : null,
      "merge_commit_sha": merged ? fakeSha(`${apiUrl}:merge`) : null,
      draft: pullRequest.draft,
      head: branch(pullRequest.headRef, pullRequest.headSha),
      base: branch(pullRequest.baseRef, pullRequest.baseSha),
      "author_association": "OWNER",
      merged,
      mergeable: null,
      comments: state.issueComments.filter((item) => item.repo === pullRequest.repo).length,
      "review_comments": state.reviewComments.filter((item) => item.repo === pullRequest.repo).length,
      commits: 1,
      additions: pullRequest.files.reduce((sum, file) => sum + file.additions, 0),
      deletions: pullRequest.files.reduce((sum, file) => sum + file.deletions, 0),
      "changed_files": pullRequest.files.length,
    };
  };

  const issueCommentJson = (comment: FakeComment) => ({
    id: comment.id,
    "node_id": `IC_${fakeSha(String(comment.id)).slice(0, 12)}`,
    url: `${api()}/repos/${comment.repo}/issues/comments/${comment.id}`,
    "html_url": `https://github.com/${comment.repo}/pull/${comment.number}#issuecomment-${comment.id}`,
    body: comment.body,
    user: user(comment.user.login, comment.user.type),
    "created_at": comment.createdAt,
    "updated_at": comment.updatedAt,
    "issue_url": `${api()}/repos/${comment.repo}/issues/${comment.number}`,
    "author_association": "NONE",
    "performed_via_github_app": null,
  });

  const reviewCommentJson = (comment: FakeReviewComment) => ({
    url: `${api()}/repos/${comment.repo}/pulls/comments/${comment.id}`,
    "pull_request_review_id": comment.reviewId,
    id: comment.id,
    "node_id": `PRRC_${fakeSha(String(comment.id)).slice(0, 12)}`,
    "diff_hunk": comment.diffHunk,
    path: comment.path,
    "commit_id": comment.commitId,
    "original_commit_id": comment.commitId,
    user: user(comment.user.login, comment.user.type),
    body: comment.body,
    "created_at": comment.createdAt,
    "updated_at": comment.updatedAt,
    "html_url": `https://github.com/${comment.repo}/pull/${comment.number}#discussion_r${comment.id}`,
    "pull_request_url": `${api()}/repos/${comment.repo}/pulls/${comment.number}`,
    "author_association": "NONE",
    "start_line": comment.startLine ?? null,
    "original_start_line": comment.startLine ?? null,
    "start_side": comment.startLine === undefined ? null : comment.startSide ?? comment.side,
    line: comment.line,
    "original_line": comment.line,
    side: comment.side,
    "subject_type": "line",
    ...(comment.inReplyTo === undefined ? {} : { "in_reply_to_id": comment.inReplyTo }),
    reactions: reactionRollup(comment),
  });

  // GitHub's `reaction-rollup`: the count of each of its eight reactions.
  const reactionRollup = (comment: FakeReviewComment) => {
    const count = (content: string) =>
      (comment.reactions ?? []).filter((item) => item.content === content).length;
    return {
      url: `${api()}/repos/${comment.repo}/pulls/comments/${comment.id}/reactions`,
      "total_count": comment.reactions?.length ?? 0,
      "+1": count("+1"),
      "-1": count("-1"),
      laugh: count("laugh"),
      confused: count("confused"),
      heart: count("heart"),
      hooray: count("hooray"),
      eyes: count("eyes"),
      rocket: count("rocket"),
    };
  };

  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json; charset=utf-8", ...rateHeaders(), ...headers },
    });

  const rateHeaders = () => ({
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-used": "1",
    "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
    "x-ratelimit-resource": "core",
    "x-github-api-version-selected": "2022-11-28",
    "x-github-request-id": fakeSha(String(requestCount())).slice(0, 16).toUpperCase(),
  });

  const paginate = <T>(url: URL, items: T[]): { items: T[]; headers: Record<string, string> } => {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get("per_page") ?? 30) || 30));
    const page = Math.max(1, Number(url.searchParams.get("page") ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (target: number, rel: string) => {
      const next = new URL(url);
      next.searchParams.set("per_page", String(perPage));
      next.searchParams.set("page", String(target));
      return `<${next}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, "prev"));
    if (page < last) links.push(link(page + 1, "next"));
    if (page !== last) links.push(link(last, "last"));
    if (page > 1) links.push(link(1, "first"));
    return {
      items: items.slice((page - 1) * perPage, page * perPage),
      headers: links.length > 0 ? { link: links.join(", ") } : {},
    };
  };

  const reviewJson = (review: FakeReview, submittedAt: string) => {
    const states = {
      APPROVE: "APPROVED",
      REQUEST_CHANGES: "CHANGES_REQUESTED",
      COMMENT: "COMMENTED",
    } as const;
    const htmlUrl = `https://github.com/${review.repo}/pull/${review.number}#pullrequestreview-${review.id}`;
    const pullRequestUrl = `${api()}/repos/${review.repo}/pulls/${review.number}`;
    return {
      id: review.id,
      "node_id": `PRR_${fakeSha(String(review.id)).slice(0, 12)}`,
      user: user(review.user.login, review.user.type),
      body: review.body,
      state: review.event === undefined ? "PENDING" : states[review.event],
      "html_url": htmlUrl,
      "pull_request_url": pullRequestUrl,
      "author_association": "NONE",
      _links: { html: { href: htmlUrl }, "pull_request": { href: pullRequestUrl } },
      "submitted_at": review.event === undefined ? undefined : submittedAt,
      "commit_id": review.commitId,
    };
  };

  const diffEntryJson = (repo: string, pullRequest: FakePullRequest, file: FakeDiffFile) => {
    const entry: Record<string, unknown> = {
      sha: fakeSha(`${pullRequest.headSha}:${file.filename}`),
      filename: file.filename,
      status: file.status,
      additions: file.additions,
      deletions: file.deletions,
      changes: file.additions + file.deletions,
      "blob_url": `https://github.com/${repo}/blob/${pullRequest.headSha}/${file.filename}`,
      "raw_url": `https://github.com/${repo}/raw/${pullRequest.headSha}/${file.filename}`,
      "contents_url": `${api()}/repos/${repo}/contents/${file.filename}?ref=${pullRequest.headSha}`,
    };
    if (file.patch !== undefined) entry.patch = file.patch;
    if (file.previousFilename !== undefined) entry.previous_filename = file.previousFilename;
    return entry;
  };

  /** GitHub's error body for a `RouteError`; anything else is the fake's own failure, a 500. */
  const errorJson = (error: unknown) => {
    if (!(error instanceof RouteError)) return json(500, { message: `Fake GitHub failed: ${String(error)}` });
    const payload: Record<string, unknown> = { message: error.message };
    if (error.errors !== undefined) payload.errors = error.errors;
    payload.documentation_url = DOCS;
    payload.status = String(error.status);
    return json(error.status, payload, error.headers);
  };

  return {
    user,
    pullRequestJson,
    issueCommentJson,
    reviewCommentJson,
    reviewJson,
    diffEntryJson,
    json,
    rateHeaders,
    paginate,
    errorJson,
  };
}
