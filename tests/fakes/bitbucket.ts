/**
 * A stateful fake of the Bitbucket Cloud 2.0 REST API on a real local HTTP server, for contract and e2e tests.
 * It implements the endpoints Loom's Bitbucket client uses with Bitbucket's response shapes and quirks:
 * abbreviated (12-character) hashes in pull-request objects, the `/diff` redirect, `next`-link pagination with a
 * page-size cap, `inline.to` dropped when `inline.from` is also sent, and the `{type: "error"}` error envelope.
 */

/** One file of a seeded pull request: its content at the base and at the head (absent = file does not exist). */
export interface FakeFile {
  base?: string;
  head?: string;
}

/** The same seeding shape as the other platform fakes. `repo` is `workspace/repo_slug`. */
export interface FakePullRequestSeed {
  repo: string;
  number: number;
  title: string;
  author: string;
  /** Full 40-character hashes; the fake serves them abbreviated in pull-request objects, as Bitbucket does. */
  headSha: string;
  baseSha: string;
  baseRef: string;
  headRef: string;
  /** Served verbatim by the diff endpoint. */
  diff: string;
  files: Record<string, FakeFile>;
  draft?: boolean;
  state?: "OPEN" | "MERGED" | "DECLINED" | "SUPERSEDED";
}

export interface FakeBitbucketComment {
  id: number;
  repo: string;
  number: number;
  body: string;
  inline?: { path: string; from: number | null; to: number | null };
  parentId?: number;
  author: string;
  deleted: boolean;
  /** Every body the comment had, oldest first (edits append). */
  history: string[];
}

