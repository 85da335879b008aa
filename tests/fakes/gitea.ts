/**
 * A local Gitea/Forgejo REST v1 server for tests: it speaks the wire protocol `gitea-js` uses (JSON,
 * `Authorization: token|Bearer`, `page`/`limit` with the silent `MAX_RESPONSE_ITEMS` cap and `X-Total-Count`),
 * validates batch reviews the way `CreatePullReview` does, and records everything Loom posts.
 */
import parseDiff from "parse-diff";

/** Content of one file of a seeded pull request. */
export interface FakeFileSeed {
  base?: string;
  head?: string;
}

/** Seed for one pull request; the same shape the other platform fakes take. */
export interface FakePullRequestSeed {
  repo: string;
  number: number;
  /** Defaults to "Pull request". */
  title?: string;
  /** Defaults to "author". */
  author?: string;
  headSha: string;
  baseSha: string;
  /** Defaults to "main". */
  baseRef?: string;
  /** Defaults to "feature". */
  headRef?: string;
  /** The unified diff (`diff --git` format) served at `pulls/{index}.diff`. */
  diff: string;
  files?: Record<string, FakeFileSeed>;
  draft?: boolean;
  state?: "open" | "closed" | "merged";
  /** `merge_base`; defaults to `baseSha`. */
  mergeBase?: string;
}

/** A plain comment on the pull request conversation. */
export interface FakeIssueComment {
  id: number;
  repo: string;
  number: number;
  body: string;
  author: string;
}

/** One code comment of a review, as Gitea stores it (file line numbers). */
export interface FakeReviewComment {
  id: number;
  path: string;
  body: string;
  new_position: number;
  old_position: number;
}

/** A review created through `POST …/pulls/{index}/reviews`. */
export interface FakeReview {
  id: number;
  repo: string;
  number: number;
  author: string;
  event: string;
  body: string;
  commitId: string;
  comments: FakeReviewComment[];
}

/** A commit status as posted to `POST /repos/{owner}/{repo}/statuses/{sha}`. */
export interface FakeStatus {
  repo: string;
  sha: string;
  state: string;
  context?: string;
  description?: string;
  target_url?: string;
}

/** One request the fake received, with the JSON body parsed. */
export interface RecordedRequest {
  method: string;
  /** Decoded path after `/api/v1`, e.g. `/repos/owner/app/pulls/3/reviews`. */
  path: string;
  query: Record<string, string>;
  body: unknown;
}

/** An error the fake answers instead of handling a matching request. */
export interface FailureRule {
  method?: string;
  path?: string;
  status: number;
  times?: number;
  retryAfter?: string;
}

type FullSeed =
  & FakePullRequestSeed
  & Required<Pick<FakePullRequestSeed, "title" | "author" | "baseRef" | "headRef" | "files">>;

export interface FakeGiteaState {
  addPullRequest(seed: FakePullRequestSeed): void;
  addComment(comment: { repo: string; number: number; body: string; author?: string }): FakeIssueComment;
  addReview(review: { repo: string; number: number; body?: string; author?: string }): FakeReview;
  failNext(rule: FailureRule): void;
  readonly comments: FakeIssueComment[];
  readonly reviews: FakeReview[];
  readonly statuses: FakeStatus[];
  readonly requests: RecordedRequest[];
}

export interface FakeGiteaOptions {
  token?: string;
  botLogin?: string;
  /** `[api] MAX_RESPONSE_ITEMS`; larger `limit`s are cut to this silently. */
  maxResponseItems?: number;
  /** Answer comment edits with 204 and change nothing, as Gitea before 1.22 did for code comments. */
  legacyCommentEdit?: boolean;
}

export interface FakeGitea {
  /** Instance root to pass as `baseUrl` (the API lives under `/api/v1`). */
  url: string;
  token: string;
  botLogin: string;
  state: FakeGiteaState;
  /** Same array as `state.requests`. */
  requests: RecordedRequest[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json;charset=utf-8", ...headers },
  });
}

/** A user as Gitea shows one, with a stable numeric id per login. */
function user(login: string) {
  let id = 7;
  for (const char of login) id = (id * 31 + char.codePointAt(0)!) % 1_000_000_007;
  return { id, login, username: login };
}

