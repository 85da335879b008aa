/**
 * The fake GitHub's route table: every endpoint Loom's GitHub client calls, with GitHub's status codes and
 * quirks (406 `too_large` for a diff over the file or line limit, a contents API that lists directories and
 * withholds large files, 404 for an unknown comparison or collaborator). Paths are without the Enterprise prefix.
 */
import type { Route, RouteContext } from "../server_core.ts";
import { fakeRepoId } from "../repo_access.ts";
import { verifyAppJwt } from "./auth.ts";
import { fakeSha, parseFakeDiff } from "./diff.ts";
import { createReview } from "./reviews.ts";
import { getIssueHandler, hasIssue } from "./issues.ts";
import { checkRunHandlers } from "./check_runs.ts";
import { replyToReviewComment, reviewThreadsGraphql } from "./threads.ts";
import { type GitHubShapes, RouteError } from "./shapes.ts";
import { type GitHubStore, pullKey } from "./state.ts";
import type { FakeGitHubApp, FakeStatus, FakeUser } from "./types.ts";

// Where GitHub stops: the files API lists at most 3,000 files of a pull request.
const MAX_FILES_LISTED = 3000;
const TEXT = new TextEncoder();
const DIFF_MEDIA_TYPE = /application\/vnd\.github(\.v3)?\.diff/;

