/**
 * A local Gitea/Forgejo REST v1 server for tests: it speaks the wire protocol `gitea-js` uses (JSON,
 * `Authorization: token|Bearer`, `page`/`limit` with the silent `MAX_RESPONSE_ITEMS` cap and `X-Total-Count`),
 * validates batch reviews the way `CreatePullReview` does, and records everything Loom posts.
 */
import parseDiff from "parse-diff";
import type {
  Comment,
  CommitStatus,
  PullRequest,
  PullReview,
  PullReviewComment,
  Repository,
  User,
} from "gitea-js";
import { json as jsonAnswer, type RouteContext, startFakeServer } from "./server_core.ts";
import { FakePermissions, giteaPermission } from "./permissions.ts";
import { createRepoAccess, fakeRepoId } from "./repo_access.ts";
import { type FakeGiteaIssue, giteaIssueJson } from "./gitea/issues.ts";
import { archiveResponse, snapshotOf } from "./archive.ts";
import type {
  FailureRule,
  FakeGitea,
  FakeGiteaOptions,
  FakeIssueComment,
  FakeReview,
  FakeStatus,
  FullSeed,
  Nullable,
  RecordedRequest,
} from "./gitea/types.ts";

export * from "./gitea/types.ts";

function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  return jsonAnswer(body, status, { "content-type": "application/json;charset=utf-8", ...headers });
}

/**
 * A user as Gitea shows one, with a stable numeric id per login. Gitea also sends `username`, a copy of `login`
 * that `User.MarshalJSON` keeps for older clients and that gitea-js does not list.
 */
function user(login: string): User & { username: string } {
  let id = 7;
  for (const char of login) id = (id * 31 + char.codePointAt(0)!) % 1_000_000_007;
  return { id, login, login_name: "", full_name: "", username: login };
}

