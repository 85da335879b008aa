/**
 * A stateful fake of the Azure DevOps Git REST API on a real local HTTP server, for contract and e2e tests.
 * It implements the endpoints Loom's Azure DevOps client uses, with Azure DevOps' response shapes and habits:
 * iterations with merge-base commits, iteration changes paged by `$top`/`$skip` with `nextSkip`, stable
 * `changeTrackingId`s across pushes, `items` with content, threads keyed by id with per-thread comment ids,
 * a required `api-version`, case-insensitive resource names, and a 203 HTML sign-in page when no credentials
 * are sent.
 */

/** One file of a seeded pull request: content at the base and at the head (absent = does not exist there). */
export interface FakeFile {
  base?: string;
  head?: string;
  /** For a rename: the base path this head file came from (its base content lives under that path). */
  renamedFrom?: string;
}

/** The same seeding shape as the other platform fakes. `repo` is `project/repository`. */
export interface FakePullRequestSeed {
  repo: string;
  number: number;
  title: string;
  author: string;
  headSha: string;
  baseSha: string;
  baseRef: string;
  headRef: string;
  /** Accepted for a uniform seeding shape; Azure DevOps has no diff API, so the fake never serves it. */
  diff?: string;
  files: Record<string, FakeFile>;
  draft?: boolean;
  status?: "active" | "abandoned" | "completed";
}

export interface FakeAzureComment {
  id: number;
  parentCommentId: number;
  content: string;
  commentType: string;
  author: string;
  /** Every content the comment had, oldest first (edits append). */
  history: string[];
}

export interface FakeAzureThread {
  id: number;
  repo: string;
  number: number;
  status: string;
  comments: FakeAzureComment[];
  /** Exactly as posted. */
  threadContext?: unknown;
  pullRequestThreadContext?: unknown;
}

export interface FakeAzureStatus {
  repo: string;
  number: number;
  id: number;
  state: string;
  description?: string;
  context?: { name?: string; genre?: string };
  targetUrl?: string;
  iterationId?: number;
}

export interface RecordedRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: Headers;
  body: unknown;
}

export interface FakeAzureDevopsState {
  addPullRequest(seed: FakePullRequestSeed): void;
  /**
   * A new push to the pull request: a new head commit and iteration. `files` holds only what changed since the
   * previous head (`null` deletes the file).
   */
  pushCommit(
    repo: string,
    number: number,
    push: { headSha: string; files: Record<string, string | null> },
  ): void;
  /** Seeds an existing thread (for dedupe tests). */
  addThread(
    repo: string,
    number: number,
    thread: { content: string; author?: string; status?: string; threadContext?: unknown },
  ): FakeAzureThread;
  threads(repo: string, number: number): FakeAzureThread[];
  statuses: FakeAzureStatus[];
  /** The next request whose `METHOD /path` matches `pattern` gets `status` instead of its normal answer. */
  failNext(pattern: string | RegExp, status: number, options?: { headers?: Record<string, string> }): void;
}