/** Starts the fake on an ephemeral port of 127.0.0.1. */
export function startFakeGitea(options: FakeGiteaOptions = {}): FakeGitea {
  const token = options.token ?? "gitea-test-token";
  const botLogin = options.botLogin ?? "loom-bot";
  const maxItems = options.maxResponseItems ?? 50;
  const pullRequests = new Map<string, FullSeed>();
  const comments: FakeIssueComment[] = [];
  const reviews: FakeReview[] = [];
  const statuses: FakeStatus[] = [];
  const requests: RecordedRequest[] = [];
  const failures: FailureRule[] = [];
  let nextId = 100;

  const key = (repo: string, number: number) => `${repo}#${number}`;

  function paginate(url: URL, items: unknown[]): Response {
    const limit = Math.min(Math.max(Number(url.searchParams.get("limit") ?? 30), 1), maxItems);
    const page = Math.max(Number(url.searchParams.get("page") ?? 1), 1);
    const pages = Math.max(Math.ceil(items.length / limit), 1);
    const link = (number: number, rel: string) => {
      const target = new URL(url);
      target.searchParams.set("page", String(number));
      target.searchParams.set("limit", String(limit));
      return `<${target.href}>; rel="${rel}"`;
    };
    const links = [link(1, "first"), link(pages, "last")];
    if (page < pages) links.unshift(link(page + 1, "next"));
    return json(items.slice((page - 1) * limit, page * limit), 200, {
      "x-total-count": String(items.length),
      "x-hasmore": String(page < pages),
      link: links.join(","),
    });
  }

  function reviewJson(review: FakeReview) {
    return {
      id: review.id,
      user: user(review.author),
      body: review.body,
      state: review.event === "APPROVED"
        ? "APPROVED"
        : review.event === "REQUEST_CHANGES"
        ? "REQUEST_CHANGES"
        : "COMMENT",
      commit_id: review.commitId,
      comments_count: review.comments.length,
    };
  }

  /** What `CreatePullReview` accepts; lines outside the diff are rejected here so tests catch bad anchors. */
  function validateReview(pr: FullSeed, body: Record<string, unknown>): string | null {
    const event = String(body.event ?? "");
    const list = (body.comments ?? []) as Record<string, unknown>[];
    const text = String(body.body ?? "");
    if (!["APPROVED", "REQUEST_CHANGES", "COMMENT"].includes(event)) {
      return `unsupported review event "${event}"`;
    }
    if (event === "COMMENT" && text === "" && list.length === 0) {
      return "review event COMMENT requires a body or a comment";
    }
    if (event === "REQUEST_CHANGES" && text === "") return "review event REQUEST_CHANGES requires a body";
    if (event !== "COMMENT" && pr.author === botLogin) return "approve your own pull is not allowed";
    const files = parseDiff(pr.diff);
    for (const comment of list) {
      const newLine = Number(comment.new_position ?? 0);
      const oldLine = Number(comment.old_position ?? 0);
      if ((newLine > 0) === (oldLine > 0)) return "exactly one of new_position and old_position must be set";
      const file = files.find((candidate) =>
        candidate.to === comment.path || candidate.from === comment.path
      );
      const changes = file?.chunks.flatMap((chunk) => chunk.changes) ?? [];
      const found = changes.some((change) =>
        newLine > 0
          ? (change.type === "add" && change.ln === newLine) ||
            (change.type === "normal" && change.ln2 === newLine)
          : (change.type === "del" && change.ln === oldLine) ||
            (change.type === "normal" && change.ln1 === oldLine)
      );
      if (!found) return `line ${newLine || oldLine} of "${comment.path}" is not in the diff`;
    }
    return null;
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const segments = url.pathname.replace(/^\/api\/v1\//, "").split("/").map(decodeURIComponent);
    const path = "/" + segments.join("/");
    const body = ["POST", "PATCH", "PUT"].includes(request.method) ? await request.json() : undefined;
    requests.push({ method: request.method, path, query: Object.fromEntries(url.searchParams), body });

    const auth = request.headers.get("authorization")?.replace(/^(token|Bearer) /, "");
    if (auth !== token) {
      return json({ message: "user does not exist", url: `${url.origin}/api/swagger` }, 401);
    }

    const failure = failures.find((rule) =>
      (rule.times ?? 1) > 0 && (!rule.method || rule.method === request.method) &&
      (!rule.path || path.includes(rule.path))
    );
    if (failure) {
      failure.times = (failure.times ?? 1) - 1;
      const headers: Record<string, string> = failure.retryAfter ? { "retry-after": failure.retryAfter } : {};
      return json({ message: `injected failure ${failure.status}` }, failure.status, headers);
    }

    // The token's own user.
    if (path === "/user" && request.method === "GET") return json(user(botLogin));
    if (segments[0] !== "repos" || segments.length < 4) return json({ message: "Not Found" }, 404);
    const repo = `${segments[1]}/${segments[2]}`;
    const rest = segments.slice(3);

    if (rest[0] === "statuses" && rest.length === 2 && request.method === "POST") {
      if (!["pending", "success", "error", "failure", "warning"].includes(body.state)) {
        return json({ message: "invalid state" }, 422);
      }
      statuses.push({
        repo,
        sha: rest[1],
        state: body.state,
        context: body.context,
        description: body.description,
        target_url: body.target_url,
      });
      return json({ id: nextId++, status: body.state, context: body.context }, 201);
    }

    if (rest[0] === "raw" && request.method === "GET") {
      const filePath = rest.slice(1).join("/");
      const ref = url.searchParams.get("ref") ?? "";
      const pr = [...pullRequests.values()].find((candidate) =>
        candidate.repo === repo &&
        [candidate.headSha, candidate.headRef, candidate.baseSha, candidate.baseRef].includes(ref)
      );
      const isHead = pr !== undefined && (ref === pr.headSha || ref === pr.headRef);
      const content = pr && (isHead ? pr.files[filePath]?.head : pr.files[filePath]?.base);
      if (content === undefined) return json({ message: "object does not exist [id: , rel_path: ]" }, 404);
      return new Response(content, { headers: { "content-type": "text/plain; charset=utf-8" } });
    }

    if (rest[0] === "issues" && rest[1] === "comments" && rest.length === 3 && request.method === "PATCH") {
      const comment = comments.find((candidate) =>
        candidate.repo === repo && String(candidate.id) === rest[2]
      );
      if (!comment) return json({ message: "comment not found" }, 404);
      if (comment.author !== botLogin) return json({ message: "forbidden" }, 403);
      if (options.legacyCommentEdit) return new Response(null, { status: 204 });
      comment.body = String(body.body);
      return json({ id: comment.id, body: comment.body, user: user(comment.author) });
    }

    if (rest[0] === "issues" && rest.length === 3 && rest[2] === "comments") {
      const number = Number(rest[1]);
      if (!pullRequests.has(key(repo, number))) return json({ message: "issue not found" }, 404);
      if (request.method === "GET") {
        return json(
          comments.filter((comment) => comment.repo === repo && comment.number === number).map((comment) => ({
            id: comment.id,
            body: comment.body,
            user: user(comment.author),
          })),
        );
      }
      if (request.method === "POST") {
        const comment = { id: nextId++, repo, number, body: String(body.body), author: botLogin };
        comments.push(comment);
        return json({ id: comment.id, body: comment.body, user: user(botLogin) }, 201);
      }
    }

    if (rest[0] !== "pulls" || rest.length < 2) return json({ message: "Not Found" }, 404);
    const diffRequest = /^(\d+)\.diff$/.exec(rest[1]);
    const pr = pullRequests.get(key(repo, Number(diffRequest ? diffRequest[1] : rest[1])));
    if (!pr) return json({ message: "pull request does not exist" }, 404);
    if (diffRequest && request.method === "GET") {
      return new Response(pr.diff, { headers: { "content-type": "text/plain; charset=utf-8" } });
    }
    const resource = rest.slice(2);

    if (resource.length === 0 && request.method === "GET") {
      return json({
        id: pr.number + 1000,
        number: pr.number,
        title: pr.title,
        user: user(pr.author),
        state: pr.state === "open" || pr.state === undefined ? "open" : "closed",
        merged: pr.state === "merged",
        draft: pr.draft ?? false,
        head: { ref: pr.headRef, sha: pr.headSha, label: pr.headRef },
        base: { ref: pr.baseRef, sha: pr.baseSha, label: pr.baseRef },
        merge_base: pr.mergeBase ?? pr.baseSha,
        html_url: `${url.origin}/${repo}/pulls/${pr.number}`,
      });
    }
    const ownReviews = () => reviews.filter((review) => review.repo === repo && review.number === pr.number);
    if (resource[0] === "reviews" && resource.length === 1 && request.method === "GET") {
      return paginate(url, ownReviews().map(reviewJson));
    }
    if (resource[0] === "reviews" && resource.length === 3 && resource[2] === "comments") {
      const review = ownReviews().find((candidate) => String(candidate.id) === resource[1]);
      if (!review) return json({ message: "review not found" }, 404);
      return json(review.comments.map((comment) => ({
        id: comment.id,
        body: comment.body,
        user: user(review.author),
        path: comment.path,
        commit_id: review.commitId,
        position: comment.new_position,
        original_position: comment.old_position,
        pull_request_review_id: review.id,
      })));
    }
    if (resource[0] === "reviews" && resource.length === 1 && request.method === "POST") {
      const problem = validateReview(pr, body);
      if (problem) return json({ message: problem }, 422);
      const review: FakeReview = {
        id: nextId++,
        repo,
        number: pr.number,
        author: botLogin,
        event: body.event,
        body: String(body.body ?? ""),
        commitId: body.commit_id || pr.headSha,
        comments: ((body.comments ?? []) as Record<string, unknown>[]).map((comment) => ({
          id: nextId++,
          path: String(comment.path),
          body: String(comment.body ?? ""),
          new_position: Number(comment.new_position ?? 0),
          old_position: Number(comment.old_position ?? 0),
        })),
      };
      reviews.push(review);
      return json(reviewJson(review));
    }
    return json({ message: "Not Found" }, 404);
  }

  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, handle);
  const close = () => server.shutdown();
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    token,
    botLogin,
    requests,
    state: {
      addPullRequest(seed) {
        pullRequests.set(key(seed.repo, seed.number), {
          title: "Pull request",
          author: "author",
          baseRef: "main",
          headRef: "feature",
          files: {},
          ...seed,
        });
      },
      addComment(comment) {
        const stored = { id: nextId++, ...comment, author: comment.author ?? "someone" };
        comments.push(stored);
        return stored;
      },
      addReview(review) {
        const stored: FakeReview = {
          id: nextId++,
          repo: review.repo,
          number: review.number,
          author: review.author ?? "someone",
          event: "COMMENT",
          body: review.body ?? "",
          commitId: "",
          comments: [],
        };
        reviews.push(stored);
        return stored;
      },
      failNext(rule) {
        failures.push({ ...rule, times: rule.times ?? 1 });
      },
      comments,
      reviews,
      statuses,
      requests,
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
