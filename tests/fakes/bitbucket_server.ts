/**
 * A stateful fake of the Bitbucket Data Center / Server REST 1.0 API on a real local HTTP server, for contract
 * and e2e tests. It implements the endpoints Loom's client uses with Data Center's shapes and rules, from the
 * public REST documentation: `/rest/api/1.0` and `/rest/api/latest` alike, paged lists (`start`, `limit`,
 * `isLastPage`, `nextPageStart`), comments listed only through `…/activities` (newest first), anchors checked
 * against the diff (`lineType` must match the line), edits refused with 409 unless they carry the comment's
 * current `version`, state-changing requests refused without `X-Atlassian-Token: no-check` (XSRF check), the
 * `{errors: [{message}]}` error envelope, and repository permissions (`./bitbucket_server/permissions.ts`).
 * With `legacy`, it is an older or proxied server: no whoami servlet (the `X-AUSERNAME` header names the user),
 * no repository-scoped builds endpoint (only `/rest/build-status/1.0`), and a `…/diff` that answers the JSON
 * model whatever is asked (only `….diff` streams text).
 */
import { createPermissions, errorResponse, restUser } from "./bitbucket_server/permissions.ts";
import { checkAnchor } from "./bitbucket_server/anchors.ts";
import { createPullRequestEdits } from "./bitbucket_server/pull_request_edits.ts";
import { applyThreadUpdate, parentOf, threadFields } from "./bitbucket_server/threads.ts";
import { type FakeRequest, json, type RouteContext, startFakeServer } from "./server_core.ts";
import { createRepoAccess, fakeRepoId } from "./repo_access.ts";
import { type FakeInsightReport, insightHandlers } from "./bitbucket_server/reports.ts";
import type {
  FakeBitbucketServer,
  FakeBitbucketServerOptions,
  FakeBitbucketServerState,
  FakePullRequestSeed,
  FakeServerAnchor,
  FakeServerBuild,
  FakeServerComment,
  RecordedRequest,
} from "./bitbucket_server/types.ts";

export * from "./bitbucket_server/types.ts";