export interface GitHubRouteEnv {
  store: GitHubStore;
  shapes: GitHubShapes;
  app?: FakeGitHubApp;
  /** The API base URL (origin and Enterprise prefix). */
  api(): string;
  maxDiffFiles: number;
  maxDiffLines: number;
  maxContentBytes: number;
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The route table of one fake. */
export function githubRoutes(env: GitHubRouteEnv): Route<FakeUser>[] {
  const { store, shapes } = env;
  const { state } = store;
  const { json, rateHeaders, paginate, user } = shapes;
  type Context = RouteContext<FakeUser>;

  const repoOf = (context: Context) => `${context.params.owner}/${context.params.repo}`;
  const findPullRequest = (context: Context) => {
    const pullRequest = state.pullRequests.get(pullKey(repoOf(context), Number(context.params.number)));
    if (pullRequest === undefined) throw new RouteError(404, "Not Found");
    return pullRequest;
  };
  const requireBody = (body: unknown, resource: string) => {
    const text = (body as { body?: unknown } | null)?.body;
    if (typeof text !== "string" || text.length === 0) {
      throw new RouteError(422, "Validation Failed", [{ resource, code: "missing_field", field: "body" }]);
    }
    return text;
  };
  const diffResponse = (diff: string) =>
    new Response(diff, {
      headers: { "content-type": "application/vnd.github.diff; charset=utf-8", ...rateHeaders() },
    });

  const mintInstallationToken = async (context: Context) => {
    const { header, payload } = await verifyAppJwt(context.headers, env.app);
    const installationId = Number(context.params.id);
    const known = env.app?.installationIds ?? env.app?.installations?.map((installation) => installation.id);
    if (known !== undefined && !known.includes(installationId)) throw new RouteError(404, "Not Found");
    if (env.app?.installations?.find((installation) => installation.id === installationId)?.suspended) {
      throw new RouteError(403, "This installation has been suspended");
    }
    const token = `ghs_${fakeSha(`${installationId}:${state.installationTokens.length}:${Date.now()}`)}`;
    store.installationUsers.set(token, { login: `${env.app?.slug ?? "loom"}[bot]`, type: "Bot" });
    state.installationTokens.push({ installationId, token, jwtHeader: header, jwtPayload: payload });
    return json(201, {
      token,
      "expires_at": new Date(Date.now() + (env.app?.tokenLifetimeSeconds ?? 3_600) * 1000).toISOString()
        .replace(/\.\d+Z$/, "Z"),
      permissions: {
        contents: "read",
        metadata: "read",
        "pull_requests": "write",
        issues: "write",
        statuses: "write",
        checks: "write",
      },
      "repository_selection": "all",
    });
  };

  // GraphQL's `viewer`: who the token acts as, a user for a personal token and `<slug>[bot]` for an App's; and
  // review threads (`threads.ts`).
  const graphql = (context: Context) => {
    const query = String((context.body as { query?: unknown } | null)?.query ?? "");
    const variables = (context.body as { variables?: Record<string, unknown> } | null)?.variables ?? {};
    const threads = reviewThreadsGraphql(store, shapes, query, variables);
    if (threads !== undefined) return threads;
    if (!/\bviewer\b/.test(query)) throw new RouteError(400, "The fake answers only the viewer query");
    const viewer = user(context.caller.login, context.caller.type);
    return json(200, { data: { viewer: { login: viewer.login, databaseId: viewer.id } } });
  };

  // `PATCH …/pulls/{number}`: Loom edits only the body; GitHub refuses a body over 65,536 characters.
  const updatePullRequest = (context: Context) => {
    const pullRequest = findPullRequest(context);
    const input = (context.body ?? {}) as { body?: unknown; title?: unknown };
    if (input.body !== undefined && input.body !== null) {
      if (typeof input.body !== "string") throw new RouteError(422, "Validation Failed");
      if (input.body.length > 65_536) {
        throw new RouteError(422, "Validation Failed", [
          {
            resource: "PullRequest",
            code: "custom",
            field: "body",
            message: "body is too long (maximum is 65536 characters)",
          },
        ]);
      }
      pullRequest.body = input.body;
    }
    if (typeof input.title === "string") pullRequest.title = input.title;
    return json(200, shapes.pullRequestJson(pullRequest));
  };
  const getPullRequest = (context: Context) => {
    const pullRequest = findPullRequest(context);
    if (!DIFF_MEDIA_TYPE.test(context.headers.get("accept") ?? "")) {
      return json(200, shapes.pullRequestJson(pullRequest));
    }
    const lines = pullRequest.files.reduce((sum, file) => sum + file.additions + file.deletions, 0);
    const reason = pullRequest.files.length > env.maxDiffFiles
      ? `the diff exceeded the maximum number of files (${env.maxDiffFiles})`
      : lines > env.maxDiffLines
      ? `the diff exceeded the maximum number of lines (${env.maxDiffLines})`
      : undefined;
    if (reason !== undefined) {
      throw new RouteError(
        406,
        `Sorry, ${reason}. Consider using 'List pull requests files' API or locally cloning the repository instead.`,
        [{ resource: "PullRequest", field: "diff", code: "too_large" }],
      );
    }
    return diffResponse(pullRequest.diff);
  };

  const listFiles = (context: Context) => {
    const pullRequest = findPullRequest(context);
    const entries = pullRequest.files.slice(0, MAX_FILES_LISTED).map((file) =>
      shapes.diffEntryJson(pullRequest.repo, pullRequest, file)
    );
    const page = paginate(context.url, entries);
    return json(200, page.items, page.headers);
  };

  const listReviewComments = (context: Context) => {
    const pullRequest = findPullRequest(context);
    const comments = state.reviewComments.filter((item) =>
      item.repo === pullRequest.repo && item.number === pullRequest.number
    );
    const page = paginate(context.url, comments.map(shapes.reviewCommentJson));
    return json(200, page.items, page.headers);
  };

  const listReviews = (context: Context) => {
    const pullRequest = findPullRequest(context);
    const reviews = state.reviews.filter((item) =>
      item.repo === pullRequest.repo && item.number === pullRequest.number
    );
    const now = new Date().toISOString();
    const page = paginate(context.url, reviews.map((review) => shapes.reviewJson(review, now)));
    return json(200, page.items, page.headers);
  };

  const listIssueComments = (context: Context) => {
    const [repo, number] = [repoOf(context), Number(context.params.number)];
    if (!hasIssue(store, repo, number)) throw new RouteError(404, "Not Found");
    const comments = state.issueComments.filter((item) => item.repo === repo && item.number === number);
    const page = paginate(context.url, comments.map(shapes.issueCommentJson));
    return json(200, page.items, page.headers);
  };

  const postIssueComment = (context: Context) => {
    const pullRequest = findPullRequest(context);
    const text = requireBody(context.body, "IssueComment");
    const comment = state.addIssueComment(pullRequest.repo, pullRequest.number, text, context.caller);
    return json(201, shapes.issueCommentJson(comment));
  };

  const editIssueComment = (context: Context) => {
    const repo = repoOf(context);
    const comment = state.issueComments.find((item) =>
      item.repo === repo && item.id === Number(context.params.id)
    );
    if (comment === undefined) throw new RouteError(404, "Not Found");
    const text = requireBody(context.body, "IssueComment");
    comment.body = text;
    comment.updatedAt = new Date().toISOString();
    state.edits.push({ repo, commentId: comment.id, body: text });
    return json(200, shapes.issueCommentJson(comment));
  };

  const compare = (context: Context) => {
    const repo = repoOf(context);
    const { base, head } = context.params;
    const comparison = store.comparisons.get(`${repo}@${base}...${head}`);
    if (comparison === undefined) throw new RouteError(404, `No commit found for SHA: ${base}`);
    if (DIFF_MEDIA_TYPE.test(context.headers.get("accept") ?? "")) return diffResponse(comparison.diff);
    return json(200, {
      url: `${env.api()}/repos/${repo}/compare/${base}...${head}`,
      status: comparison.status,
      "ahead_by": comparison.status === "identical" ? 0 : 1,
      "behind_by": comparison.status === "diverged" || comparison.status === "behind" ? 1 : 0,
      "total_commits": comparison.status === "identical" ? 0 : 1,
      commits: [],
      files: parseFakeDiff(comparison.diff).map((file) => ({
        filename: file.filename,
        status: file.status,
        additions: file.additions,
        deletions: file.deletions,
        changes: file.additions + file.deletions,
        ...(file.patch === undefined ? {} : { patch: file.patch }),
      })),
    });
  };

  const getContent = (context: Context) => {
    const repo = repoOf(context);
    const path = context.params.path!;
    const ref = context.url.searchParams.get("ref") ?? "main";
    const files = store.blobs.get(`${repo}@${ref}`);
    const content = files?.get(path);
    if (content === undefined) {
      const prefix = `${path.replace(/\/$/, "")}/`;
      const children = [...(files?.keys() ?? [])].filter((name) => name.startsWith(prefix));
      if (children.length === 0) throw new RouteError(404, "Not Found");
      const names = new Set(children.map((name) => name.slice(prefix.length).split("/")[0]!));
      return json(
        200,
        [...names].map((name) => {
          const child = `${prefix}${name}`;
          const isFile = children.includes(child);
          const self = `${env.api()}/repos/${repo}/contents/${child}?ref=${ref}`;
          const git = `${env.api()}/repos/${repo}/git/${isFile ? "blobs" : "trees"}/${
            fakeSha(`${ref}:${child}`)
          }`;
          const html = `https://github.com/${repo}/${isFile ? "blob" : "tree"}/${ref}/${child}`;
          return {
            type: isFile ? "file" : "dir",
            size: isFile ? TEXT.encode(files!.get(child)!).length : 0,
            name,
            path: child,
            sha: fakeSha(`${ref}:${child}`),
            url: self,
            "git_url": git,
            "html_url": html,
            "download_url": isFile ? `https://raw.githubusercontent.com/${repo}/${ref}/${child}` : null,
            _links: { self, git, html },
          };
        }),
      );
    }
    const bytes = TEXT.encode(content);
    if (/application\/vnd\.github(\.v3)?\.raw/.test(context.headers.get("accept") ?? "")) {
      return new Response(bytes, {
        headers: { "content-type": "application/vnd.github.raw", ...rateHeaders() },
      });
    }
    const tooLarge = bytes.length > env.maxContentBytes;
    const name = path.split("/").at(-1)!;
    const self = `${env.api()}/repos/${repo}/contents/${path}?ref=${ref}`;
    const git = `${env.api()}/repos/${repo}/git/blobs/${fakeSha(content)}`;
    return json(200, {
      type: "file",
      // GitHub wraps base64 at 60 characters; clients must strip the newlines.
      encoding: tooLarge ? "none" : "base64",
      size: bytes.length,
      name,
      path,
      content: tooLarge ? "" : (base64(bytes).match(/.{1,60}/g) ?? []).join("\n") + "\n",
      sha: fakeSha(content),
      url: self,
      "git_url": git,
      "html_url": `https://github.com/${repo}/blob/${ref}/${path}`,
      "download_url": `https://raw.githubusercontent.com/${repo}/${ref}/${path}`,
      _links: { self, git, html: `https://github.com/${repo}/blob/${ref}/${path}` },
    });
  };

  const getPermission = (context: Context) => {
    const login = context.params.login!;
    const role = store.permissions.get(`${repoOf(context)}:${login.toLowerCase()}`);
    if (role === undefined) throw new RouteError(404, `${login} is not a user`);
    const permission = role === "maintain" ? "write" : role === "triage" ? "read" : role;
    // The user is GitHub's `collaborator` shape: a user with the role on this repository.
    return json(200, { permission, "role_name": role, user: { ...user(login, "User"), "role_name": role } });
  };

  const postStatus = (context: Context) => {
    const repo = repoOf(context);
    const input = (context.body ?? {}) as Record<string, unknown>;
    const status = input.state;
    if (status !== "error" && status !== "failure" && status !== "pending" && status !== "success") {
      throw new RouteError(422, "Validation Failed", [{
        resource: "Status",
        code: "custom",
        field: "state",
      }]);
    }
    if (typeof input.description === "string" && input.description.length > 140) {
      throw new RouteError(422, "Validation Failed", [{
        resource: "Status",
        code: "custom",
        field: "description",
        message: "description is too long (maximum is 140 characters)",
      }]);
    }
    const recorded: FakeStatus = {
      id: store.nextId(),
      repo,
      sha: context.params.sha!,
      state: status,
      description: typeof input.description === "string" ? input.description : undefined,
      targetUrl: typeof input.target_url === "string" ? input.target_url : undefined,
      context: typeof input.context === "string" ? input.context : "default",
      creator: context.caller,
    };
    state.statuses.push(recorded);
    return json(201, {
      url: `${env.api()}/repos/${repo}/statuses/${recorded.sha}`,
      "avatar_url": "https://avatars.githubusercontent.com/u/1?v=4",
      id: recorded.id,
      "node_id": `SC_${fakeSha(String(recorded.id)).slice(0, 12)}`,
      state: recorded.state,
      description: recorded.description ?? null,
      "target_url": recorded.targetUrl ?? null,
      context: recorded.context,
      "created_at": new Date().toISOString(),
      "updated_at": new Date().toISOString(),
      creator: user(context.caller.login, context.caller.type),
    });
  };

  const checkRuns = checkRunHandlers(store, shapes, env.api);
  const repo = "/repos/:owner/:repo";
  return [
    {
      method: "POST",
      path: /^\/app\/installations\/(?<id>\d+)\/access_tokens$/,
      // Authenticated by the app JWT, which only this endpoint takes.
      public: true,
      handler: mintInstallationToken,
    },
    { method: "POST", path: "/graphql", handler: graphql },
    {
      method: "GET",
      path: repo,
      handler: (context) => {
        const name = repoOf(context);
        const [owner, short] = name.split("/");
        return json(200, {
          id: fakeRepoId(name),
          name: short,
          "full_name": name,
          private: true,
          owner: user(owner!),
          // GitHub's linguist has not looked at a fake repository.
          language: null,
          "default_branch": "main",
        });
      },
    },
    { method: "GET", path: `${repo}/pulls/:number`, handler: getPullRequest },
    { method: "PATCH", path: `${repo}/pulls/:number`, handler: updatePullRequest },
    { method: "GET", path: `${repo}/pulls/:number/files`, handler: listFiles },
    { method: "GET", path: `${repo}/pulls/:number/comments`, handler: listReviewComments },
    { method: "GET", path: `${repo}/pulls/:number/reviews`, handler: listReviews },
    {
      method: "GET",
      path: `${repo}/pulls/comments/:id/reactions`,
      handler: (context) => {
        const comment = state.reviewComments.find((item) =>
          item.repo === repoOf(context) && item.id === Number(context.params.id)
        );
        if (comment === undefined) throw new RouteError(404, "Not Found");
        const wanted = context.url.searchParams.get("content");
        const reactions = (comment.reactions ?? []).filter((item) =>
          wanted === null || item.content === wanted
        )
          .map((item, index) => ({
            id: comment.id * 100 + index,
            "node_id": `REA_${comment.id}_${index}`,
            user: user(item.user.login, item.user.type),
            content: item.content,
            "created_at": comment.createdAt,
          }));
        const page = paginate(context.url, reactions);
        return json(200, page.items, page.headers);
      },
    },
    {
      method: "POST",
      path: `${repo}/pulls/:number/comments/:id/replies`,
      handler: (context) =>
        replyToReviewComment(
          store,
          shapes,
          findPullRequest(context),
          Number(context.params.id),
          context.caller,
          context.body,
        ),
    },
    {
      method: "POST",
      path: `${repo}/pulls/:number/reviews`,
      handler: (context) =>
        createReview(
          store,
          shapes,
          findPullRequest(context),
          context.caller,
          (context.body ?? {}) as Record<string, unknown>,
        ),
    },
    { method: "GET", path: `${repo}/issues/:number`, handler: getIssueHandler(store, shapes, env.api) },
    { method: "GET", path: `${repo}/issues/:number/comments`, handler: listIssueComments },
    { method: "POST", path: `${repo}/issues/:number/comments`, handler: postIssueComment },
    { method: "PATCH", path: `${repo}/issues/comments/:id`, handler: editIssueComment },
    {
      method: "GET",
      path: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/compare\/(?<base>[^/.]+)\.\.\.(?<head>[^/.]+)$/,
      handler: compare,
    },
    { method: "GET", path: `${repo}/contents/*path`, handler: getContent },
    { method: "GET", path: `${repo}/collaborators/:login/permission`, handler: getPermission },
    {
      method: "POST",
      path: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/statuses\/(?<sha>[0-9a-f]{7,40})$/,
      handler: postStatus,
    },
    { method: "GET", path: `${repo}/commits/:ref/check-runs`, handler: checkRuns.listForRef },
    { method: "POST", path: `${repo}/check-runs`, handler: checkRuns.create },
    { method: "PATCH", path: `${repo}/check-runs/:id`, handler: checkRuns.update },
  ];
}
