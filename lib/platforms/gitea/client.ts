/**
 * Gitea/Forgejo REST client on `gitea-js`, sending through an injectable `fetch`.
 * Reference: platforms.md §5.2; Gitea `routers/api/v1/repo/pull_review.go`, `pull.go`, `issue_comment.go`.
 */
import type { giteaApi } from "gitea-js";
import { filePath, parseDiff } from "../../diff/mod.ts";
import { z } from "zod";
import {
  type ChecksWriteAccess,
  type ComparesCommits,
  type EditsDescription,
  type ExistingComment,
  type InlineComment,
  type PlatformClient,
  PlatformError,
  type PlatformIdentity,
  type PlatformUser,
  type PullRequest,
  type PullRequestRef,
  type ReadsIssues,
  type ReadsRepository,
  type ResolvesThreads,
  type ReviewEvent,
  type ReviewOutput,
} from "../types.ts";
import { withPlatformContext } from "../errors.ts";
import { createGiteaIssues } from "./issues.ts";
import { isBotLogin } from "./webhook.ts";
import { withSummaryMarker } from "../../markers.ts";
import { rememberIdentity } from "../own_comments.ts";
import { resolvedNote } from "../resolved_reply.ts";
import { appendUnanchored } from "../summary_comment.ts";
import { createDescriptionEditor } from "./description.ts";

/** Options for {@linkcode createGiteaClient}. */
export interface GiteaClientOptions {
  /** Instance root such as `https://gitea.example.com` (a trailing `/api/v1` is accepted too). */
  baseUrl: string;
  /** Access token with `write:repository` (reviews, statuses) and `write:issue` (comments). */
  token: string;
  fetch?: typeof fetch;
  /**
   * Page size for list endpoints. Gitea silently caps pages at `[api] MAX_RESPONSE_ITEMS` (50 by default), so
   * Loom pages by the total count the server reports rather than by short pages.
   */
  pageSize?: number;
}

const User = z.object({ "id": z.number().optional(), "login": z.string() }).nullish();

function authorId(user: z.infer<typeof User>): string | undefined {
  return user?.id === undefined ? undefined : String(user.id);
}

const PullRequestBody = z.object({
  "number": z.number(),
  "title": z.string(),
  "body": z.string().nullish(),
  "state": z.string(),
  "merged": z.boolean().nullish(),
  "draft": z.boolean().nullish(),
  "user": User,
  "head": z.object({ "ref": z.string(), "sha": z.string() }),
  "base": z.object({ "ref": z.string(), "sha": z.string() }),
  "merge_base": z.string().nullish(),
  "labels": z.array(z.object({ "name": z.string() })).nullish(),
});

const IssueComment = z.object({ "id": z.number(), "body": z.string().nullish(), "user": User });
const Review = z.object({
  "id": z.number(),
  "body": z.string().nullish(),
  "user": User.nullish(),
  "comments_count": z.number().nullish(),
});
const ReviewComment = z.object({
  "id": z.number(),
  "body": z.string().nullish(),
  "user": User,
  "path": z.string().nullish(),
  // Gitea names the new-file line `position` and the old-file line `original_position` in responses.
  "position": z.number().nullish(),
  "original_position": z.number().nullish(),
  "html_url": z.string().nullish(),
  /** Who resolved the conversation in the web UI; the API cannot. */
  "resolver": z.object({ "id": z.number() }).nullish(),
});

const REVIEW_EVENTS: Record<ReviewEvent, "COMMENT" | "APPROVED" | "REQUEST_CHANGES"> = {
  COMMENT: "COMMENT",
  APPROVE: "APPROVED",
  REQUEST_CHANGES: "REQUEST_CHANGES",
};

const WIP_PREFIX = /^\s*(WIP:|\[WIP\])/i;

/** Access modes that can push; the repository's owner (or an owner of its organization) is `owner`. */
const WRITE_PERMISSIONS: ReadonlySet<string> = new Set(["owner", "admin", "write"]);

/** One comment of `POST /repos/{owner}/{repo}/pulls/{index}/reviews`, with file line numbers. */
export interface GiteaReviewComment {
  path: string;
  body: string;
  new_position: number;
  old_position: number;
}

function normalizeBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, "").replace(/\/api\/v1$/, "");
}

function splitRepo(repo: string): [string, string] {
  const slash = repo.indexOf("/");
  if (slash <= 0 || slash === repo.length - 1) {
    throw new TypeError(`Cannot use Gitea repository "${repo}": expected "owner/name"`);
  }
  return [encodeURIComponent(repo.slice(0, slash)), encodeURIComponent(repo.slice(slash + 1))];
}

function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

function describe(pr: PullRequestRef): string {
  return `${pr.repo}#${pr.number}`;
}

