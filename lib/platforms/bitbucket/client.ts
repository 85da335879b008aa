/**
 * A small typed fetch client for the Bitbucket Cloud 2.0 REST API (platforms.md §4). Bitbucket has no batch
 * review, so every inline comment is its own request, paced by `commentDelayMs`.
 */
import { z } from "zod";
import {
  type ChecksWriteAccess,
  type CommitState,
  type CommitStatus,
  type ComparesCommits,
  type ExistingComment,
  type InlineComment,
  type PlatformClient,
  PlatformError,
  type PlatformIdentity,
  type PlatformUser,
  type PublishesChecks,
  type PullRequest,
  type PullRequestRef,
  type ReadsIssues,
  type ReadsRepository,
  type RepliesInThreads,
  type ResolvesThreads,
  type ReviewOutput,
} from "../types.ts";
import { BitbucketComment, BitbucketPullRequest, BitbucketUser, Commit, Page } from "./schema.ts";
import { SUMMARY_MARKER } from "../../markers.ts";
import { rememberIdentity } from "../own_comments.ts";
import { upsertSummary } from "../summary_comment.ts";
import { hasSuggestion, suggestionToDiffBlock } from "./suggestion.ts";
import { bitbucketThreadReplies, resolveBitbucketThreads, toExistingComment } from "./threads.ts";
import { createBitbucketReports } from "./reports.ts";
import { createDescriptionEditor } from "./description.ts";
import { createBitbucketIssues } from "./issues.ts";

export { SUMMARY_MARKER };

export interface BitbucketClientOptions {
  /** API root; defaults to `https://api.bitbucket.org/2.0`. */
  baseUrl?: string;
  /**
   * A repository, project or workspace access token (sent as `Bearer`), or an Atlassian API token written as
   * `email:token` (sent as Basic auth, the form Bitbucket requires for API tokens).
   */
  token: string;
  fetch?: typeof fetch;
  /** Pause between comment requests; Bitbucket has no batch endpoint and rate-limits per hour. Default 1000. */
  commentDelayMs?: number;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Build-status key; a later status with the same key replaces the earlier one. Default `loom`. */
  statusKey?: string;
}

const FULL_HASH = /^[0-9a-f]{40}$/i;
/** An account uuid as Bitbucket writes it, braces included; anything else never reaches a BBQL query. */
const ACCOUNT_UUID = /^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/i;
/** Repository permissions that can push. */
const WRITE_PERMISSIONS: ReadonlySet<string> = new Set(["admin", "write"]);

const RepositoryPermission = z.object({
  permission: z.string(),
  user: z.object({ uuid: z.string().nullish() }).nullish(),
});

const COMMIT_STATES: Record<CommitState, string> = {
  pending: "INPROGRESS",
  success: "SUCCESSFUL",
  failure: "FAILED",
  error: "FAILED",
};

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function authorization(token: string): string {
  const separator = token.indexOf(":");
  if (separator > 0) return `Basic ${btoa(token)}`;
  return `Bearer ${token}`;
}

function splitRepo(repo: string): [string, string] {
  const parts = repo.split("/");
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new TypeError(`Cannot address Bitbucket repository "${repo}": expected "workspace/repo_slug"`);
  }
  return [parts[0], parts[1]];
}

function encodePath(path: string): string {
  return path.replace(/^\/+/, "").split("/").map(encodeURIComponent).join("/");
}

function describe(pr: PullRequestRef): string {
  return `"${pr.repo}#${pr.number}"`;
}

function pullRequestState(state: string | null | undefined): PullRequest["state"] {
  if (state === "MERGED") return "merged";
  if (state === "DECLINED" || state === "SUPERSEDED") return "closed";
  return "open";
}

/**
 * Creates a `PlatformClient` for Bitbucket Cloud. Repositories are addressed as `workspace/repo_slug`.
 * @throws {TypeError} later, from each method, when a repository name is not `workspace/repo_slug`
 */