/** Starts the fake on an ephemeral port of 127.0.0.1. */
export function startFakeGitea(options: FakeGiteaOptions = {}): FakeGitea {
  const token = options.token ?? "gitea-test-token";
  const access = createRepoAccess(options.access);
  const botLogin = options.botLogin ?? "loom-bot";
  const maxItems = options.maxResponseItems ?? 50;
  const pullRequests = new Map<string, FullSeed>();
  /** `repo@base...head` → the diff the compare endpoint answers. */
  const comparisons = new Map<string, string>();
  const comments: FakeIssueComment[] = [];
  const reviews: FakeReview[] = [];
  const statuses: FakeStatus[] = [];
  const failures: FailureRule[] = [];
  const permissions = new FakePermissions();
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

  function reviewJson(review: FakeReview): PullReview {
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

  type Context = RouteContext<undefined>;
  const repoOf = (context: Context) => `${context.params.owner}/${context.params.repo}`;
  /** The pull request a route names; Gitea's 404 is thrown for an unknown one. */
  const issues = new Map<string, FakeGiteaIssue>();
  const getIssue = (context: Context) => {
    const [repo, number] = [repoOf(context), Number(context.params.number)];
    const issue = issues.get(key(repo, number));
    const pr = pullRequests.get(key(repo, number));
    if (issue) return json(giteaIssueJson(context.url.origin, issue, user("reporter")));
    if (!pr) throw json({ message: "issue does not exist [id: 0, repo_id: 0, index: " + number + "]" }, 404);
    const asIssue = { repo, number, title: pr.title, body: pr.body ?? "" };
    return json(giteaIssueJson(context.url.origin, asIssue, user(pr.author), true));
  };
  const pullRequestOf = (context: Context): FullSeed => {
    const pr = pullRequests.get(key(repoOf(context), Number(context.params.number)));
    if (!pr) throw json({ message: "pull request does not exist" }, 404);
    return pr;
  };
  const ownReviews = (pr: FullSeed) =>
    reviews.filter((review) => review.repo === pr.repo && review.number === pr.number);
  // deno-lint-ignore no-explicit-any
  const bodyOf = (context: Context) => context.body as any;

  const postStatus = (context: Context) => {
    const body = bodyOf(context);
    if (!["pending", "success", "error", "failure", "warning"].includes(body.state)) {
      return json({ message: "invalid state" }, 422);
    }
    statuses.push({
      repo: repoOf(context),
      sha: context.params.sha!,
      state: body.state,
      context: body.context,
      description: body.description,
      target_url: body.target_url,
    });
    return json(
      {
        id: nextId++,
        status: body.state,
        context: body.context,
        description: body.description ?? "",
        target_url: body.target_url ?? "",
        creator: user(botLogin),
      } satisfies CommitStatus,
      201,
    );
  };

  const rawFile = (context: Context) => {
    const repo = repoOf(context);
    const filePath = context.params.file!;
    const ref = context.url.searchParams.get("ref") ?? "";
    const pr = [...pullRequests.values()].find((candidate) =>
      candidate.repo === repo &&
      [candidate.headSha, candidate.headRef, candidate.baseSha, candidate.baseRef].includes(ref)
    );
    const isHead = pr !== undefined && (ref === pr.headSha || ref === pr.headRef);
    const content = pr && (isHead ? pr.files[filePath]?.head : pr.files[filePath]?.base);
    if (content === undefined) return json({ message: "object does not exist [id: , rel_path: ]" }, 404);
    return new Response(content, { headers: { "content-type": "text/plain; charset=utf-8" } });
  };

  // `git archive` of the commit under Gitea's top folder, the repository's name.
  const archive = (context: Context) => {
    const repo = repoOf(context);
    const sha = context.params.sha!;
    const files = snapshotOf(pullRequests.values(), repo, sha);
    if (!files) return json({ message: "object does not exist" }, 404);
    return archiveResponse(`${context.params.repo}-${sha}.tar.gz`, context.params.repo!, files, sha);
  };

  const editComment = (context: Context) => {
    const comment = comments.find((candidate) =>
      candidate.repo === repoOf(context) && String(candidate.id) === context.params.id
    );
    if (!comment) return json({ message: "comment not found" }, 404);
    if (comment.author !== botLogin) return json({ message: "forbidden" }, 403);
    if (options.legacyCommentEdit) return new Response(null, { status: 204 });
    comment.body = String(bodyOf(context).body);
    return json({ id: comment.id, body: comment.body, user: user(comment.author) } satisfies Comment);
  };

  /** The issue of a comment route; Gitea's 404 is thrown when there is no such pull request. */
  const issueOf = (context: Context) => {
    const repo = repoOf(context);
    const number = Number(context.params.number);
    if (!pullRequests.has(key(repo, number))) throw json({ message: "issue not found" }, 404);
    return { repo, number };
  };

  const listComments = (context: Context) => {
    const { repo, number } = issueOf(context);
    return json(
      comments.filter((comment) => comment.repo === repo && comment.number === number).map((comment) => ({
        id: comment.id,
        body: comment.body,
        user: user(comment.author),
      } satisfies Comment)),
    );
  };

  const postComment = (context: Context) => {
    const { repo, number } = issueOf(context);
    const comment = { id: nextId++, repo, number, body: String(bodyOf(context).body), author: botLogin };
    comments.push(comment);
    return json({ id: comment.id, body: comment.body, user: user(botLogin) } satisfies Comment, 201);
  };

  // `PATCH …/pulls/{index}` (`EditPullRequestOption`): Loom sends only `body`.
  const editPullRequest = (context: Context) => {
    const pr = pullRequestOf(context);
    const fields = (context.body ?? {}) as { body?: unknown; title?: unknown };
    if (typeof fields.body === "string") pr.body = fields.body;
    if (typeof fields.title === "string") pr.title = fields.title;
    return getPullRequest(context);
  };
  const getPullRequest = (context: Context) => {
    const pr = pullRequestOf(context);
    return json(
      {
        id: pr.number + 1000,
        number: pr.number,
        title: pr.title,
        body: pr.body ?? "",
        user: user(pr.author),
        state: pr.state === "open" || pr.state === undefined ? "open" : "closed",
        merged: pr.state === "merged",
        draft: pr.draft ?? false,
        labels: (pr.labels ?? []).map((name, index) => ({
          id: index + 1,
          name,
          exclusive: false,
          is_archived: false,
          color: "ededed",
          description: "",
          url: `${context.url.origin}/api/v1/repos/${pr.repo}/labels/${index + 1}`,
        })),
        head: { ref: pr.headRef, sha: pr.headSha, label: pr.headRef },
        base: { ref: pr.baseRef, sha: pr.baseSha, label: pr.baseRef },
        merge_base: pr.mergeBase ?? pr.baseSha,
        html_url: `${context.url.origin}/${pr.repo}/pulls/${pr.number}`,
      } satisfies PullRequest,
    );
  };

  const listReviewComments = (context: Context) => {
    const review = ownReviews(pullRequestOf(context)).find((candidate) =>
      String(candidate.id) === context.params.review
    );
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
      html_url:
        `${context.url.origin}/${review.repo}/pulls/${review.number}/files#issuecomment-${comment.id}`,
      resolver: comment.resolver === undefined ? null : user(comment.resolver),
    } satisfies Nullable<PullReviewComment, "resolver">)));
  };

  const postReview = (context: Context) => {
    const pr = pullRequestOf(context);
    const body = bodyOf(context);
    const problem = validateReview(pr, body);
    if (problem) return json({ message: problem }, 422);
    const review: FakeReview = {
      id: nextId++,
      repo: pr.repo,
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
  };

  const decodedPath = (path: string) => "/" + path.slice(1).split("/").map(decodeURIComponent).join("/");
  const repo = "/repos/:owner/:repo";
  const server = startFakeServer({
    path: (url) => url.pathname.replace(/^\/api\/v1\//, "/"),
    readBody: (request) =>
      ["POST", "PATCH", "PUT"].includes(request.method) ? request.json() : Promise.resolve(undefined),
    record: (request): RecordedRequest => ({
      method: request.method,
      path: decodedPath(request.path),
      query: Object.fromEntries(request.url.searchParams),
      body: request.body,
    }),
    before: [(request) => {
      const path = decodedPath(request.path);
      const failure = failures.find((rule) =>
        (rule.times ?? 1) > 0 && (!rule.method || rule.method === request.method) &&
        (!rule.path || path.includes(rule.path))
      );
      if (!failure) return undefined;
      failure.times = (failure.times ?? 1) - 1;
      const headers: Record<string, string> = failure.retryAfter ? { "retry-after": failure.retryAfter } : {};
      return json({ message: `injected failure ${failure.status}` }, failure.status, headers);
    }],
    authenticate: (request) => {
      const auth = request.headers.get("authorization")?.replace(/^(token|Bearer) /, "");
      if (auth === undefined || (auth !== token && !Object.hasOwn(options.access ?? {}, auth))) {
        return json({ message: "user does not exist", url: `${request.url.origin}/api/swagger` }, 401);
      }
      const named = /^\/repos\/([^/]+)\/([^/]+)/.exec(request.path);
      if (
        named && !access.canRead(auth, `${decodeURIComponent(named[1]!)}/${decodeURIComponent(named[2]!)}`)
      ) {
        return json({ errors: null, message: "not found", url: `${request.url.origin}/api/swagger` }, 404);
      }
      return undefined;
    },
    routes: [
      {
        method: "GET",
        path: repo,
        handler: (context) => {
          const name = repoOf(context);
          return json(
            {
              id: fakeRepoId(name),
              name: context.params.repo,
              "full_name": name,
              private: true,
              owner: user(context.params.owner!),
            } satisfies Repository,
          );
        },
      },
      // The token's own user.
      { method: "GET", path: "/user", handler: () => json(user(botLogin)) },
      { method: "POST", path: `${repo}/statuses/:sha`, handler: postStatus },
      {
        method: "GET",
        path: `${repo}/collaborators/:login/permission`,
        handler: (context) =>
          giteaPermission(permissions, {
            repo: repoOf(context),
            collaborator: context.params.login!,
            botLogin,
          }),
      },
      { method: "GET", path: `${repo}/raw/*file`, handler: rawFile },
      {
        method: "GET",
        path: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/archive\/(?<sha>[^/]+)\.tar\.gz$/,
        handler: archive,
      },
      { method: "PATCH", path: `${repo}/issues/comments/:id`, handler: editComment },
      { method: "GET", path: `${repo}/issues/:number`, handler: getIssue },
      { method: "GET", path: `${repo}/issues/:number/comments`, handler: listComments },
      { method: "POST", path: `${repo}/issues/:number/comments`, handler: postComment },
      {
        method: "GET",
        path: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/pulls\/(?<number>\d+)\.diff$/,
        handler: (context) =>
          new Response(pullRequestOf(context).diff, {
            headers: { "content-type": "text/plain; charset=utf-8" },
          }),
      },
      {
        method: "GET",
        path:
          /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/compare\/(?<base>[^/.]+)\.\.\.(?<head>[^/.]+)\.diff$/,
        handler: (context) => {
          const diff = comparisons.get(`${repoOf(context)}@${context.params.base}...${context.params.head}`);
          if (diff === undefined) return json({ message: "GetCommit: object does not exist" }, 404);
          return new Response(diff, { headers: { "content-type": "text/plain; charset=utf-8" } });
        },
      },
      { method: "GET", path: `${repo}/pulls/:number`, handler: getPullRequest },
      { method: "PATCH", path: `${repo}/pulls/:number`, handler: editPullRequest },
      {
        method: "GET",
        path: `${repo}/pulls/:number/reviews`,
        handler: (context) => paginate(context.url, ownReviews(pullRequestOf(context)).map(reviewJson)),
      },
      { method: "GET", path: `${repo}/pulls/:number/reviews/:review/comments`, handler: listReviewComments },
      { method: "POST", path: `${repo}/pulls/:number/reviews`, handler: postReview },
    ],
    notFound: () => json({ message: "Not Found" }, 404),
    // Lookups throw the answer Gitea gives for an unknown pull request or issue.
    onError: (error) => error instanceof Response ? error : json({ message: String(error) }, 500),
  });
  const requests = server.requests;
  return {
    url: server.origin,
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
      addIssue: (issue) => void issues.set(key(issue.repo, issue.number), issue),
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
      addComparison(repo, base, head, diff) {
        comparisons.set(`${repo}@${base}...${head}`, diff);
      },
      failNext(rule) {
        failures.push({ ...rule, times: rule.times ?? 1 });
      },
      setPermission: (repo, login, permission) => permissions.set(repo, login, permission),
      comments,
      reviews,
      statuses,
      requests,
    },
    close: server.close,
    [Symbol.asyncDispose]: server.close,
  };
}