/** gitea-js throws the failed `Response` (with the parsed error body in `.error`); fetch failures are TypeErrors. */
function wrap(message: string, error: unknown): PlatformError {
  if (error instanceof Response) {
    const body = (error as Response & { error?: unknown }).error;
    const detail = (body as { message?: string } | null)?.message ?? error.statusText;
    const retryAfter = error.headers.get("retry-after");
    return new PlatformError(
      `${message}: Gitea answered ${error.status}: ${detail}${
        retryAfter ? ` (retry after ${retryAfter} s)` : ""
      }`,
      { platform: "gitea", status: error.status, cause: error },
    );
  }
  return withPlatformContext("gitea", message, error);
}

/** Lines that can carry a review comment: new-file lines for RIGHT, old-file lines for LEFT. */
function commentableLines(diff: string): Map<string, { right: Set<number>; left: Set<number> }> {
  const result = new Map<string, { right: Set<number>; left: Set<number> }>();
  for (const file of parseDiff(diff)) {
    const lines = { right: new Set<number>(), left: new Set<number>() };
    for (const line of file.hunks.flatMap((hunk) => hunk.lines)) {
      if (line.newLine !== undefined) lines.right.add(line.newLine);
      if (line.oldLine !== undefined) lines.left.add(line.oldLine);
    }
    const path = filePath(file);
    if (path) result.set(path, lines);
  }
  return result;
}

/** Maps an inline comment to Gitea's model: the file line on its side, 0 for the other (no ranges). */
export function toReviewComment(comment: InlineComment): GiteaReviewComment {
  return {
    path: comment.path,
    body: comment.body,
    new_position: comment.side === "RIGHT" ? comment.line : 0,
    old_position: comment.side === "LEFT" ? comment.line : 0,
  };
}

/**
 * Creates a `PlatformClient` for Gitea or Forgejo (Gitea 1.20+ / Forgejo 1.20+ API).
 * @param options instance URL, token and optional `fetch`
 * @returns a client whose errors are all `PlatformError`
 */
