/**
 * A stateful fake of the Azure DevOps Git REST API on a real local HTTP server, for contract and e2e tests.
 * It implements the endpoints Loom's Azure DevOps client uses, with Azure DevOps' response shapes and habits:
 * iterations with merge-base commits, iteration changes paged by `$top`/`$skip` with `nextSkip`, stable
 * `changeTrackingId`s across pushes, `items` with content, threads keyed by id with per-thread comment ids,
 * a required `api-version`, case-insensitive resource names, and a 203 HTML sign-in page when no credentials
 * are sent.
 */
import { replyInThread, updateThread } from "./azure_devops/thread_writes.ts";
import { json, type RouteContext, startFakeServer } from "./server_core.ts";
import { createFakeWorkItems } from "./azure_devops/work_items.ts";
import { commitDiffs } from "./azure_devops/commit_diffs.ts";
import { pullRequestEdits } from "./azure_devops/pull_request_edits.ts";
import { azureAccessControlLists, azureIdentities, FakePermissions } from "./permissions.ts";
import { createRepoAccess, tokenOf } from "./repo_access.ts";
import {
  azureError,
  changesOf,
  COMMENT_TYPE,
  commentJson,
  identity,
  iterationJson,
  pullRequestJson,
  statusJson,
  THREAD_STATUS,
  threadJson,
} from "./azure_devops/shapes.ts";
import type {
  FakeAzureDevops,
  FakeAzureDevopsOptions,
  FakeAzureDevopsState,
  FakeAzureStatus,
  FakeAzureThread,
  RecordedRequest,
  StoredPullRequest,
} from "./azure_devops/types.ts";
import * as W from "./azure_devops/wire.ts";

export * from "./azure_devops/types.ts";