export interface FakeAzureDevops {
  /** Server origin; give the client `baseUrl: url` and `organization`. */
  url: string;
  organization: string;
  token: string;
  state: FakeAzureDevopsState;
  requests: RecordedRequest[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface FakeAzureDevopsOptions {
  /** Default `loom-org`. */
  organization?: string;
  /** The PAT, accepted as the Basic-auth password with any user name. Default `azure-test-pat`. */
  token?: string;
  /** Largest `$top` honoured for iteration changes (Azure DevOps: 2000). */
  maxChangesPage?: number;
  /** Display name of the identity behind the token. Default `Loom Bot`. */
  botName?: string;
}

interface Iteration {
  id: number;
  sourceCommit: string;
  targetCommit: string;
  commonCommit: string;
}

interface StoredPullRequest {
  seed: FakePullRequestSeed;
  headSha: string;
  iterations: Iteration[];
  trackingIds: Map<string, number>;
  renames: Map<string, string>;
}

const THREAD_STATUS: Record<number, string> = {
  0: "unknown",
  1: "active",
  2: "fixed",
  3: "wontFix",
  4: "closed",
  5: "byDesign",
  6: "pending",
};
const COMMENT_TYPE: Record<number, string> = { 0: "unknown", 1: "text", 2: "codeChange", 3: "system" };

function azureError(status: number, message: string, typeKey = "InvalidArgumentValueException"): Response {
  return Response.json({
    "$id": "1",
    innerException: null,
    message,
    typeName:
      `Microsoft.TeamFoundation.Framework.Server.${typeKey}, Microsoft.TeamFoundation.Framework.Server`,
    typeKey,
    errorCode: 0,
    eventId: 3000,
  }, { status });
}

function identity(name: string) {
  return { id: `id-${name}`, displayName: name, uniqueName: name };
}

/** Starts the fake on 127.0.0.1 with a free port. Close it with `await using` or `close()`. */
export function startFakeAzureDevops(options: FakeAzureDevopsOptions = {}): FakeAzureDevops {
  const organization = options.organization ?? "loom-org";
  const token = options.token ?? "azure-test-pat";
  const maxChangesPage = options.maxChangesPage ?? 2000;
  const botName = options.botName ?? "Loom Bot";
  const pullRequests = new Map<string, StoredPullRequest>();
  /** Commit sha → repository tree (path → content), per repository. */
  const commits = new Map<string, Map<string, Map<string, string>>>();
  const branches = new Map<string, Map<string, string>>();
  const threads: FakeAzureThread[] = [];
  const statuses: FakeAzureStatus[] = [];
  const failures: { pattern: string | RegExp; status: number; headers?: Record<string, string> }[] = [];
  const requests: RecordedRequest[] = [];
  let nextThreadId = 1;
  let nextStatusId = 1;
  let origin = "";

  const key = (repo: string, number: number) => `${repo.toLowerCase()}#${number}`;

  function commitTree(repo: string, sha: string): Map<string, string> | undefined {
    return commits.get(repo.toLowerCase())?.get(sha.toLowerCase());
  }

  function storeCommit(repo: string, sha: string, tree: Map<string, string>): void {
    const byRepo = commits.get(repo.toLowerCase()) ?? new Map();
    byRepo.set(sha.toLowerCase(), tree);
    commits.set(repo.toLowerCase(), byRepo);
  }

  function pullRequestJson(pr: StoredPullRequest) {
    const [project, name] = pr.seed.repo.split("/");
    return {
      repository: {
        id: `repo-${name}`,
        name,
        url: `${origin}/${organization}/${project}/_apis/git/repositories/${name}`,
        project: { id: `project-${project}`, name: project, state: "wellFormed" },
      },
      pullRequestId: pr.seed.number,
      codeReviewId: pr.seed.number,
      status: pr.seed.status ?? "active",
      createdBy: identity(pr.seed.author),
      creationDate: "2026-01-01T00:00:00Z",
      title: pr.seed.title,
      description: "",
      sourceRefName: `refs/heads/${pr.seed.headRef}`,
      targetRefName: `refs/heads/${pr.seed.baseRef}`,
      mergeStatus: "succeeded",
      isDraft: pr.seed.draft ?? false,
      lastMergeSourceCommit: { commitId: pr.headSha },
      lastMergeTargetCommit: { commitId: pr.seed.baseSha },
      supportsIterations: true,
      url:
        `${origin}/${organization}/${project}/_apis/git/repositories/${name}/pullRequests/${pr.seed.number}`,
    };
  }

  function iterationJson(iteration: Iteration) {
    return {
      id: iteration.id,
      description: `Iteration ${iteration.id}`,
      author: identity("someone"),
      createdDate: "2026-01-01T00:00:00Z",
      sourceRefCommit: { commitId: iteration.sourceCommit },
      targetRefCommit: { commitId: iteration.targetCommit },
      commonRefCommit: { commitId: iteration.commonCommit },
      reason: iteration.id === 1 ? "create" : "push",
    };
  }

  function changesOf(pr: StoredPullRequest, iteration: Iteration) {
    const before = commitTree(pr.seed.repo, iteration.commonCommit) ?? new Map<string, string>();
    const after = commitTree(pr.seed.repo, iteration.sourceCommit) ?? new Map<string, string>();
    const entries: Record<string, unknown>[] = [];
    const renamedAway = new Set<string>();
    for (const [path, from] of pr.renames) if (after.has(path) && !after.has(from)) renamedAway.add(from);
    const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
    for (const path of paths) {
      if (renamedAway.has(path)) continue;
      const renamedFrom = pr.renames.get(path);
      const isRename = renamedFrom !== undefined && renamedAway.has(renamedFrom);
      const old = isRename ? before.get(renamedFrom) : before.get(path);
      const current = after.get(path);
      if (old === current && !isRename) continue;
      const changeType = isRename
        ? (old === current ? "rename" : "edit, rename")
        : old === undefined
        ? "add"
        : current === undefined
        ? "delete"
        : "edit";
      let trackingId = pr.trackingIds.get(path);
      if (trackingId === undefined) {
        trackingId = pr.trackingIds.size + 1;
        pr.trackingIds.set(path, trackingId);
      }
      entries.push({
        changeTrackingId: trackingId,
        changeId: entries.length + 1,
        item: {
          objectId: `blob-${path}`,
          path: `/${path}`,
          gitObjectType: "blob",
          commitId: iteration.sourceCommit,
        },
        changeType,
        ...(isRename ? { originalPath: `/${renamedFrom}` } : {}),
      });
    }
    return entries;
  }

  function commentJson(comment: FakeAzureComment) {
    return {
      id: comment.id,
      parentCommentId: comment.parentCommentId,
      author: identity(comment.author),
      content: comment.content,
      publishedDate: "2026-01-01T00:00:00Z",
      lastUpdatedDate: "2026-01-01T00:00:00Z",
      lastContentUpdatedDate: "2026-01-01T00:00:00Z",
      commentType: comment.commentType,
      usersLiked: [],
    };
  }

  function threadJson(thread: FakeAzureThread) {
    return {
      id: thread.id,
      publishedDate: "2026-01-01T00:00:00Z",
      lastUpdatedDate: "2026-01-01T00:00:00Z",
      comments: thread.comments.map(commentJson),
      status: thread.status,
      threadContext: thread.threadContext ?? null,
      ...(thread.pullRequestThreadContext
        ? { pullRequestThreadContext: thread.pullRequestThreadContext }
        : {}),
      properties: {},
      identities: null,
      isDeleted: false,
    };
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

  function authorize(request: Request): Response | null {
    const header = request.headers.get("authorization");
    if (!header) {
      // What Azure DevOps Services does for anonymous API calls: the sign-in page, not a 401.
      return new Response("<html><head><title>Azure DevOps Services | Sign In</title></head></html>", {
        status: 203,
        headers: { "content-type": "text/html; charset=utf-8" },
      });
    }
    if (header.startsWith("Basic ")) {
      const decoded = atob(header.slice(6));
      if (decoded.slice(decoded.indexOf(":") + 1) === token) return null;
    }
    return new Response("", {
      status: 401,
      headers: { "www-authenticate": 'Basic realm="https://dev.azure.com/"' },
    });
  }

  function route(request: Request, url: URL, body: unknown): Response {
    const method = request.method;
    const segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (segments[0]?.toLowerCase() !== organization.toLowerCase()) {
      return azureError(404, `The organization "${segments[0]}" does not exist`, "AccountNotFoundException");
    }
    if (!url.searchParams.get("api-version")) {
      return azureError(
        400,
        `No api-version was supplied for the "${method}" request. The version must be supplied either as part of ` +
          `the Accept header (e.g. "application/json; api-version=1.0") or as a query parameter (e.g. ` +
          `"?api-version=1.0").`,
        "VssVersionNotSpecifiedException",
      );
    }
    const lower = segments.map((segment) => segment.toLowerCase());
    // Who the PAT belongs to, as the location service answers it.
    if (method === "GET" && lower[1] === "_apis" && lower[2] === "connectiondata" && segments.length === 3) {
      const me = identity(botName);
      return Response.json({
        authenticatedUser: { id: me.id, descriptor: `aad.${me.id}`, providerDisplayName: botName },
        authorizedUser: { id: me.id, descriptor: `aad.${me.id}`, providerDisplayName: botName },
        instanceId: "00000000-0000-0000-0000-000000000001",
      });
    }
    if (lower[2] !== "_apis" || lower[3] !== "git" || lower[4] !== "repositories" || !segments[5]) {
      return azureError(404, `Resource not found: ${url.pathname}`, "ResourceNotFoundException");
    }
    const repo = `${segments[1]}/${segments[5]}`;
    const rest = lower.slice(6);
    const raw = segments.slice(6);

    if (rest[0] === "items" && method === "GET") {
      const path = (url.searchParams.get("path") ?? "").replace(/^\/+/, "");
      const version = url.searchParams.get("versionDescriptor.version") ?? "";
      const versionType = url.searchParams.get("versionDescriptor.versionType") ?? "branch";
      const tree = versionType === "commit"
        ? commitTree(repo, version)
        : branches.get(`${repo.toLowerCase()}@${version}`);
      const content = tree?.get(path);
      if (content === undefined) {
        return azureError(
          404,
          `TF401174: The item '/${path}' could not be found in the repository '${
            segments[5]
          }' at the version ` +
            `specified by '<${versionType}: ${version}>'.`,
          "GitItemNotFoundException",
        );
      }
      return Response.json({
        objectId: `blob-${path}`,
        gitObjectType: "blob",
        commitId: version,
        path: `/${path}`,
        ...(url.searchParams.get("includeContent") === "true" ? { content } : {}),
      });
    }

    if (rest[0] !== "pullrequests" || !rest[1]) {
      return azureError(404, `Resource not found: ${url.pathname}`, "ResourceNotFoundException");
    }
    const pr = pullRequests.get(key(repo, Number(rest[1])));
    if (!pr) {
      return azureError(
        404,
        `TF401180: The requested pull request was not found.`,
        "GitPullRequestNotFoundException",
      );
    }
    const sub = rest.slice(2);

    if (sub.length === 0 && method === "GET") return Response.json(pullRequestJson(pr));
    if (sub[0] === "iterations" && sub.length === 1 && method === "GET") {
      return Response.json({ value: pr.iterations.map(iterationJson), count: pr.iterations.length });
    }
    if (sub[0] === "iterations" && sub[2] === "changes" && method === "GET") {
      const iteration = pr.iterations.find((item) => item.id === Number(sub[1]));
      if (!iteration) {
        return azureError(404, `Iteration ${sub[1]} not found`, "GitPullRequestIterationNotFoundException");
      }
      const all = changesOf(pr, iteration);
      const top = Math.min(Number(url.searchParams.get("$top") ?? 100), maxChangesPage);
      const skip = Number(url.searchParams.get("$skip") ?? 0);
      const page = all.slice(skip, skip + top);
      const more = skip + top < all.length;
      return Response.json({ changeEntries: page, nextSkip: more ? skip + top : 0, nextTop: more ? top : 0 });
    }
    if (sub[0] === "threads" && sub.length === 1) {
      if (method === "GET") {
        const list = threads.filter((thread) =>
          thread.repo === pr.seed.repo && thread.number === pr.seed.number
        );
        return Response.json({ value: list.map(threadJson), count: list.length });
      }
      if (method === "POST") {
        const input = body as {
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
        const status = typeof input.status === "number"
          ? THREAD_STATUS[input.status]
          : input.status ?? "active";
        const thread = addThread(pr.seed.repo, pr.seed.number, {
          content: first.content,
          status,
          threadContext: input.threadContext,
          pullRequestThreadContext: input.pullRequestThreadContext,
        });
        const type = first.commentType;
        thread.comments[0].commentType = typeof type === "number" ? COMMENT_TYPE[type] : type ?? "text";
        return Response.json(threadJson(thread));
      }
    }
    if (sub[0] === "threads" && sub[2] === "comments" && sub[3] && method === "PATCH") {
      const thread = threads.find((item) =>
        item.id === Number(sub[1]) && item.repo === pr.seed.repo && item.number === pr.seed.number
      );
      const comment = thread?.comments.find((item) => item.id === Number(sub[3]));
      if (!comment) {
        return azureError(404, `Comment ${raw[1]}/${raw[3]} not found`, "CommentNotFoundException");
      }
      const content = (body as { content?: unknown })?.content;
      if (typeof content !== "string") return azureError(400, "content is required.");
      comment.content = content;
      comment.history.push(content);
      return Response.json(commentJson(comment));
    }
    if (sub[0] === "statuses" && sub.length === 1 && method === "POST") {
      const input = body as Omit<FakeAzureStatus, "repo" | "number" | "id">;
      if (!input?.state || !input.context?.name) {
        return azureError(400, "state and context.name are required.");
      }
      const status: FakeAzureStatus = {
        repo: pr.seed.repo,
        number: pr.seed.number,
        id: nextStatusId++,
        ...input,
      };
      statuses.push(status);
      return Response.json({ ...status, createdBy: identity(botName), creationDate: "2026-01-01T00:00:00Z" });
    }
    return azureError(404, `Resource not found: ${method} ${url.pathname}`, "ResourceNotFoundException");
  }

  async function readBody(request: Request): Promise<unknown> {
    const text = await request.text();
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (request) => {
    const url = new URL(request.url);
    const body = await readBody(request);
    requests.push({
      method: request.method,
      path: url.pathname + url.search,
      headers: request.headers,
      body,
    });
    const failure = failures.findIndex((item) => {
      const target = `${request.method} ${url.pathname}`;
      return typeof item.pattern === "string" ? target.includes(item.pattern) : item.pattern.test(target);
    });
    if (failure >= 0) {
      const [{ status, headers }] = failures.splice(failure, 1);
      const response = azureError(status, `Scripted failure ${status}`, "ScriptedFailureException");
      for (const [name, value] of Object.entries(headers ?? {})) response.headers.set(name, value);
      return response;
    }
    return authorize(request) ?? route(request, url, body);
  });
  origin = `http://127.0.0.1:${server.addr.port}`;

  const state: FakeAzureDevopsState = {
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
  };

  const close = async () => {
    await server.shutdown();
  };
  return { url: origin, organization, token, state, requests, close, [Symbol.asyncDispose]: close };
}