export function createBitbucketClient(
  options: BitbucketClientOptions,
):
  & PlatformClient
  & ChecksWriteAccess
  & ComparesCommits
  & PublishesChecks
  & ReadsRepository
  & ReadsIssues
  & ResolvesThreads
  & RepliesInThreads {
  const baseUrl = (options.baseUrl ?? "https://api.bitbucket.org/2.0").replace(/\/+$/, "");
  const origin = new URL(baseUrl).origin;
  const doFetch = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? defaultSleep;
  const commentDelayMs = options.commentDelayMs ?? 1000;
  const statusKey = options.statusKey ?? "loom";
  const authHeader = authorization(options.token);
  const fullHashes = new Map<string, string>();
  let commentWritten = false;

  async function send(
    operation: string,
    url: string,
    init: { method?: string; body?: unknown; accept?: string; notFoundIsNull?: boolean } = {},
  ): Promise<Response | null> {
    const headers = new Headers({ authorization: authHeader, accept: init.accept ?? "application/json" });
    if (init.body !== undefined) headers.set("content-type", "application/json");
    let response: Response;
    try {
      response = await doFetch(url, {
        method: init.method ?? "GET",
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
    } catch (error) {
      throw new PlatformError(`Cannot ${operation}: request to Bitbucket failed`, {
        platform: "bitbucket",
        retryable: true,
        cause: error,
      });
    }
    if (response.ok) return response;
    const text = await response.text().catch(() => "");
    if (response.status === 404 && init.notFoundIsNull) return null;
    let detail = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text) as { error?: { message?: string } };
      if (parsed.error?.message) detail = parsed.error.message;
    } catch {
      // Not JSON (an HTML error page from a proxy); the raw text is the best detail there is.
    }
    throw new PlatformError(
      `Cannot ${operation}: Bitbucket answered ${response.status}${detail ? `: ${detail}` : ""}`,
      {
        platform: "bitbucket",
        status: response.status,
        retryable: response.status === 429 || response.status >= 500,
      },
    );
  }

  async function json<T extends z.ZodType>(
    schema: T,
    operation: string,
    url: string,
    init?: { method?: string; body?: unknown },
  ): Promise<z.infer<T>> {
    const response = await send(operation, url, init);
    const body = await response!.json().catch((error: unknown) => {
      throw new PlatformError(`Cannot ${operation}: Bitbucket sent a body that is not JSON`, {
        platform: "bitbucket",
        retryable: false,
        cause: error,
      });
    });
    const result = schema.safeParse(body);
    if (!result.success) {
      throw new PlatformError(`Cannot ${operation}: unexpected Bitbucket response: ${result.error.message}`, {
        platform: "bitbucket",
        retryable: false,
        cause: result.error,
      });
    }
    return result.data;
  }

  function repoUrl(repo: string): string {
    const [workspace, slug] = splitRepo(repo);
    return `${baseUrl}/repositories/${encodeURIComponent(workspace)}/${encodeURIComponent(slug)}`;
  }

  function pullRequestUrl(pr: PullRequestRef): string {
    return `${repoUrl(pr.repo)}/pullrequests/${pr.number}`;
  }

  /** Webhooks and PR objects carry abbreviated hashes; statuses and diffs need the full one. */
  async function resolveHash(repo: string, hash: string): Promise<string> {
    if (FULL_HASH.test(hash)) return hash.toLowerCase();
    const key = `${repo}@${hash}`;
    const known = fullHashes.get(key);
    if (known) return known;
    const commit = await json(
      Commit,
      `resolve commit "${hash}" in "${repo}"`,
      `${repoUrl(repo)}/commit/${encodeURIComponent(hash)}`,
    );
    fullHashes.set(key, commit.hash);
    return commit.hash;
  }

  async function fetchPullRequest(pr: PullRequestRef): Promise<BitbucketPullRequest> {
    return await json(BitbucketPullRequest, `get pull request ${describe(pr)}`, pullRequestUrl(pr));
  }

  async function paceComment(): Promise<void> {
    if (commentWritten) await sleep(commentDelayMs);
    commentWritten = true;
  }

  async function listComments(pr: PullRequestRef): Promise<ExistingComment[]> {
    return (await listRawComments(pr)).map(toExistingComment);
  }

  async function listRawComments(pr: PullRequestRef): Promise<BitbucketComment[]> {
    const operation = `list comments of ${describe(pr)}`;
    const schema = Page(BitbucketComment);
    const comments: BitbucketComment[] = [];
    let url: string | null | undefined = `${pullRequestUrl(pr)}/comments?pagelen=100`;
    while (url) {
      const page: z.infer<typeof schema> = await json(schema, operation, url);
      for (const comment of page.values) if (!comment.deleted) comments.push(comment);
      url = page.next;
      // `next` is followed as given (never rebuilt), but only on the API's own origin so the token cannot leak.
      if (url && new URL(url).origin !== origin) {
        throw new PlatformError(`Cannot ${operation}: "next" link "${url}" leaves ${origin}`, {
          platform: "bitbucket",
          retryable: false,
        });
      }
    }
    return comments;
  }

  /** Posts a comment, or with `parentId` a reply to that comment; returns the new comment's id. */
  async function postComment(pr: PullRequestRef, body: string, parentId?: string): Promise<string> {
    await paceComment();
    const created = await json(
      BitbucketComment,
      `comment on ${describe(pr)}`,
      `${pullRequestUrl(pr)}/comments`,
      {
        method: "POST",
        body: {
          content: { raw: body },
          ...(parentId === undefined ? {} : { parent: { id: Number(parentId) } }),
        },
      },
    );
    return String(created.id);
  }

  async function updateComment(pr: PullRequestRef, commentId: string, body: string): Promise<void> {
    await paceComment();
    await send(
      `update comment "${commentId}" on ${describe(pr)}`,
      `${pullRequestUrl(pr)}/comments/${encodeURIComponent(commentId)}`,
      { method: "PUT", body: { content: { raw: body } } },
    );
  }

  async function getFile(pr: PullRequestRef, path: string, ref: string): Promise<string | null> {
    const response = await send(
      `get "${path}" at "${ref}" in "${pr.repo}"`,
      `${repoUrl(pr.repo)}/src/${encodeURIComponent(ref)}/${encodePath(path)}`,
      { accept: "*/*", notFoundIsNull: true },
    );
    return response ? await response.text() : null;
  }

  /** Replaces suggestion blocks with diff blocks built from the anchored lines at the head commit. */
  async function renderSuggestions(pr: PullRequestRef, review: ReviewOutput): Promise<InlineComment[]> {
    const files = new Map<string, Promise<string[] | null>>();
    const lines = (path: string) => {
      let file = files.get(path);
      if (!file) {
        file = getFile(pr, path, review.headSha).then((text) => text === null ? null : text.split("\n"));
        files.set(path, file);
      }
      return file;
    };
    const rendered: InlineComment[] = [];
    for (const comment of review.comments) {
      if (!hasSuggestion(comment.body)) {
        rendered.push(comment);
        continue;
      }
      const content = comment.side === "RIGHT" ? await lines(comment.path) : null;
      const first = comment.startLine ?? comment.line;
      const original = content && comment.line <= content.length
        ? content.slice(first - 1, comment.line)
        : null;
      rendered.push({ ...comment, body: suggestionToDiffBlock(comment.body, original) });
    }
    return rendered;
  }

  const identity = rememberIdentity(async (): Promise<PlatformIdentity> => {
    const user = await json(BitbucketUser, "read the identity of the Bitbucket token", `${baseUrl}/user`);
    if (!user.uuid) {
      throw new PlatformError("Cannot read the identity of the Bitbucket token: /user has no uuid", {
        platform: "bitbucket",
        retryable: false,
      });
    }
    return { id: user.uuid, name: user.nickname ?? user["display_name"] ?? user.uuid };
  });

  /**
   * Whether the account may push: its effective permission (direct, group or project, the highest) is `admin` or
   * `write`, per `GET /workspaces/{workspace}/permissions/repositories/{repo_slug}?q=user.uuid="{uuid}"`. Bitbucket
   * answers that only to a repository administrator (a repository access token with the admin scope, or an admin's
   * API token). Accounts are matched by uuid: nicknames and display names are not unique, so without a uuid the
   * answer is no.
   */
  async function canWrite(pr: PullRequestRef, user: PlatformUser): Promise<boolean> {
    if (!user.id || !ACCOUNT_UUID.test(user.id)) return false;
    const [workspace, slug] = splitRepo(pr.repo);
    const query = encodeURIComponent(`user.uuid="${user.id}"`);
    const operation = `read the permission of "${user.login}" in "${pr.repo}"`;
    try {
      const page = await json(
        Page(RepositoryPermission),
        operation,
        `${baseUrl}/workspaces/${encodeURIComponent(workspace)}/permissions/repositories/` +
          `${encodeURIComponent(slug)}?q=${query}`,
      );
      const uuid = user.id.toLowerCase();
      return page.values.some((entry) =>
        entry.user?.uuid?.toLowerCase() === uuid && WRITE_PERMISSIONS.has(entry.permission)
      );
    } catch (error) {
      if (!(error instanceof PlatformError) || error.status !== 403) throw error;
      throw new PlatformError(
        `${error.message} (Bitbucket shows repository permissions only to a repository administrator: give ` +
          "Loom's token admin permission on the repository)",
        { platform: "bitbucket", status: 403, retryable: false, cause: error },
      );
    }
  }

  return {
    ...createDescriptionEditor({ send, fetchPullRequest, pullRequestUrl }),
    platform: "bitbucket",
    identity,
    canWrite,
    ...createBitbucketReports({ send, repoUrl, resolveHash }),
    ...createBitbucketIssues({ json, repoUrl }),

    async getRepository(fullName) {
      const repository = await json(
        z.object({ uuid: z.string(), full_name: z.string() }),
        `read repository "${fullName}"`,
        repoUrl(fullName),
      );
      return { id: repository.uuid, fullName: repository.full_name };
    },

    async getPullRequest(pr) {
      const pullRequest = await fetchPullRequest(pr);
      const [headSha, baseSha] = await Promise.all([
        resolveHash(pr.repo, pullRequest.source.commit.hash),
        resolveHash(pr.repo, pullRequest.destination.commit.hash),
      ]);
      return {
        ref: pr,
        title: pullRequest.title,
        body: pullRequest.description ?? "",
        labels: null, // Bitbucket Cloud has no labels.
        authorIsBot: pullRequest.author?.type === "app_user",
        author: pullRequest.author?.nickname ?? pullRequest.author?.["display_name"] ?? "",
        draft: pullRequest.draft ?? false,
        state: pullRequestState(pullRequest.state),
        headSha,
        headRef: pullRequest.source.branch.name,
        baseSha,
        baseRef: pullRequest.destination.branch.name,
      };
    },

    getFile,

    async getDiff(pr) {
      // Answers with a redirect to `/diff/{spec}` (the three-dot diff against the merge base); fetch follows it.
      const response = await send(`get the diff of ${describe(pr)}`, `${pullRequestUrl(pr)}/diff`, {
        accept: "text/plain",
      });
      return await response!.text();
    },

    /**
     * `GET /repositories/{ws}/{slug}/diff/{head}..{base}?topic=true`. Bitbucket's spec names the commit with the
     * changes first and the one compared against second, the reverse of `git diff`; `topic=true` diffs from the
     * merge base of the two, which is `baseSha` when the branch was pushed on top of it. Null when a commit is
     * unknown (404: force-pushed away), so the whole pull request is reviewed.
     */
    async getCompareDiff(pr, baseSha, headSha) {
      const spec = `${encodeURIComponent(headSha)}..${encodeURIComponent(baseSha)}`;
      const response = await send(
        `compare "${baseSha}" with "${headSha}" in "${pr.repo}"`,
        `${repoUrl(pr.repo)}/diff/${spec}?topic=true`,
        { accept: "text/plain", notFoundIsNull: true },
      );
      return response === null ? null : await response.text();
    },

    listComments,

    async postReview(pr, review) {
      const comments = await renderSuggestions(pr, review);
      for (const comment of comments) {
        await paceComment();
        // `to` is a new-file line, `from` an old-file line; Bitbucket drops `to` when both are sent, and has no
        // multi-line range, so a range is anchored on its last line.
        const inline = comment.side === "LEFT"
          ? { path: comment.path, from: comment.line }
          : { path: comment.path, to: comment.line };
        await send(
          `post an inline comment on "${comment.path}" in ${describe(pr)}`,
          `${pullRequestUrl(pr)}/comments`,
          {
            method: "POST",
            body: { content: { raw: comment.body }, inline },
          },
        );
      }
      await upsertSummary({ listComments, identity, postComment, updateComment }, pr, review.summary);
      if (review.event === "APPROVE") {
        await send(`approve ${describe(pr)}`, `${pullRequestUrl(pr)}/approve`, { method: "POST" });
      } else if (review.event === "REQUEST_CHANGES") {
        await send(`request changes on ${describe(pr)}`, `${pullRequestUrl(pr)}/request-changes`, {
          method: "POST",
        });
      }
    },

    postComment,
    updateComment,

    ...bitbucketThreadReplies(listRawComments, (pr, parentId, body) => postComment(pr, body, parentId)),
    resolveThreads: (pr, commentIds, resolution) =>
      resolveBitbucketThreads(
        {
          comments: () => listRawComments(pr),
          webPage: async () => (await fetchPullRequest(pr)).links?.html?.href ?? undefined,
          async post(operation, path, body) {
            await paceComment();
            await send(`${operation} on ${describe(pr)}`, `${pullRequestUrl(pr)}/comments${path}`, {
              method: "POST",
              body,
            });
          },
        },
        commentIds,
        resolution,
      ),

    async setStatus(pr, status: CommitStatus) {
      const pullRequest = await fetchPullRequest(pr);
      const sha = await resolveHash(pr.repo, status.sha);
      const key = status.context ?? statusKey;
      await send(
        `set status "${key}" on "${sha}" in "${pr.repo}"`,
        `${repoUrl(pr.repo)}/commit/${sha}/statuses/build`,
        {
          method: "POST",
          body: {
            key,
            state: COMMIT_STATES[status.state],
            name: status.context ? `Loom ${status.context}` : "Loom",
            description: status.description,
            // Bitbucket requires a URL; the pull request itself is the best fallback.
            url: status.targetUrl ?? pullRequest.links?.html?.href ?? pullRequestUrl(pr),
            // Ties the status to the pull request, not only to the commit.
            refname: pullRequest.source.branch.name,
          },
        },
      );
    },
  };
}