/** Starts the fake on 127.0.0.1 with a free port. Close it with `await using` or `close()`. */
export function startFakeAzureDevops(options: FakeAzureDevopsOptions = {}): FakeAzureDevops {
  const organization = options.organization ?? "loom-org";
  const token = options.token ?? "azure-test-pat";
  const access = createRepoAccess(options.access);
  const maxChangesPage = options.maxChangesPage ?? 2000;
  const botName = options.botName ?? "Loom Bot";
  const pullRequests = new Map<string, StoredPullRequest>();
  /** Commit sha → repository tree (path → content), per repository. */
  const commits = new Map<string, Map<string, Map<string, string>>>();
  const branches = new Map<string, Map<string, string>>();
  const threads: FakeAzureThread[] = [];
  const statuses: FakeAzureStatus[] = [];
  const failures: { pattern: string | RegExp; status: number; headers?: Record<string, string> }[] = [];
  const permissions = new FakePermissions();
  let nextThreadId = 1;
  let nextStatusId = 1;

  const key = (repo: string, number: number) => `${repo.toLowerCase()}#${number}`;

  function commitTree(repo: string, sha: string): Map<string, string> | undefined {
    return commits.get(repo.toLowerCase())?.get(sha.toLowerCase());
  }

  function storeCommit(repo: string, sha: string, tree: Map<string, string>): void {
    const byRepo = commits.get(repo.toLowerCase()) ?? new Map();
    byRepo.set(sha.toLowerCase(), tree);
    commits.set(repo.toLowerCase(), byRepo);
  }

  function addThread(
    repo: string,
    number: number,
    input: {
      content: string;
      author?: string;
      status?: string;
      threadContext?: unknown;
      pullRequestThreadContext?: unknown;
    },
  ): FakeAzureThread {
    const thread: FakeAzureThread = {
      id: nextThreadId++,
      repo,
      number,
      status: input.status ?? "active",
      comments: [{
        id: 1,
        parentCommentId: 0,
        content: input.content,
        commentType: "text",
        author: input.author ?? botName,
        history: [input.content],
      }],
      threadContext: input.threadContext,
      pullRequestThreadContext: input.pullRequestThreadContext,
    };
    threads.push(thread);
    return thread;
  }

  function authorize(headers: Headers): Response | null {
    const header = headers.get("authorization");
    if (!header) {
      // What Azure DevOps Services does for anonymous API calls: the sign-in page, not a 401.
      return new Response("<html><head><title>Azure DevOps Services | Sign In</title></head></html>", {
        status: 203,
        headers: { "content-type": "text/html; charset=utf-8" },
      });
    }
    if (header.startsWith("Basic ")) {
      const decoded = atob(header.slice(6));
      const pat = decoded.slice(decoded.indexOf(":") + 1);
      if (pat === token || Object.hasOwn(options.access ?? {}, pat)) return null;
    }
    return new Response("", {
      status: 401,
      headers: { "www-authenticate": 'Basic realm="https://dev.azure.com/"' },
    });
  }

  type Context = RouteContext<undefined>;

  /**
   * Azure DevOps answers a wrong organization with 404 and a missing `api-version` with 400 for every resource,
   * known or not; undefined when the request passes both.
   */
  const refuseAccount = (request: { method: string; url: URL }): Response | undefined => {
    const first = decodeURIComponent(request.url.pathname.split("/").filter(Boolean)[0] ?? "");
    if (first.toLowerCase() !== organization.toLowerCase()) {
      return azureError(404, `The organization "${first}" does not exist`, "AccountNotFoundException");
    }
    if (!request.url.searchParams.get("api-version")) {
      return azureError(
        400,
        `No api-version was supplied for the "${request.method}" request. The version must be supplied either as part of ` +
          `the Accept header (e.g. "application/json; api-version=1.0") or as a query parameter (e.g. ` +
          `"?api-version=1.0").`,
        "VssVersionNotSpecifiedException",
      );
    }
    return undefined;
  };
  const repoOf = (context: Context) => `${context.params.project}/${context.params.repo}`;
  /** The pull request a route names; the 404 Azure DevOps gives for an unknown one is thrown. */
  const pullRequestOf = (context: Context): StoredPullRequest => {
    const pr = pullRequests.get(key(repoOf(context), Number(context.params.id)));
    if (!pr) {
      throw azureError(
        404,
        `TF401180: The requested pull request was not found.`,
        "GitPullRequestNotFoundException",
      );
    }
    return pr;
  };

  // Who the PAT belongs to, as the location service answers it.
  const connectionData = () => {
    const me = identity(botName);
    return Response.json({
      authenticatedUser: { id: me.id, descriptor: `aad.${me.id}`, providerDisplayName: botName },
      authorizedUser: { id: me.id, descriptor: `aad.${me.id}`, providerDisplayName: botName },
      instanceId: "00000000-0000-0000-0000-000000000001",
    });
  };

  const getItem = (context: Context) => {
    const repo = repoOf(context);
    const search = context.url.searchParams;
    const path = (search.get("path") ?? "").replace(/^\/+/, "");
    const version = search.get("versionDescriptor.version") ?? "";
    const versionType = search.get("versionDescriptor.versionType") ?? "branch";
    const tree = versionType === "commit"
      ? commitTree(repo, version)
      : branches.get(`${repo.toLowerCase()}@${version}`);
    const content = tree?.get(path);
    if (content === undefined) {
      return azureError(
        404,
        `TF401174: The item '/${path}' could not be found in the repository '${context.params.repo}' at the version ` +
          `specified by '<${versionType}: ${version}>'.`,
        "GitItemNotFoundException",
      );
    }
    return W.wireJson<W.ItemWire>({
      objectId: `blob-${path}`,
      gitObjectType: "blob",
      commitId: version,
      path: `/${path}`,
      ...(search.get("includeContent") === "true" ? { content } : {}),
    });
  };

  const listChanges = (context: Context) => {
    const pr = pullRequestOf(context);
    const iteration = pr.iterations.find((item) => item.id === Number(context.params.iteration));
    if (!iteration) {
      return azureError(
        404,
        `Iteration ${context.params.iteration} not found`,
        "GitPullRequestIterationNotFoundException",
      );
    }
    const all = changesOf(pr, iteration, commitTree);
    const top = Math.min(Number(context.url.searchParams.get("$top") ?? 100), maxChangesPage);
    const skip = Number(context.url.searchParams.get("$skip") ?? 0);
    const page = all.slice(skip, skip + top);
    const [nextSkip, nextTop] = skip + top < all.length ? [skip + top, top] : [0, 0];
    return W.wireJson<W.IterationChangesWire>({ changeEntries: page, nextSkip, nextTop });
  };

  const listThreads = (context: Context) => {
    const pr = pullRequestOf(context);
    const list = threads.filter((thread) => thread.repo === pr.seed.repo && thread.number === pr.seed.number);
    return Response.json({ value: list.map(threadJson), count: list.length });
  };

  const postThread = (context: Context) => {
    const pr = pullRequestOf(context);
    const input = context.body as {
      comments?: { content?: unknown; parentCommentId?: number; commentType?: number | string }[];
      status?: number | string;
      threadContext?: { filePath?: unknown };
      pullRequestThreadContext?: unknown;
    };
    const first = input?.comments?.[0];
    if (typeof first?.content !== "string" || first.content === "") {
      return azureError(400, "The thread must contain at least one comment with content.");
    }
    if (input.threadContext && typeof input.threadContext.filePath !== "string") {
      return azureError(400, "threadContext.filePath is required.");
    }
    const status = typeof input.status === "number" ? THREAD_STATUS[input.status] : input.status ?? "active";
    const thread = addThread(pr.seed.repo, pr.seed.number, {
      content: first.content,
      status,
      threadContext: input.threadContext,
      pullRequestThreadContext: input.pullRequestThreadContext,
    });
    const type = first.commentType;
    thread.comments[0].commentType = typeof type === "number" ? COMMENT_TYPE[type] : type ?? "text";
    return Response.json(threadJson(thread));
  };

  const editComment = (context: Context) => {
    const pr = pullRequestOf(context);
    const { thread: threadId, comment: commentId } = context.params;
    const thread = threads.find((item) =>
      item.id === Number(threadId) && item.repo === pr.seed.repo && item.number === pr.seed.number
    );
    const comment = thread?.comments.find((item) => item.id === Number(commentId));
    if (!comment) {
      return azureError(404, `Comment ${threadId}/${commentId} not found`, "CommentNotFoundException");
    }
    const content = (context.body as { content?: unknown })?.content;
    if (typeof content !== "string") return azureError(400, "content is required.");
    comment.content = content;
    comment.history.push(content);
    return Response.json(commentJson(comment));
  };

  const threadOf = (context: Context) => {
    const pr = pullRequestOf(context);
    const thread = threads.find((item) =>
      item.id === Number(context.params.thread) && item.repo === pr.seed.repo &&
      item.number === pr.seed.number
    );
    if (!thread) {
      throw azureError(404, `Thread ${context.params.thread} not found`, "CommentThreadNotFoundException");
    }
    return thread;
  };

  const postStatus = (context: Context) => {
    const pr = pullRequestOf(context);
    const input = context.body as Omit<FakeAzureStatus, "repo" | "number" | "id">;
    if (!input?.state || !input.context?.name) return azureError(400, "state and context.name are required.");
    const state = W.STATUS_STATES.find((name) => name === input.state);
    if (!state) return azureError(400, `The value "${input.state}" is not a valid GitStatusState.`);
    const status: FakeAzureStatus = {
      repo: pr.seed.repo,
      number: pr.seed.number,
      id: nextStatusId++,
      ...input,
    };
    statuses.push(status);
    return Response.json(statusJson(status, state, identity(botName)));
  };

  /** Every route first passes the account checks, which come after authentication. */
  const checked = (handler: (context: Context) => Response) => (context: Context) =>
    refuseAccount(context) ?? handler(context);
  const repository = "/:org/:project/_apis/git/repositories/:repo";
  const pullRequest = `${repository}/pullRequests/:id`;
  const workItems = createFakeWorkItems(pullRequest);
  const server = startFakeServer({
    // Azure DevOps matches resource names regardless of case (`pullrequests`, `pullRequests`).
    caseInsensitive: true,
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
      const response = azureError(status, `Scripted failure ${status}`, "ScriptedFailureException");
      for (const [name, value] of Object.entries(headers ?? {})) response.headers.set(name, value);
      return response;
    }],
    authenticate: (request) => {
      const refused = authorize(request.headers);
      if (refused) return refused;
      const parts = request.path.split("/").filter(Boolean).map(decodeURIComponent);
      // `/{org}/{project}/_apis/git/repositories/{repo}/…`
      if (
        parts[2] === "_apis" && parts[3] === "git" && parts[4] === "repositories" && parts[5] !== undefined
      ) {
        if (!access.canRead(tokenOf(request.headers), `${parts[1]}/${parts[5]}`)) {
          const message =
            `TF401019: The Git repository with name or identifier ${parts[5]} does not exist or ` +
            "you do not have permissions for the operation you are attempting.";
          return azureError(404, message, "GitRepositoryNotFoundException");
        }
      }
      return undefined;
    },
    routes: [
      { method: "GET", path: "/:org/_apis/connectionData", handler: checked(connectionData) },
      {
        method: "GET",
        path: "/:org/_apis/identities",
        handler: checked((context) =>
          azureIdentities((id) => permissions.knows(id), context.url.searchParams.get("identityIds"))
        ),
      },
      {
        method: "GET",
        path: "/:org/_apis/accesscontrollists/:namespace",
        handler: checked((context) =>
          azureAccessControlLists(permissions, {
            namespace: context.params.namespace!.toLowerCase(),
            url: context.url,
            // The pull request's `repository.id` and `project.id` (`shapes.ts`) name the repository.
            repoFor: (projectId, repoId) =>
              [...pullRequests.values()].map((pr) => pr.seed.repo).find((repo) => {
                const [project, name] = repo.split("/");
                return projectId === `project-${project}` && repoId === `repo-${name}`;
              }),
          })
        ),
      },
      {
        method: "GET",
        path: repository,
        handler: checked((context) => {
          // The ids the pull requests' `repository` carries (`shapes.ts`), so a webhook and a connect agree.
          return W.wireJson<W.RepositoryWire>({
            id: `repo-${context.params.repo}`,
            name: context.params.repo,
            project: { id: `project-${context.params.project}`, name: context.params.project },
          });
        }),
      },
      { method: "GET", path: `${repository}/items`, handler: checked(getItem) },
      {
        method: "GET",
        path: `${repository}/diffs/commits`,
        handler: checked((context) =>
          commitDiffs({
            repo: repoOf(context),
            url: context.url,
            commitTree,
            pullRequests: pullRequests.values(),
          })
        ),
      },
      {
        method: "GET",
        path: pullRequest,
        handler: checked((context) =>
          Response.json(pullRequestJson(pullRequestOf(context), context.origin, organization))
        ),
      },
      {
        method: "GET",
        path: `${pullRequest}/iterations`,
        handler: checked((context) => {
          const { iterations } = pullRequestOf(context);
          return Response.json({ value: iterations.map(iterationJson), count: iterations.length });
        }),
      },
      { method: "GET", path: `${pullRequest}/iterations/:iteration/changes`, handler: checked(listChanges) },
      { method: "GET", path: `${pullRequest}/threads`, handler: checked(listThreads) },
      { method: "POST", path: `${pullRequest}/threads`, handler: checked(postThread) },
      {
        method: "PATCH",
        path: `${pullRequest}/threads/:thread/comments/:comment`,
        handler: checked(editComment),
      },
      {
        method: "POST",
        path: `${pullRequest}/threads/:thread/comments`,
        handler: checked((context) => replyInThread(threadOf(context), context.body, botName)),
      },
      {
        method: "PATCH",
        path: `${pullRequest}/threads/:thread`,
        handler: checked((context) => updateThread(threadOf(context), context.body)),
      },
      { method: "POST", path: `${pullRequest}/statuses`, handler: checked(postStatus) },
      ...workItems.routes(checked),
      { method: "PATCH", path: pullRequest, handler: checked(pullRequestEdits(pullRequestOf, organization)) },
    ],
    notFound: (request) =>
      refuseAccount(request) ??
        azureError(
          404,
          `Resource not found: ${request.method} ${request.url.pathname}`,
          "ResourceNotFoundException",
        ),
    // Lookups throw the answer Azure DevOps gives for an unknown pull request.
    onError: (error) => error instanceof Response ? error : json({ message: String(error) }, 500),
  });
  const origin = server.origin;
  const requests = server.requests;

  const state: FakeAzureDevopsState = {
    ...workItems.state,
    addPullRequest(seed) {
      const base = new Map<string, string>();
      const head = new Map<string, string>();
      const renames = new Map<string, string>();
      for (const [path, file] of Object.entries(seed.files)) {
        if (file.base !== undefined) base.set(path, file.base);
        if (file.head !== undefined) head.set(path, file.head);
        if (file.renamedFrom) renames.set(path, file.renamedFrom);
      }
      // Files the seed does not mention are unchanged; only listed ones matter for the diff.
      storeCommit(seed.repo, seed.baseSha, base);
      storeCommit(seed.repo, seed.headSha, head);
      branches.set(`${seed.repo.toLowerCase()}@${seed.baseRef}`, base);
      branches.set(`${seed.repo.toLowerCase()}@${seed.headRef}`, head);
      pullRequests.set(key(seed.repo, seed.number), {
        seed,
        headSha: seed.headSha,
        iterations: [{
          id: 1,
          sourceCommit: seed.headSha,
          targetCommit: seed.baseSha,
          commonCommit: seed.baseSha,
        }],
        trackingIds: new Map(),
        renames,
      });
    },
    pushCommit(repo, number, push) {
      const pr = pullRequests.get(key(repo, number));
      if (!pr) throw new RangeError(`Cannot push to "${repo}#${number}": no such pull request in the fake`);
      const tree = new Map(commitTree(repo, pr.headSha));
      for (const [path, content] of Object.entries(push.files)) {
        if (content === null) tree.delete(path);
        else tree.set(path, content);
      }
      storeCommit(repo, push.headSha, tree);
      branches.set(`${repo.toLowerCase()}@${pr.seed.headRef}`, tree);
      pr.headSha = push.headSha;
      pr.iterations.push({
        id: pr.iterations.length + 1,
        sourceCommit: push.headSha,
        targetCommit: pr.seed.baseSha,
        commonCommit: pr.seed.baseSha,
      });
    },
    addThread: (repo, number, thread) => addThread(repo, number, thread),
    threads: (repo, number) => threads.filter((thread) => thread.repo === repo && thread.number === number),
    statuses,
    failNext(pattern, status, failOptions) {
      failures.push({ pattern, status, headers: failOptions?.headers });
    },
    setPermission: (repo, identityId, permission) => permissions.set(repo, identityId, permission),
  };

  return {
    url: origin,
    organization,
    token,
    state,
    requests,
    close: server.close,
    [Symbol.asyncDispose]: server.close,
  };
}
