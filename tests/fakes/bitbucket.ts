/**
 * A stateful fake of the Bitbucket Cloud 2.0 REST API on a real local HTTP server, for contract and e2e tests.
 * It implements the endpoints Loom's Bitbucket client uses with Bitbucket's response shapes and quirks:
 * abbreviated (12-character) hashes in pull-request objects, the `/diff` redirect, `next`-link pagination with a
 * page-size cap, `inline.to` dropped when `inline.from` is also sent, and the `{type: "error"}` error envelope.
 */
import { json, type RouteContext, startFakeServer } from "./server_core.ts";
import { bitbucketRepositoryPermissions, FakePermissions } from "./permissions.ts";
import { type FakeReport, reportHandlers } from "./bitbucket/reports.ts";
import { createFakeIssues } from "./bitbucket/issues.ts";
import { createRepoAccess, fakeRepoId, tokenOf } from "./repo_access.ts";
import type {
  FakeBitbucket,
  FakeBitbucketComment,
  FakeBitbucketOptions,
  FakeBitbucketState,
  FakeBitbucketStatus,
  RecordedRequest,
  StoredPullRequest,
} from "./bitbucket/types.ts";
import * as shapes from "./bitbucket/shapes.ts";

export * from "./bitbucket/types.ts";
export type { FakeReport, FakeReportAnnotation } from "./bitbucket/reports.ts";

const SHORT = 12;

function errorResponse(status: number, message: string): Response {
  return Response.json({ type: "error", error: { message } }, { status });
}