export function createGiteaClient(
  options: GiteaClientOptions,
):
  & PlatformClient
  & ChecksWriteAccess
  & ComparesCommits
  & ReadsRepository
  & ResolvesThreads
  & EditsDescription
  & ReadsIssues {
  // gitea-js is imported on the first call, so only processes that talk to Gitea hold it.
  let sdk: Promise<ReturnType<typeof giteaApi>> | undefined;
  const api = () =>
    sdk ??= import("gitea-js").then(({ giteaApi }) =>
      giteaApi(normalizeBaseUrl(options.baseUrl), {
        token: options.token,
        customFetch: options.fetch ?? fetch,
      })
    );
  const pageSize = options.pageSize ?? 50;

  async function getDiffText(pr: PullRequestRef): Promise<string> {
    const [owner, name] = splitRepo(pr.repo);
    const response = await (await api()).repos.repoDownloadPullDiffOrPatch(owner, name, pr.number, "diff", {
      binary: false,
    }, { format: "text" });
    return response.data;
  }

  async function listReviews(pr: PullRequestRef): Promise<z.infer<typeof Review>[]> {
    const [owner, name] = splitRepo(pr.repo);
    const reviews: z.infer<typeof Review>[] = [];
    for (let page = 1;; page += 1) {
      const response = await (await api()).repos.repoListPullReviews(owner, name, pr.number, {
        page,
        limit: pageSize,
      });
      const items = z.array(Review).parse(response.data);
      reviews.push(...items);
      // A short page does not mean the end: the server may cap `limit` below what was asked.
      const total = Number(response.headers.get("x-total-count") ?? NaN);
      if (items.length === 0 || (Number.isFinite(total) && reviews.length >= total)) return reviews;
    }
  }

  /** The code comments of one review; none asked for when the review says it has none. */
  async function listReviewComments(
    pr: PullRequestRef,
    review: z.infer<typeof Review>,
  ): Promise<z.infer<typeof ReviewComment>[]> {
    if (review.comments_count === 0) return [];
    const [owner, name] = splitRepo(pr.repo);
    const response = await (await api()).repos.repoGetPullReviewComments(owner, name, pr.number, review.id);
    return z.array(ReviewComment).parse(response.data);
  }

  const identity = rememberIdentity(async (): Promise<PlatformIdentity> => {
    try {
      const user = z.object({ "id": z.number(), "login": z.string() })
        .parse((await (await api()).user.userGetCurrent()).data);
      return { id: String(user.id), name: user.login };
    } catch (error) {
      throw wrap("Cannot read the identity of the Gitea token", error);
    }
  });

  return {
    ...createDescriptionEditor({ api, splitRepo, wrap }),
    platform: "gitea",
    identity,
    ...createGiteaIssues({ api, splitRepo, wrap }),

    async getRepository(fullName) {
      try {
        const [owner, name] = splitRepo(fullName);
        const repository = z.object({ "id": z.number(), "full_name": z.string() })
          .parse((await (await api()).repos.repoGet(owner, name)).data);
        return { id: String(repository.id), fullName: repository.full_name };
      } catch (error) {
        throw wrap(`Cannot read repository "${fullName}"`, error);
      }
    },

    async getPullRequest(pr) {
      try {
        const [owner, name] = splitRepo(pr.repo);
        const data = PullRequestBody.parse(
          (await (await api()).repos.repoGetPullRequest(owner, name, pr.number)).data,
        );
        const state: PullRequest["state"] = data.merged
          ? "merged"
          : data.state === "closed"
          ? "closed"
          : "open";
        return {
          ref: pr,
          title: data.title,
          body: data.body ?? "",
          labels: (data.labels ?? []).map((label) => label.name),
          author: data.user?.login ?? "",
          authorIsBot: isBotLogin(data.user?.login ?? ""),
          draft: data.draft ?? WIP_PREFIX.test(data.title),
          state,
          headSha: data.head.sha,
          headRef: data.head.ref,
          baseSha: data.merge_base || data.base.sha,
          baseRef: data.base.ref,
        };
      } catch (error) {
        throw wrap(`Cannot get pull request "${describe(pr)}"`, error);
      }
    },

    async getFile(pr, path, ref) {
      try {
        const [owner, name] = splitRepo(pr.repo);
        const response = await (await api()).repos.repoGetRawFile(owner, name, encodePath(path), { ref }, {
          format: "text",
        });
        return response.data as unknown as string;
      } catch (error) {
        if (error instanceof Response && error.status === 404) return null;
        throw wrap(`Cannot read "${path}" at "${ref}" in "${pr.repo}"`, error);
      }
    },

    async getDiff(pr) {
      try {
        return await getDiffText(pr);
      } catch (error) {
        throw wrap(`Cannot get the diff of pull request "${describe(pr)}"`, error);
      }
    },

    /**
     * `GET /repos/{owner}/{repo}/compare/{base}...{head}.diff` (go-gitea/gitea#37632; gitea-js has no method): the
     * three-dot diff from the merge base of the two commits to `headSha`, which is the diff since `baseSha` when
     * the branch was pushed on top of it. Null when a commit is unknown (force-pushed away) or when the instance is
     * older and has no such endpoint (404 either way): the whole pull request is reviewed then.
     */
    async getCompareDiff(pr, baseSha, headSha) {
      try {
        const [owner, name] = splitRepo(pr.repo);
        const basehead = `${encodeURIComponent(baseSha)}...${encodeURIComponent(headSha)}`;
        const response = await (await api()).request<string>({
          path: `/repos/${owner}/${name}/compare/${basehead}.diff`,
          method: "GET",
          secure: true,
          format: "text",
        });
        return response.data;
      } catch (error) {
        if (error instanceof Response && error.status === 404) return null;
        throw wrap(`Cannot compare "${baseSha}" with "${headSha}" in "${pr.repo}"`, error);
      }
    },

    async listComments(pr) {
      try {
        const [owner, name] = splitRepo(pr.repo);
        const issueComments = z.array(IssueComment).parse(
          (await (await api()).repos.issueGetComments(owner, name, pr.number)).data,
        );
        const comments: ExistingComment[] = issueComments.map((comment) => ({
          id: String(comment.id),
          body: comment.body ?? "",
          author: comment.user?.login,
          authorId: authorId(comment.user),
          inline: false,
        }));
        // Code comments live under reviews; the issue comments endpoint does not return them.
        for (const review of await listReviews(pr)) {
          // Review bodies hold Loom's summaries; a retried job must see them to avoid posting a second review.
          if (review.body) {
            comments.push({
              id: `review:${review.id}`,
              body: review.body,
              author: review.user?.login,
              authorId: authorId(review.user),
              inline: false,
            });
          }
          for (const comment of await listReviewComments(pr, review)) {
            comments.push({
              id: String(comment.id),
              body: comment.body ?? "",
              author: comment.user?.login,
              authorId: authorId(comment.user),
              path: comment.path ?? undefined,
              line: comment.position || comment.original_position || undefined,
              inline: true,
            });
          }
        }
        return comments;
      } catch (error) {
        throw wrap(`Cannot list comments of pull request "${describe(pr)}"`, error);
      }
    },

    async postReview(pr, review: ReviewOutput) {
      try {
        const [owner, name] = splitRepo(pr.repo);
        // Gitea stores comments on lines outside the diff without showing them in the review; those go to the summary.
        const lines = review.comments.length > 0 ? commentableLines(await getDiffText(pr)) : new Map();
        const anchored: GiteaReviewComment[] = [];
        const unanchored: InlineComment[] = [];
        for (const comment of review.comments) {
          const file = lines.get(comment.path);
          const ok = comment.side === "RIGHT" ? file?.right.has(comment.line) : file?.left.has(comment.line);
          if (ok) anchored.push(toReviewComment(comment));
          else unanchored.push(comment);
        }
        const summary = appendUnanchored(review.summary, unanchored);
        const body = withSummaryMarker(summary);
        const create = async (event: "COMMENT" | "APPROVED" | "REQUEST_CHANGES") =>
          (await api()).repos.repoCreatePullReview(owner, name, pr.number, {
            event,
            body,
            commit_id: review.headSha,
            comments: anchored,
          });
        const event = REVIEW_EVENTS[review.event];
        try {
          await create(event);
        } catch (error) {
          // Gitea refuses to approve or reject your own pull request (422); the review itself still matters.
          if (event === "COMMENT" || !(error instanceof Response) || error.status !== 422) throw error;
          await create("COMMENT");
        }
      } catch (error) {
        throw wrap(`Cannot post review on pull request "${describe(pr)}"`, error);
      }
    },

    /**
     * Marked by reply: Gitea's API cannot resolve a conversation (only its web UI can) nor reply in one, and Gitea
     * marks a code comment outdated by itself once its line changes. One comment on the pull request names the
     * commit and links each fixed comment; a conversation someone resolved in the web UI is left out.
     */
    async resolveThreads(pr, commentIds, resolution) {
      try {
        const [owner, name] = splitRepo(pr.repo);
        const wanted = new Set(commentIds);
        const web = `${normalizeBaseUrl(options.baseUrl)}/${pr.repo}`;
        const open: { id: string; url: string }[] = [];
        for (const review of await listReviews(pr)) {
          for (const comment of await listReviewComments(pr, review)) {
            if (!wanted.has(String(comment.id)) || comment.resolver) continue;
            const url = comment.html_url ?? `${web}/pulls/${pr.number}/files#issuecomment-${comment.id}`;
            open.push({ id: String(comment.id), url });
          }
        }
        if (open.length === 0) return;
        const body = resolvedNote(open, resolution, `${web}/commit/${resolution.headSha}`);
        await (await api()).repos.issueCreateComment(owner, name, pr.number, { body });
      } catch (error) {
        throw wrap(`Cannot mark fixed findings on pull request "${describe(pr)}"`, error);
      }
    },

    async postComment(pr, body) {
      try {
        const [owner, name] = splitRepo(pr.repo);
        const response = await (await api()).repos.issueCreateComment(owner, name, pr.number, { body });
        return String(IssueComment.parse(response.data).id);
      } catch (error) {
        throw wrap(`Cannot comment on pull request "${describe(pr)}"`, error);
      }
    },

    async updateComment(pr, commentId, body) {
      try {
        const [owner, name] = splitRepo(pr.repo);
        const response = await (await api()).repos.issueEditComment(owner, name, Number(commentId), { body });
        // Older Gitea answers 204 without editing comments that are not plain issue comments.
        if (response.status === 204) {
          throw new PlatformError("Gitea answered 204 and did not edit the comment", {
            platform: "gitea",
            status: 204,
            retryable: false,
          });
        }
      } catch (error) {
        throw wrap(`Cannot update comment "${commentId}" on pull request "${describe(pr)}"`, error);
      }
    },

    /**
     * Whether the user may push (`GET /repos/{owner}/{repo}/collaborators/{user}/permission`: `owner`, `admin`
     * or `write`, counting organization teams). Gitea answers this for another user only to a token of a
     * repository administrator (403 otherwise); a user Gitea does not know (404) may not.
     */
    async canWrite(pr, user: PlatformUser) {
      try {
        const [owner, name] = splitRepo(pr.repo);
        const response = await (await api()).repos.repoGetRepoPermissions(
          owner,
          name,
          encodeURIComponent(user.login),
        );
        const permission = z.object({ "permission": z.string() }).parse(response.data).permission;
        return WRITE_PERMISSIONS.has(permission.toLowerCase());
      } catch (error) {
        if (error instanceof Response && error.status === 404) return false;
        const hint = error instanceof Response && error.status === 403
          ? " (Gitea shows other users' permissions only to a repository administrator: give Loom's user admin)"
          : "";
        throw wrap(`Cannot read the permission of "${user.login}" in "${pr.repo}"${hint}`, error);
      }
    },

    async setStatus(pr, status) {
      try {
        const [owner, name] = splitRepo(pr.repo);
        await (await api()).repos.repoCreateStatus(owner, name, status.sha, {
          state: status.state,
          description: status.description,
          target_url: status.targetUrl,
          context: status.context ?? "loom",
        });
      } catch (error) {
        throw wrap(`Cannot set status "${status.state}" on "${status.sha}" in "${pr.repo}"`, error);
      }
    },
  };
}