/** Starts the fake on 127.0.0.1 with a free port. Close it with `await using` or `close()`. */
export function startFakeBitbucketServer(options: FakeBitbucketServerOptions = {}): FakeBitbucketServer {
  const token = options.token ?? "bbdc-test-token";
  const access = createRepoAccess(options.access);
  const botName = options.botName ?? "loom-bot";
  const pullRequests = new Map<string, FakePullRequestSeed>();
  const commitDiffs = new Map<string, string>();
  const permissions = createPermissions();
  const comments: FakeServerComment[] = [];
  const builds: FakeServerBuild[] = [];
  const reports: FakeInsightReport[] = [];
  const insights = insightHandlers(reports);
  const failures: { pattern: string | RegExp; status: number }[] = [];
  const legacy = options.legacy ?? false;
  let nextCommentId = 1;
  let origin = "";

  const key = (repo: string, number: number) => `${repo}#${number}`.toLowerCase();
  const edits = createPullRequestEdits((pr) => pullRequestJson(pr));

  function repositoryJson(repo: string) {
    const [project, slug] = repo.split("/");
    return {
      slug,
      id: fakeRepoId(repo),
      name: slug,
      project: { key: project, id: 7, name: project },
      public: false,
    };
  }

  function pullRequestJson(pr: FakePullRequestSeed) {
    const repository = repositoryJson(pr.repo);
    const ref = (name: string, sha: string) => ({
      id: `refs/heads/${name}`,
      displayId: name,
      latestCommit: sha,
      repository,
    });
    return {
      id: pr.number,
      version: edits.versionOf(pr),
      title: pr.title,
      // Data Center leaves the field out when the pull request has no description.
      ...(pr.body ? { description: pr.body } : {}),
      state: pr.state ?? "OPEN",
      open: (pr.state ?? "OPEN") === "OPEN",
      closed: (pr.state ?? "OPEN") !== "OPEN",
      draft: pr.draft ?? false,
      fromRef: ref(pr.headRef, pr.headSha),
      toRef: ref(pr.baseRef, pr.baseSha),
      author: { user: restUser(pr.author), role: "AUTHOR", approved: false, status: "UNAPPROVED" },
      links: {
        self: [{
          href:
            `${origin}/projects/${repository.project.key}/repos/${repository.slug}/pull-requests/${pr.number}`,
        }],
      },
    };
  }

  function commentJson(comment: FakeServerComment) {
    return {
      id: comment.id,
      version: comment.version,
      text: comment.text,
      author: restUser(comment.author, comment.author === botName ? "SERVICE" : "NORMAL"),
      createdDate: 1_700_000_000_000 + comment.id,
      updatedDate: 1_700_000_000_000 + comment.id + comment.version,
      severity: comment.severity,
      ...threadFields(comment, comments, commentJson),
      tasks: [],
      ...(comment.anchor ? { anchor: comment.anchor } : {}),
    };
  }

  function addComment(
    repo: string,
    number: number,
    input: { text: string; anchor?: FakeServerAnchor; author?: string; severity?: "NORMAL" | "BLOCKER" },
  ): FakeServerComment {
    const comment: FakeServerComment = {
      id: nextCommentId++,
      version: 0,
      repo,
      number,
      text: input.text,
      anchor: input.anchor,
      severity: input.severity ?? "NORMAL",
      author: input.author ?? botName,
      deleted: false,
      history: [input.text],
    };
    comments.push(comment);
    return comment;
  }

  type Context = RouteContext<string>;
  const repoOf = (context: Context) => `${context.params.project}/${context.params.slug}`;
  const pullRequestOf = (context: Context): FakePullRequestSeed => {
    const pr = pullRequests.get(key(repoOf(context), Number(context.params.id)));
    if (!pr) {
      throw errorResponse(
        404,
        `Pull request ${context.params.id} does not exist in ${repoOf(context)}.`,
        "com.atlassian.bitbucket.pull.NoSuchPullRequestException",
      );
    }
    return pr;
  };
  const commentOf = (context: Context): FakeServerComment => {
    const pr = pullRequestOf(context);
    const comment = comments.find((item) =>
      item.id === Number(context.params.comment) && item.repo === pr.repo && item.number === pr.number &&
      !item.deleted
    );
    if (!comment) throw errorResponse(404, `Comment ${context.params.comment} does not exist.`);
    return comment;
  };

  /** One page of `items` as REST 1.0 pages every list. */
  function page<T>(context: Context, items: T[]): Response {
    const start = Number(context.url.searchParams.get("start") ?? 0);
    // Data Center caps `limit` by `page.max.*` settings; 25 is the default when none is given.
    const limit = Math.min(Number(context.url.searchParams.get("limit") ?? 25), 1000);
    const values = items.slice(start, start + limit);
    const isLastPage = start + limit >= items.length;
    return json({
      size: values.length,
      limit,
      start,
      isLastPage,
      values,
      ...(isLastPage ? {} : { nextPageStart: start + limit }),
    });
  }

  const activities = (context: Context) => {
    const pr = pullRequestOf(context);
    const list = comments
      .filter((comment) =>
        comment.repo === pr.repo && comment.number === pr.number && !comment.deleted && !comment.parentId
      )
      .map((comment) => ({
        id: 10_000 + comment.id,
        createdDate: 1_700_000_000_000 + comment.id,
        user: restUser(comment.author),
        action: "COMMENTED",
        commentAction: "ADDED",
        comment: commentJson(comment),
        ...(comment.anchor ? { commentAnchor: comment.anchor } : {}),
      }))
      .reverse();
    const opened = { id: 1, createdDate: 1_700_000_000_000, user: restUser(pr.author), action: "OPENED" };
    return page(context, [...list, opened]);
  };

  const postComment = (context: Context) => {
    const pr = pullRequestOf(context);
    const input = context.body as {
      text?: unknown;
      anchor?: Partial<FakeServerAnchor>;
      severity?: unknown;
      parent?: { id?: unknown };
    };
    const parent = parentOf(
      input,
      comments.filter((item) => item.repo === pr.repo && item.number === pr.number),
    );
    if (typeof parent === "string") return errorResponse(400, parent);
    if (typeof input?.text !== "string" || input.text.trim() === "") {
      return errorResponse(400, "Please enter a non-empty value for the comment text.");
    }
    if (input.text.length > 32_768) return errorResponse(400, "Comments may not exceed 32768 characters.");
    if (input.severity !== undefined && input.severity !== "NORMAL" && input.severity !== "BLOCKER") {
      return errorResponse(400, `Unknown severity ${String(input.severity)}`);
    }
    const anchor = checkAnchor(pr.diff, input.anchor);
    if (anchor instanceof Response) return anchor;
    const comment = addComment(pr.repo, pr.number, {
      text: input.text,
      anchor,
      author: context.caller,
      severity: input.severity as "NORMAL" | "BLOCKER" | undefined,
    });
    if (parent) comment.parentId = parent.id;
    return json(commentJson(comment), 201);
  };

  const editComment = (context: Context) => {
    const comment = commentOf(context);
    const input = context.body as {
      text?: unknown;
      version?: unknown;
      threadResolved?: unknown;
      state?: unknown;
    };
    if (comment.author !== context.caller) {
      return errorResponse(403, "You are not permitted to edit this comment.");
    }
    if (input?.version !== comment.version) {
      return errorResponse(
        409,
        `You are attempting to modify a comment based on out-of-date information (version ${input?.version}, current ${comment.version}).`,
        "com.atlassian.bitbucket.comment.CommentOutOfDateException",
      );
    }
    const resolved = applyThreadUpdate(comment, input);
    if (typeof resolved === "string") return errorResponse(400, resolved);
    if (resolved && input.text === undefined) {
      comment.version++;
      return json(commentJson(comment));
    }
    if (typeof input.text !== "string" || input.text.trim() === "") {
      return errorResponse(400, "Please enter a non-empty value for the comment text.");
    }
    comment.text = input.text;
    comment.version++;
    comment.history.push(input.text);
    return json(commentJson(comment));
  };

  const textOnly = (context: Context, text: string | undefined, missing: string) => {
    if (text === undefined) return errorResponse(404, missing);
    // The JSON model of a diff is another endpoint's job here; Loom asks for git text.
    if (!(context.headers.get("accept") ?? "").includes("text/plain")) {
      return errorResponse(406, "Ask for text/plain");
    }
    return new Response(text, { headers: { "content-type": "text/plain;charset=UTF-8" } });
  };

  const getRaw = (context: Context) => {
    const repo = repoOf(context);
    const at = context.url.searchParams.get("at") ?? "";
    for (const pr of pullRequests.values()) {
      if (pr.repo.toLowerCase() !== repo.toLowerCase()) continue;
      const side = at === pr.headSha || at === `refs/heads/${pr.headRef}` || at === pr.headRef
        ? "head"
        : at === pr.baseSha || at === `refs/heads/${pr.baseRef}` || at === pr.baseRef
        ? "base"
        : undefined;
      if (!side) continue;
      const content = pr.files[context.params.file!]?.[side];
      if (content === undefined) {
        return errorResponse(404, `The path "${context.params.file}" does not exist at revision "${at}"`);
      }
      return new Response(content, { headers: { "content-type": "text/plain" } });
    }
    return errorResponse(404, `Commit '${at}' does not exist in repository '${repo}'.`);
  };

  const postBuild = (context: Context) => {
    // The global endpoint names no repository: the commit's pull request says which one.
    const repo = context.params.project
      ? repoOf(context)
      : [...pullRequests.values()].find((pr) => [pr.headSha, pr.baseSha].includes(context.params.sha!))
        ?.repo ?? "";
    const known = [...pullRequests.values()].some((pr) =>
      pr.repo.toLowerCase() === repo.toLowerCase() &&
      (pr.headSha === context.params.sha || pr.baseSha === context.params.sha)
    );
    if (!known) {
      return errorResponse(404, `Commit '${context.params.sha}' does not exist in repository '${repo}'.`);
    }
    const input = context.body as Record<string, string | undefined>;
    if (
      !input?.key || !input.url ||
      !["INPROGRESS", "SUCCESSFUL", "FAILED", "CANCELLED", "UNKNOWN"].includes(input.state ?? "")
    ) {
      return errorResponse(400, "key, url and a valid state are required.");
    }
    if (input.key.length > 255 || (input.description ?? "").length > 255) {
      return errorResponse(400, "key and description are limited to 255 characters.");
    }
    const build: FakeServerBuild = {
      repo,
      sha: context.params.sha!,
      key: input.key,
      state: input.state!,
      name: input.name,
      description: input.description,
      url: input.url,
    };
    const existing = builds.findIndex((item) =>
      item.repo === repo && item.sha === build.sha && item.key === build.key
    );
    if (existing >= 0) builds.splice(existing, 1);
    builds.push(build);
    return new Response(null, { status: 204 });
  };

  const listOr = (context: Context, result: unknown[] | Response) =>
    result instanceof Response ? result : page(context, result);

  const api = String.raw`^/rest/api/(?:1\.0|latest)`;
  const repoPath = String.raw`${api}/projects/(?<project>[^/]+)/repos/(?<slug>[^/]+)`;
  const prPath = String.raw`${repoPath}/pull-requests/(?<id>\d+)`;
  const report = String.raw`^/rest/insights/1\.0/projects/(?<project>[^/]+)/repos/(?<slug>[^/]+)` +
    String.raw`/commits/(?<sha>[0-9a-f]{40})/reports/(?<report>[^/]+)`;
  const route = (method: string, path: string, handler: (context: Context) => Response) => ({
    method,
    path: new RegExp(`${path}$`),
    handler,
  });
  const server = startFakeServer<RecordedRequest, string>({
    record: (request: FakeRequest): RecordedRequest => ({
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
      const [{ status }] = failures.splice(index, 1);
      return errorResponse(status, `Scripted failure ${status}`);
    }],
    authenticate: (request) => {
      const bearer = /^Bearer (\S+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
      if (bearer === undefined || (bearer !== token && !Object.hasOwn(options.access ?? {}, bearer))) {
        return errorResponse(
          401,
          "Authentication failed. Please check your credentials and try again.",
          "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException",
        );
      }
      if (request.method !== "GET" && request.headers.get("x-atlassian-token") !== "no-check") {
        return errorResponse(403, "XSRF check failed");
      }
      const named = /^\/rest\/api\/(?:1\.0|latest)\/projects\/([^/]+)\/repos\/([^/]+)/.exec(request.path);
      if (
        named && !access.canRead(bearer, `${decodeURIComponent(named[1]!)}/${decodeURIComponent(named[2]!)}`)
      ) {
        return errorResponse(
          404,
          `Repository ${named[2]} does not exist.`,
          "com.atlassian.bitbucket.repository.NoSuchRepositoryException",
        );
      }
      return botName;
    },
    routes: [
      route(
        "GET",
        "^/plugins/servlet/applinks/whoami",
        () =>
          legacy
            ? errorResponse(404, "No such servlet")
            : new Response(botName, { headers: { "content-type": "text/plain" } }),
      ),
      route("GET", repoPath, (context) => json(repositoryJson(repoOf(context)))),
      route("GET", prPath, (context) => json(pullRequestJson(pullRequestOf(context)))),
      route("PUT", prPath, (context) => edits.edit(pullRequestOf(context), context.body)),
      route(
        "GET",
        `${prPath}/diff`,
        (context) =>
          legacy
            ? json({ diffs: [], truncated: false })
            : textOnly(context, pullRequestOf(context).diff, "No diff"),
      ),
      route("GET", `${prPath}/activities`, activities),
      route("POST", `${prPath}/comments`, postComment),
      route("GET", `${prPath}/comments/(?<comment>\\d+)`, (context) => json(commentJson(commentOf(context)))),
      route("PUT", `${prPath}/comments/(?<comment>\\d+)`, editComment),
      route("GET", `${repoPath}/diff`, (context) => {
        const params = context.url.searchParams;
        const until = params.get("until");
        if (!until) return errorResponse(400, "The until revision is required.");
        const diff = commitDiffs.get(`${repoOf(context)}|${params.get("since")}|${until}`.toLowerCase());
        if (diff === undefined) {
          return errorResponse(
            404,
            `Commit '${params.get("since")}' does not exist in repository '${repoOf(context)}'.`,
          );
        }
        return new Response(diff, { headers: { "content-type": "text/plain;charset=UTF-8" } });
      }),
      route("GET", `${repoPath}/raw/(?<file>.+)`, getRaw),
      route(
        "POST",
        `${repoPath}/commits/(?<sha>[0-9a-f]{40})/builds`,
        (context) => legacy ? errorResponse(404, "No such resource") : postBuild(context),
      ),
      route(
        "GET",
        `${api}/users`,
        (context) => listOr(context, permissions.search(context.url.searchParams)),
      ),
      route("GET", `${repoPath}/permissions/users`, (context) =>
        listOr(
          context,
          permissions.repoUsers(
            repoOf(context),
            context.caller,
            context.url.searchParams.get("filter") ?? "",
          ),
        )),
      route(
        "GET",
        `${prPath}\\.diff`,
        (context) =>
          new Response(pullRequestOf(context).diff, {
            headers: { "content-type": "text/plain;charset=UTF-8" },
          }),
      ),
      route("POST", "^/rest/build-status/1\\.0/commits/(?<sha>[0-9a-f]{40})", postBuild),
      route("PUT", report, insights.put),
      route("DELETE", `${report}/annotations`, insights.clear),
      route("POST", `${report}/annotations`, insights.annotate),
      route(
        "GET",
        `${api}/application-properties`,
        () =>
          json({ version: "8.19.1", buildNumber: "8019001", displayName: "Bitbucket" }, 200, {
            "x-ausername": botName,
          }),
      ),
    ],
    notFound: (request) => errorResponse(404, `No resource at ${request.method} ${request.url.pathname}`),
    onError: (error) => error instanceof Response ? error : errorResponse(500, String(error)),
  });
  origin = server.origin;

  const state: FakeBitbucketServerState = {
    addPullRequest(seed) {
      pullRequests.set(key(seed.repo, seed.number), { ...seed });
    },
    addCommitDiff(repo, since, until, diff) {
      commitDiffs.set(`${repo}|${since}|${until}`.toLowerCase(), diff);
    },
    grant(repo, login, permission, grantOptions) {
      permissions.grant(repo, login, permission, grantOptions?.direct ?? true);
    },
    addComment: (repo, number, comment) => addComment(repo, number, comment),
    comments: (repo, number) =>
      comments.filter((comment) => comment.repo === repo && comment.number === number),
    builds,
    reports,
    failNext(pattern, status) {
      failures.push({ pattern, status });
    },
  };

  return {
    url: origin,
    token,
    botName,
    state,
    requests: server.requests,
    close: server.close,
    [Symbol.asyncDispose]: server.close,
  };
}