/** Starts the fake on 127.0.0.1 with a free port. Close it with `await using` or `close()`. */
export function startFakeBitbucket(options: FakeBitbucketOptions = {}): FakeBitbucket {
  const token = options.token ?? "bitbucket-test-token";
  const access = createRepoAccess(options.access);
  const maxPageLength = options.maxPageLength ?? 100;
  const botName = options.botName ?? "loom-bot";
  const pullRequests = new Map<string, StoredPullRequest>();
  /** `repo@head..base` → the diff of a comparison. */
  const comparisons = new Map<string, string>();
  const comments: FakeBitbucketComment[] = [];
  const statuses: FakeBitbucketStatus[] = [];
  const reviews: FakeBitbucketState["reviews"] = [];
  const failures: { pattern: string | RegExp; status: number; headers?: Record<string, string> }[] = [];
  const permissions = new FakePermissions();
  let nextCommentId = 1000;
  let origin = "";

  const key = (repo: string, number: number) => `${repo}#${number}`;

  function commitsOf(repo: string): string[] {
    return [...pullRequests.values()].filter((pr) => pr.repo === repo).flatMap((
      pr,
    ) => [pr.headSha, pr.baseSha]);
  }

  function resolveCommit(repo: string, ref: string): string | undefined {
    if (ref.length < 7) return undefined;
    return commitsOf(repo).find((sha) => sha.startsWith(ref.toLowerCase()));
  }

  const user = shapes.accountJson;
  const pullRequestJson = (pr: StoredPullRequest) => shapes.pullRequestJson(pr, origin, SHORT);
  const commentJson = (comment: FakeBitbucketComment) => shapes.commentJson(comment, origin, botName);

  function authorized(headers: Headers): boolean {
    const header = headers.get("authorization") ?? "";
    const accepted = (candidate: string) =>
      candidate === token || Object.hasOwn(options.access ?? {}, candidate);
    if (header.startsWith("Bearer ")) return accepted(header.slice(7));
    if (header.startsWith("Basic ")) {
      const decoded = atob(header.slice(6));
      return accepted(decoded.slice(decoded.indexOf(":") + 1)) && decoded.indexOf(":") > 0;
    }
    return false;
  }

  function addComment(
    repo: string,
    number: number,
    input: {
      body: string;
      inline?: { path: string; from?: number | null; to?: number | null };
      author?: string;
    },
  ): FakeBitbucketComment {
    const inline = input.inline
      ? {
        path: input.inline.path,
        from: input.inline.from ?? null,
        // Bitbucket's documented rule: when `from` is given, `to` is removed.
        to: input.inline.from != null ? null : input.inline.to ?? null,
      }
      : undefined;
    const comment: FakeBitbucketComment = {
      id: nextCommentId++,
      repo,
      number,
      body: input.body,
      inline,
      author: input.author ?? botName,
      deleted: false,
      history: [input.body],
    };
    comments.push(comment);
    return comment;
  }

  type Context = RouteContext<undefined>;
  const repoOf = (context: Context) => `${context.params.workspace}/${context.params.slug}`;
  const issues = createFakeIssues(() => origin);
  /** The pull request a route names; Bitbucket's 404 is thrown for an unknown one. */
  const pullRequestOf = (context: Context): StoredPullRequest => {
    const repo = repoOf(context);
    const pr = pullRequests.get(key(repo, Number(context.params.id)));
    if (!pr) throw errorResponse(404, `Pull request ${context.params.id} not found in ${repo}`);
    return pr;
  };
  const commentOf = (context: Context): FakeBitbucketComment => {
    const pr = pullRequestOf(context);
    const comment = comments.find((item) =>
      item.id === Number(context.params.comment) && item.repo === pr.repo && item.number === pr.number
    );
    if (!comment) throw errorResponse(404, `Comment ${context.params.comment} not found`);
    return comment;
  };

  const listComments = (context: Context) => {
    const pr = pullRequestOf(context);
    const pageLength = Math.min(Number(context.url.searchParams.get("pagelen") ?? 10), maxPageLength);
    const page = Number(context.url.searchParams.get("page") ?? 1);
    const all = comments.filter((comment) => comment.repo === pr.repo && comment.number === pr.number);
    const values = all.slice((page - 1) * pageLength, page * pageLength);
    const next = page * pageLength < all.length
      ? `${origin}${context.url.pathname}?pagelen=${pageLength}&page=${page + 1}`
      : undefined;
    return Response.json(
      {
        pagelen: pageLength,
        size: all.length,
        page,
        values: values.map(commentJson),
        ...(next ? { next } : {}),
      } satisfies shapes.CommentPageJson,
    );
  };

  const postComment = (context: Context) => {
    const pr = pullRequestOf(context);
    const input = context.body as {
      content?: { raw?: unknown };
      inline?: { path?: unknown; from?: unknown; to?: unknown };
      parent?: { id?: number };
    };
    if (typeof input?.content?.raw !== "string" || input.content.raw === "") {
      return errorResponse(400, "content.raw: This field is required.");
    }
    if (input.inline && typeof input.inline.path !== "string") {
      return errorResponse(400, "inline.path: This field is required.");
    }
    for (const field of ["from", "to"] as const) {
      const value = input.inline?.[field];
      if (value != null && (!Number.isInteger(value) || (value as number) < 1)) {
        return errorResponse(400, `inline.${field}: must be a positive integer`);
      }
    }
    // A reply sits where its parent does: Bitbucket copies the parent's `inline` onto it.
    const parent = input.parent?.id === undefined
      ? undefined
      : comments.find((item) =>
        item.id === input.parent?.id && item.repo === pr.repo && item.number === pr.number
      );
    if (input.parent?.id !== undefined && parent === undefined) {
      return errorResponse(400, "parent: Comment not found");
    }
    const comment = addComment(pr.repo, pr.number, {
      body: input.content.raw,
      inline: parent?.inline ? { ...parent.inline } : input.inline
        ? {
          path: input.inline.path as string,
          from: input.inline.from as number | null,
          to: input.inline.to as number | null,
        }
        : undefined,
    });
    if (input.parent?.id) comment.parentId = input.parent.id;
    return Response.json(commentJson(comment), { status: 201 });
  };

  // Only a thread's top-level comment resolves; resolving twice is a conflict, as on Bitbucket.
  const resolveComment = (context: Context) => {
    const comment = commentOf(context);
    if (comment.parentId !== undefined) return errorResponse(400, "Only top-level comments can be resolved");
    if (comment.resolution) return errorResponse(409, "This comment thread is already resolved");
    comment.resolution = { user: botName, createdOn: new Date().toISOString() };
    return Response.json(shapes.resolutionJson(comment.resolution, botName));
  };

  const reopenComment = (context: Context) => {
    const comment = commentOf(context);
    if (!comment.resolution) return errorResponse(409, "This comment thread is not resolved");
    comment.resolution = undefined;
    return new Response(null, { status: 204 });
  };

  const editComment = (context: Context) => {
    const comment = commentOf(context);
    const raw = (context.body as { content?: { raw?: unknown } })?.content?.raw;
    if (typeof raw !== "string" || raw === "") {
      return errorResponse(400, "content.raw: This field is required.");
    }
    comment.body = raw;
    comment.history.push(raw);
    return Response.json(commentJson(comment));
  };

  const review = (kind: "approve" | "request-changes") => (context: Context) => {
    const pr = pullRequestOf(context);
    reviews.push({ repo: pr.repo, number: pr.number, kind });
    return Response.json(shapes.participantJson(user(botName, "app_user"), kind === "approve"));
  };

  const getDiff = (context: Context) => {
    const repo = repoOf(context);
    // The spec is compared still encoded: it holds a `%0D` that decoding would turn into a carriage return.
    const spec = /\/diff\/(.+)$/.exec(context.path)![1];
    const pr = [...pullRequests.values()].find((item) => item.repo === repo && item.diffSpec === spec);
    const diff = pr?.diff ?? comparisons.get(`${repo}@${spec}`);
    if (diff === undefined) return errorResponse(404, `Diff spec ${spec} not found`);
    return new Response(diff, { headers: { "content-type": "text/plain" } });
  };

  const postStatus = (context: Context) => {
    const repo = repoOf(context);
    const sha = context.params.sha!;
    if (!resolveCommit(repo, sha)) return errorResponse(404, `Commit not found: ${sha}`);
    const input = context.body as Record<string, string | undefined>;
    if (!input?.key || !input.state || !input.url) {
      return errorResponse(400, "key, state and url are required");
    }
    const state = shapes.STATUS_STATES.find((name) => name === input.state);
    if (!state) return errorResponse(400, `state: "${input.state}" is not a valid choice`);
    const status: FakeBitbucketStatus = {
      repo,
      sha,
      key: input.key,
      state: input.state,
      name: input.name,
      description: input.description,
      url: input.url,
      refname: input.refname,
    };
    const existing = statuses.findIndex((item) =>
      item.repo === repo && item.sha === sha && item.key === input.key
    );
    if (existing >= 0) statuses.splice(existing, 1);
    statuses.push(status);
    return Response.json(shapes.statusJson(status, state, resolveCommit(repo, sha)), { status: 201 });
  };

  const getCommit = (context: Context) => {
    const full = resolveCommit(repoOf(context), context.params.sha!);
    if (!full) return errorResponse(404, `Commit not found: ${context.params.sha}`);
    return Response.json({ type: "commit", hash: full });
  };

  const getSource = (context: Context) => {
    const repo = repoOf(context);
    const { ref, file: filePath } = context.params as { ref: string; file: string };
    for (const pr of pullRequests.values()) {
      if (pr.repo !== repo) continue;
      const side = ref === pr.headRef || (ref.length >= 7 && pr.headSha.startsWith(ref))
        ? "head"
        : ref === pr.baseRef || (ref.length >= 7 && pr.baseSha.startsWith(ref))
        ? "base"
        : undefined;
      if (!side) continue;
      const content = pr.files[filePath]?.[side];
      if (content === undefined) return errorResponse(404, `No such file or directory: ${filePath}`);
      return new Response(content, { headers: { "content-type": "text/plain" } });
    }
    return errorResponse(404, `Commit not found: ${ref}`);
  };

  const repository = "/2.0/repositories/:workspace/:slug";
  const pullRequest = `${repository}/pullrequests/:id`;
  const reports: FakeReport[] = [];
  const insights = reportHandlers(reports, resolveCommit);
  const server = startFakeServer({
    record: (request): RecordedRequest => ({
      method: request.method,
      path: request.url.pathname + request.url.search,
      headers: request.headers,
      body: request.body,
    }),
    before: [(request) => {
      const target = `${request.method} ${request.url.pathname}`;
      const index = failures.findIndex((item) =>
        typeof item.pattern === "string" ? target.includes(item.pattern) : item.pattern.test(target)
      );
      if (index < 0) return undefined;
      const [{ status, headers }] = failures.splice(index, 1);
      return json({ type: "error", error: { message: `Scripted failure ${status}` } }, status, {
        "content-type": "application/json",
        ...headers,
      });
    }],
    authenticate: (request) => {
      if (!authorized(request.headers)) {
        return errorResponse(401, "Token is invalid or not supported for this endpoint.");
      }
      const named = /^\/2\.0\/repositories\/([^/]+)\/([^/]+)/.exec(request.path);
      const name = named && `${decodeURIComponent(named[1]!)}/${decodeURIComponent(named[2]!)}`;
      if (name && !access.canRead(tokenOf(request.headers), name)) {
        return errorResponse(404, `You may not have access to this repository or it no longer exists.`);
      }
      return undefined;
    },
    routes: [
      {
        method: "GET",
        path: repository,
        handler: (context) => {
          const name = repoOf(context);
          const id = fakeRepoId(name).toString(16).padStart(8, "0");
          return Response.json(
            {
              type: "repository",
              uuid: `{${id}-0000-4000-8000-${id}0000}`,
              "full_name": name,
              name: context.params.slug,
              "is_private": true,
            } satisfies shapes.RepositoryJson,
          );
        },
      },
      // The token's own account: access tokens act as a bot user of type `app_user`.
      { method: "GET", path: "/2.0/user", handler: () => Response.json(user(botName, "app_user")) },
      {
        method: "GET",
        path: "/2.0/workspaces/:workspace/permissions/repositories/:slug",
        handler: (context) =>
          bitbucketRepositoryPermissions(permissions, {
            repo: `${context.params.workspace}/${context.params.slug}`,
            query: context.url.searchParams.get("q"),
            botUuid: user(botName).uuid!,
          }),
      },
      {
        method: "GET",
        path: pullRequest,
        handler: (context) => Response.json(pullRequestJson(pullRequestOf(context))),
      },
      {
        // Bitbucket asks for the title on every update ("title: This field is required."); Loom sends it back.
        method: "PUT",
        path: pullRequest,
        handler: (context) => {
          const pr = pullRequestOf(context);
          const input = (context.body ?? {}) as { title?: unknown; description?: unknown };
          if (typeof input.title !== "string" || input.title === "") {
            return Response.json({ type: "error", error: { message: "title: This field is required." } }, {
              status: 400,
            });
          }
          pr.title = input.title;
          if (typeof input.description === "string") pr.body = input.description;
          return Response.json(pullRequestJson(pr));
        },
      },
      {
        method: "GET",
        path: `${pullRequest}/diff`,
        handler: (context) =>
          new Response(null, {
            status: 302,
            headers: {
              location: `${origin}/2.0/repositories/${pullRequestOf(context).repo}/diff/${
                pullRequestOf(context).diffSpec
              }`,
            },
          }),
      },
      { method: "GET", path: `${pullRequest}/comments`, handler: listComments },
      { method: "POST", path: `${pullRequest}/comments`, handler: postComment },
      {
        method: "GET",
        path: `${pullRequest}/comments/:comment`,
        handler: (context) => Response.json(commentJson(commentOf(context))),
      },
      { method: "PUT", path: `${pullRequest}/comments/:comment`, handler: editComment },
      { method: "POST", path: `${pullRequest}/comments/:comment/resolve`, handler: resolveComment },
      { method: "DELETE", path: `${pullRequest}/comments/:comment/resolve`, handler: reopenComment },
      { method: "POST", path: `${pullRequest}/approve`, handler: review("approve") },
      { method: "POST", path: `${pullRequest}/request-changes`, handler: review("request-changes") },
      { method: "GET", path: `${repository}/diff/*spec`, handler: getDiff },
      { method: "POST", path: `${repository}/commit/:sha/statuses/build`, handler: postStatus },
      { method: "GET", path: `${repository}/commit/:sha`, handler: getCommit },
      { method: "PUT", path: `${repository}/commit/:sha/reports/:report`, handler: insights.put },
      {
        method: "POST",
        path: `${repository}/commit/:sha/reports/:report/annotations`,
        handler: insights.annotate,
      },
      { method: "GET", path: `${repository}/src/:ref/*file`, handler: getSource },
      {
        method: "GET",
        path: `${repository}/issues/:id`,
        handler: (c) => issues.answer(repoOf(c), Number(c.params.id)),
      },
    ],
    notFound: (request) =>
      errorResponse(404, `Resource not found: ${request.method} ${request.url.pathname}`),
    // Lookups throw the answer Bitbucket gives for an unknown pull request or comment.
    onError: (error) => error instanceof Response ? error : errorResponse(500, String(error)),
  });
  origin = server.origin;
  const requests = server.requests;

  const state: FakeBitbucketState = {
    addIssue: issues.add,
    addPullRequest(seed) {
      const diffSpec = `${seed.repo}:${seed.headSha.slice(0, SHORT)}%0D${seed.baseSha.slice(0, SHORT)}`;
      pullRequests.set(key(seed.repo, seed.number), { ...seed, diffSpec });
    },
    addComment,
    addComparison(repo, base, head, diff) {
      comparisons.set(`${repo}@${head}..${base}`, diff);
    },
    comments: (repo, number) =>
      comments.filter((comment) => comment.repo === repo && comment.number === number),
    statuses,
    reports,
    reviews,
    failNext(pattern, status, failOptions) {
      failures.push({ pattern, status, headers: failOptions?.headers });
    },
    setPermission: (repo, uuid, permission) => permissions.set(repo, uuid, permission),
  };

  return {
    url: origin,
    apiUrl: `${origin}/2.0`,
    token,
    state,
    requests,
    close: server.close,
    [Symbol.asyncDispose]: server.close,
  };
}