export interface FakeBitbucketStatus {
  repo: string;
  /** The commit exactly as it appeared in the request path. */
  sha: string;
  key: string;
  state: string;
  name?: string;
  description?: string;
  url?: string;
  refname?: string;
}

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/2.0/repositories/ws/repo/pullrequests/1/comments?pagelen=100`. */
  path: string;
  headers: Headers;
  body: unknown;
}

export interface FakeBitbucketState {
  addPullRequest(seed: FakePullRequestSeed): void;
  /** Seeds an existing comment (for dedupe and pagination tests). */
  addComment(
    repo: string,
    number: number,
    comment: { body: string; inline?: { path: string; from?: number; to?: number }; author?: string },
  ): FakeBitbucketComment;
  /** Comments of one pull request, in creation order, including deleted ones. */
  comments(repo: string, number: number): FakeBitbucketComment[];
  statuses: FakeBitbucketStatus[];
  /** `approve` / `request-changes` calls in order. */
  reviews: { repo: string; number: number; kind: "approve" | "request-changes" }[];
  /** The next request whose `METHOD /path` matches `pattern` gets `status` instead of its normal answer. */
  failNext(pattern: string | RegExp, status: number, options?: { headers?: Record<string, string> }): void;
}

export interface FakeBitbucket {
  /** Server origin, e.g. `http://127.0.0.1:1234`. */
  url: string;
  /** The API root to give the client as `baseUrl` (`<url>/2.0`). */
  apiUrl: string;
  token: string;
  state: FakeBitbucketState;
  requests: RecordedRequest[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface FakeBitbucketOptions {
  /** Accepted as `Bearer <token>` or as the password of Basic auth. Default `bitbucket-test-token`. */
  token?: string;
  /** Largest `pagelen` the server honours; Bitbucket caps it per endpoint. Default 100. */
  maxPageLength?: number;
  /** Nickname of the user behind the token, shown as comment author. Default `loom-bot`. */
  botName?: string;
}

interface StoredPullRequest extends FakePullRequestSeed {
  diffSpec: string;
}

const SHORT = 12;

function errorResponse(status: number, message: string): Response {
  return Response.json({ type: "error", error: { message } }, { status });
}

function user(nickname: string, type = "user") {
  return {
    type,
    nickname,
    "display_name": nickname,
    uuid: `{${nickname}}`,
    "account_id": `account-${nickname}`,
  };
}

/** Starts the fake on 127.0.0.1 with a free port. Close it with `await using` or `close()`. */
export function startFakeBitbucket(options: FakeBitbucketOptions = {}): FakeBitbucket {
  const token = options.token ?? "bitbucket-test-token";
  const maxPageLength = options.maxPageLength ?? 100;
  const botName = options.botName ?? "loom-bot";
  const pullRequests = new Map<string, StoredPullRequest>();
  const comments: FakeBitbucketComment[] = [];
  const statuses: FakeBitbucketStatus[] = [];
  const reviews: FakeBitbucketState["reviews"] = [];
  const failures: { pattern: string | RegExp; status: number; headers?: Record<string, string> }[] = [];
  const requests: RecordedRequest[] = [];
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

  function pullRequestJson(pr: StoredPullRequest) {
    const [workspace, slug] = pr.repo.split("/");
    const repository = { "full_name": pr.repo, name: slug, uuid: `{repo-${pr.repo}}`, type: "repository" };
    return {
      type: "pullrequest",
      id: pr.number,
      title: pr.title,
      description: "",
      state: pr.state ?? "OPEN",
      draft: pr.draft ?? false,
      author: user(pr.author),
      source: { branch: { name: pr.headRef }, commit: { hash: pr.headSha.slice(0, SHORT) }, repository },
      destination: { branch: { name: pr.baseRef }, commit: { hash: pr.baseSha.slice(0, SHORT) }, repository },
      links: {
        self: { href: `${origin}/2.0/repositories/${pr.repo}/pullrequests/${pr.number}` },
        html: { href: `https://bitbucket.org/${workspace}/${slug}/pull-requests/${pr.number}` },
      },
    };
  }

  function commentJson(comment: FakeBitbucketComment) {
    return {
      type: "pullrequest_comment",
      id: comment.id,
      content: { type: "rendered", raw: comment.body, markup: "markdown", html: `<p>${comment.body}</p>` },
      user: user(comment.author, comment.author === botName ? "app_user" : "user"),
      deleted: comment.deleted,
      ...(comment.inline ? { inline: comment.inline } : {}),
      ...(comment.parentId ? { parent: { id: comment.parentId } } : {}),
      links: {
        self: {
          href:
            `${origin}/2.0/repositories/${comment.repo}/pullrequests/${comment.number}/comments/${comment.id}`,
        },
      },
    };
  }

  function authorized(request: Request): boolean {
    const header = request.headers.get("authorization") ?? "";
    if (header === `Bearer ${token}`) return true;
    if (header.startsWith("Basic ")) {
      const decoded = atob(header.slice(6));
      return decoded.slice(decoded.indexOf(":") + 1) === token && decoded.indexOf(":") > 0;
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

  async function readBody(request: Request): Promise<unknown> {
    const text = await request.text();
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  function route(request: Request, url: URL, body: unknown): Response {
    const method = request.method;
    const path = url.pathname;
    // The token's own account: access tokens act as a bot user of type `app_user`.
    if (method === "GET" && path === "/2.0/user") return Response.json(user(botName, "app_user"));
    const repoMatch = path.match(/^\/2\.0\/repositories\/([^/]+)\/([^/]+)(\/.*)?$/);
    if (!repoMatch) return errorResponse(404, `Resource not found: ${path}`);
    const repo = `${decodeURIComponent(repoMatch[1])}/${decodeURIComponent(repoMatch[2])}`;
    const rest = repoMatch[3] ?? "";

    const prMatch = rest.match(/^\/pullrequests\/(\d+)(\/.*)?$/);
    if (prMatch) {
      const pr = pullRequests.get(key(repo, Number(prMatch[1])));
      if (!pr) return errorResponse(404, `Pull request ${prMatch[1]} not found in ${repo}`);
      const sub = prMatch[2] ?? "";
      if (sub === "" && method === "GET") return Response.json(pullRequestJson(pr));
      if (sub === "/diff" && method === "GET") {
        return new Response(null, {
          status: 302,
          headers: { location: `${origin}/2.0/repositories/${pr.repo}/diff/${pr.diffSpec}` },
        });
      }
      if (sub === "/comments" && method === "GET") {
        const pageLength = Math.min(Number(url.searchParams.get("pagelen") ?? 10), maxPageLength);
        const page = Number(url.searchParams.get("page") ?? 1);
        const all = comments.filter((comment) => comment.repo === pr.repo && comment.number === pr.number);
        const values = all.slice((page - 1) * pageLength, page * pageLength);
        const next = page * pageLength < all.length
          ? `${origin}${path}?pagelen=${pageLength}&page=${page + 1}`
          : undefined;
        return Response.json({
          pagelen: pageLength,
          size: all.length,
          page,
          values: values.map(commentJson),
          ...(next ? { next } : {}),
        });
      }
      if (sub === "/comments" && method === "POST") {
        const input = body as {
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
        const comment = addComment(pr.repo, pr.number, {
          body: input.content.raw,
          inline: input.inline
            ? {
              path: input.inline.path as string,
              from: input.inline.from as number | null,
              to: input.inline.to as number | null,
            }
            : undefined,
        });
        if (input.parent?.id) comment.parentId = input.parent.id;
        return Response.json(commentJson(comment), { status: 201 });
      }
      const commentMatch = sub.match(/^\/comments\/(\d+)$/);
      if (commentMatch) {
        const comment = comments.find((item) =>
          item.id === Number(commentMatch[1]) && item.repo === pr.repo && item.number === pr.number
        );
        if (!comment) return errorResponse(404, `Comment ${commentMatch[1]} not found`);
        if (method === "GET") return Response.json(commentJson(comment));
        if (method === "PUT") {
          const raw = (body as { content?: { raw?: unknown } })?.content?.raw;
          if (typeof raw !== "string" || raw === "") {
            return errorResponse(400, "content.raw: This field is required.");
          }
          comment.body = raw;
          comment.history.push(raw);
          return Response.json(commentJson(comment));
        }
      }
      if ((sub === "/approve" || sub === "/request-changes") && method === "POST") {
        reviews.push({
          repo: pr.repo,
          number: pr.number,
          kind: sub === "/approve" ? "approve" : "request-changes",
        });
        return Response.json({ approved: sub === "/approve", user: user(botName, "app_user") });
      }
      return errorResponse(404, `Resource not found: ${method} ${path}`);
    }

    const diffMatch = rest.match(/^\/diff\/(.+)$/);
    if (diffMatch && method === "GET") {
      const pr = [...pullRequests.values()].find((item) =>
        item.repo === repo && item.diffSpec === diffMatch[1]
      );
      if (!pr) return errorResponse(404, `Diff spec ${diffMatch[1]} not found`);
      return new Response(pr.diff, { headers: { "content-type": "text/plain" } });
    }

    const statusMatch = rest.match(/^\/commit\/([^/]+)\/statuses\/build$/);
    if (statusMatch && method === "POST") {
      const sha = decodeURIComponent(statusMatch[1]);
      if (!resolveCommit(repo, sha)) return errorResponse(404, `Commit not found: ${sha}`);
      const input = body as Record<string, string | undefined>;
      if (!input?.key || !input.state || !input.url) {
        return errorResponse(400, "key, state and url are required");
      }
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
      return Response.json({ type: "build", ...status, commit: { hash: resolveCommit(repo, sha) } }, {
        status: 201,
      });
    }

    const commitMatch = rest.match(/^\/commit\/([^/]+)$/);
    if (commitMatch && method === "GET") {
      const full = resolveCommit(repo, decodeURIComponent(commitMatch[1]));
      if (!full) return errorResponse(404, `Commit not found: ${commitMatch[1]}`);
      return Response.json({ type: "commit", hash: full });
    }

    const srcMatch = rest.match(/^\/src\/([^/]+)\/(.+)$/);
    if (srcMatch && method === "GET") {
      const ref = decodeURIComponent(srcMatch[1]);
      const filePath = srcMatch[2].split("/").map(decodeURIComponent).join("/");
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
    }

    return errorResponse(404, `Resource not found: ${method} ${path}`);
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
      return new Response(
        JSON.stringify({ type: "error", error: { message: `Scripted failure ${status}` } }),
        {
          status,
          headers: { "content-type": "application/json", ...headers },
        },
      );
    }
    if (!authorized(request)) {
      return errorResponse(401, "Token is invalid or not supported for this endpoint.");
    }
    return route(request, url, body);
  });
  origin = `http://127.0.0.1:${server.addr.port}`;

  const state: FakeBitbucketState = {
    addPullRequest(seed) {
      const diffSpec = `${seed.repo}:${seed.headSha.slice(0, SHORT)}%0D${seed.baseSha.slice(0, SHORT)}`;
      pullRequests.set(key(seed.repo, seed.number), { ...seed, diffSpec });
    },
    addComment,
    comments: (repo, number) =>
      comments.filter((comment) => comment.repo === repo && comment.number === number),
    statuses,
    reviews,
    failNext(pattern, status, failOptions) {
      failures.push({ pattern, status, headers: failOptions?.headers });
    },
  };

  const close = async () => {
    await server.shutdown();
  };
  return {
    url: origin,
    apiUrl: `${origin}/2.0`,
    token,
    state,
    requests,
    close,
    [Symbol.asyncDispose]: close,
  };
}
