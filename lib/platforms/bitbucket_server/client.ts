/**
 * A small typed fetch client for the Bitbucket Data Center / Server REST 1.0 API (platforms.md §4.5), with
 * personal or HTTP access tokens sent as `Bearer`. Data Center has no batch review, so every inline comment is
 * its own request, paced by `commentDelayMs`. Repositories are addressed as `PROJECT/repo-slug`.
 *
 * What a bot token needs: read access to the repository for the diff, files and permission checks (the users
 * search below needs only a licensed user), and write access for comments and build statuses.
 */
import type { z } from "zod";
import {
  type ChecksWriteAccess,
  type CommitState,
  type ComparesCommits,
  type EditsDescription,
  type ExistingComment,
  type InlineComment,
  type PlatformClient,
  PlatformError,
  type PlatformIdentity,
  type PlatformUser,
  type PublishesChecks,
  type PullRequest,
  type PullRequestRef,
  type ReadsRepository,
  type ResolvesThreads,
} from "../types.ts";
import { createLineMap, type DiffFile, parseDiff } from "../../diff/mod.ts";
import { rememberIdentity } from "../own_comments.ts";
import { upsertSummary } from "../summary_comment.ts";
import {
  Activity,
  ServerComment,
  type ServerComment as Comment,
  ServerPullRequest,
  ServerRepository,
} from "./schema.ts";
import { createBitbucketServerReports } from "./reports.ts";
import { createRestHttp, splitRepo } from "./rest.ts";
import { createDescriptionEditor } from "./description.ts";
import { createWriteAccessCheck } from "./permission.ts";
import { fitComment } from "./comment_length.ts";
import { resolveServerThreads } from "./threads.ts";

export interface BitbucketServerClientOptions {
  /** The instance root, e.g. `https://bitbucket.example.com` (a trailing `/rest/api/1.0` is accepted). */
  baseUrl: string;
  /** A personal or HTTP access token (project or repository), sent as `Bearer`. */
  token: string;
  fetch?: typeof fetch;
  /** Pause between comment requests; there is no batch endpoint. Default 1000. */
  commentDelayMs?: number;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Build-status key; a later status with the same key replaces the earlier one. Default `loom/review`. */
  statusKey?: string;
}

/**
 * The client: the adapter contract, commit comparison (incremental review), the permission check commands
 * use (`ChecksWriteAccess`) and Code Insights reports (`PublishesChecks`).
 */
export interface BitbucketServerClient
  extends
    PlatformClient,
    ComparesCommits,
    ChecksWriteAccess,
    ReadsRepository,
    PublishesChecks,
    ResolvesThreads,
    EditsDescription {
  canWrite(pr: PullRequestRef, user: PlatformUser): Promise<boolean>;
}

const BUILD_STATES: Record<CommitState, string> = {
  pending: "INPROGRESS",
  success: "SUCCESSFUL",
  failure: "FAILED",
  error: "FAILED",
};

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function encodePath(path: string): string {
  return path.replace(/^\/+/, "").split("/").map(encodeURIComponent).join("/");
}

function describe(pr: PullRequestRef): string {
  return `"${pr.repo}#${pr.number}"`;
}

function pullRequestState(state: string | null | undefined): PullRequest["state"] {
  if (state === "MERGED") return "merged";
  if (state === "DECLINED") return "closed";
  return "open";
}

/** A user's stable key for "is this Loom's comment": the login, which Bitbucket compares without case. */
export function userKey(user: { name: string }): string {
  return user.name.toLowerCase();
}

/** The anchor of an inline comment: the line's type in the pull request's diff decides `lineType`. */
export function commentAnchor(comment: InlineComment, files: readonly DiffFile[]) {
  const file = files.find((item) =>
    comment.side === "LEFT"
      ? (item.oldPath ?? item.newPath) === comment.path || item.newPath === comment.path
      : item.newPath === comment.path
  );
  const line = file ? createLineMap(file).lineAt(comment.side, comment.line) : undefined;
  const lineType = line?.kind === "add" ? "ADDED" : line?.kind === "del" ? "REMOVED" : "CONTEXT";
  return {
    path: file?.newPath ?? comment.path,
    // A comment on the old side of a renamed file names the old path too.
    ...(file?.oldPath && file.oldPath !== file.newPath ? { srcPath: file.oldPath } : {}),
    line: comment.line,
    lineType,
    fileType: comment.side === "LEFT" ? "FROM" : "TO",
    diffType: "EFFECTIVE",
  };
}

/**
 * Creates a `PlatformClient` for Bitbucket Data Center / Server.
 * @throws {TypeError} later, from each method, when a repository name is not `PROJECT/repo-slug`
 */
export function createBitbucketServerClient(options: BitbucketServerClientOptions): BitbucketServerClient {
  const root = options.baseUrl.replace(/\/+$/, "").replace(/\/rest\/api\/(1\.0|latest)$/, "");
  const api = `${root}/rest/api/1.0`;
  const sleep = options.sleep ?? defaultSleep;
  const commentDelayMs = options.commentDelayMs ?? 1000;
  const statusKey = options.statusKey ?? "loom/review";
  let commentWritten = false;

  const http = createRestHttp({ token: options.token, fetch: options.fetch });
  const { send, json, paged } = http;

  function repoUrl(repo: string, apiRoot = api): string {
    const [project, slug] = splitRepo(repo);
    return `${apiRoot}/projects/${encodeURIComponent(project)}/repos/${encodeURIComponent(slug)}`;
  }

  function pullRequestUrl(pr: PullRequestRef, apiRoot = api): string {
    return `${repoUrl(pr.repo, apiRoot)}/pull-requests/${pr.number}`;
  }

  async function paceComment(): Promise<void> {
    if (commentWritten) await sleep(commentDelayMs);
    commentWritten = true;
  }

  const identity = rememberIdentity(async (): Promise<PlatformIdentity> => {
    const operation = "read the identity of the Bitbucket Data Center token";
    // REST 1.0 has no "current user" resource. The applinks whoami servlet names the token's login; where a
    // proxy hides it, Data Center's `X-AUSERNAME` header on any authenticated answer does the same.
    const whoami = await send(operation, `${root}/plugins/servlet/applinks/whoami`, {
      accept: "text/plain",
      notFoundIsNull: true,
    });
    let name = whoami ? (await whoami.text()).trim() : "";
    if (name === "") {
      const answer = await send(operation, `${api}/application-properties`);
      await answer!.body?.cancel();
      name = answer!.headers.get("x-ausername")?.trim() ?? "";
    }
    if (name === "") {
      throw new PlatformError(`Cannot ${operation}: neither whoami nor X-AUSERNAME names a user`, {
        platform: "bitbucket_server",
        retryable: false,
      });
    }
    return { id: userKey({ name }), name };
  });

  async function listComments(pr: PullRequestRef): Promise<ExistingComment[]> {
    const activities = await paged(
      Activity,
      `list comments of ${describe(pr)}`,
      `${pullRequestUrl(pr)}/activities`,
    );
    const deleted = new Set(
      activities.filter((item) => item.commentAction === "DELETED" && item.comment).map((item) =>
        item.comment!.id
      ),
    );
    const comments: ExistingComment[] = [];
    const seen = new Set<number>();
    const add = (comment: Comment, anchor?: z.infer<typeof Activity>["commentAnchor"]) => {
      if (seen.has(comment.id) || deleted.has(comment.id)) return;
      seen.add(comment.id);
      comments.push({
        id: String(comment.id),
        body: comment.text,
        author: comment.author?.name,
        authorId: comment.author ? userKey(comment.author) : undefined,
        path: anchor?.path,
        line: anchor?.line ?? undefined,
        inline: anchor?.line != null,
      });
      // Replies are nested under their comment and have no activity of their own.
      for (const reply of comment.comments ?? []) add(reply);
    };
    // Activities come newest first; comments are wanted oldest first, as the other platforms list them.
    for (const activity of activities.toReversed()) {
      if (activity.action === "COMMENTED" && activity.commentAction === "ADDED" && activity.comment) {
        add(activity.comment, activity.commentAnchor);
      }
    }
    return comments;
  }

  async function postComment(pr: PullRequestRef, body: string): Promise<string> {
    await paceComment();
    const created = await json(
      ServerComment,
      `comment on ${describe(pr)}`,
      `${pullRequestUrl(pr)}/comments`,
      {
        method: "POST",
        body: { text: fitComment(body) },
      },
    );
    return String(created.id);
  }

  async function updateComment(pr: PullRequestRef, commentId: string, body: string): Promise<void> {
    const url = `${pullRequestUrl(pr)}/comments/${encodeURIComponent(commentId)}`;
    const operation = `update comment "${commentId}" on ${describe(pr)}`;
    // Edits carry the comment's version (optimistic locking); a 409 means someone edited it between our read
    // and our write, so it is read and written once more.
    for (let attempt = 1;; attempt++) {
      const current = await json(ServerComment, operation, url);
      await paceComment();
      try {
        await send(operation, url, {
          method: "PUT",
          body: { text: fitComment(body), version: current.version ?? 0 },
        });
        return;
      } catch (error) {
        if (!(error instanceof PlatformError) || error.status !== 409 || attempt >= 2) throw error;
      }
    }
  }

  async function getFile(pr: PullRequestRef, path: string, ref: string): Promise<string | null> {
    const response = await send(
      `get "${path}" at "${ref}" in "${pr.repo}"`,
      `${repoUrl(pr.repo)}/raw/${encodePath(path)}?at=${encodeURIComponent(ref)}`,
      { accept: "*/*", notFoundIsNull: true },
    );
    return response ? await response.text() : null;
  }

  async function getDiff(pr: PullRequestRef): Promise<string> {
    // The pull request's effective diff (source against the merge base) as git text: `…/diff` streams it for
    // `Accept: text/plain`. A server that answers the JSON model anyway, or refuses the type, is asked for the
    // raw stream `….diff` instead.
    const latest = pullRequestUrl(pr, `${root}/rest/api/latest`);
    const operation = `get the diff of ${describe(pr)}`;
    try {
      const response = await send(operation, `${latest}/diff?contextLines=3`, { accept: "text/plain" });
      if (!(response!.headers.get("content-type") ?? "").includes("json")) return await response!.text();
      await response!.body?.cancel();
    } catch (error) {
      if (!(error instanceof PlatformError) || ![404, 406, 415].includes(error.status ?? 0)) throw error;
    }
    const raw = await send(operation, `${latest}.diff?contextLines=3`, { accept: "text/plain" });
    return await raw!.text();
  }

  async function fetchPullRequest(pr: PullRequestRef): Promise<ServerPullRequest> {
    return await json(ServerPullRequest, `get pull request ${describe(pr)}`, pullRequestUrl(pr));
  }

  return {
    platform: "bitbucket_server",
    identity,
    ...createDescriptionEditor(http, (pr) => pullRequestUrl(pr)),
    ...createBitbucketServerReports({
      send,
      insightsUrl: (repo) => repoUrl(repo, `${root}/rest/insights/1.0`),
    }),

    async getRepository(fullName) {
      const read = await json(ServerRepository, `read repository "${fullName}"`, repoUrl(fullName));
      // Its numeric id stays through a rename or a move to another project.
      if (read.id == null) {
        throw new PlatformError(`Cannot read repository "${fullName}": the answer has no id`, {
          platform: "bitbucket_server",
          retryable: false,
        });
      }
      return { id: String(read.id), fullName: `${read.project.key}/${read.slug}` };
    },

    async getPullRequest(pr) {
      const pullRequest = await fetchPullRequest(pr);
      return {
        ref: pr,
        title: pullRequest.title,
        body: pullRequest.description ?? "",
        labels: null, // Data Center pull requests have no labels.
        author: pullRequest.author.user.name,
        authorIsBot: pullRequest.author.user.type === "SERVICE",
        draft: pullRequest.draft ?? false,
        state: pullRequestState(pullRequest.state),
        headSha: pullRequest.fromRef.latestCommit,
        headRef: pullRequest.fromRef.displayId,
        baseSha: pullRequest.toRef.latestCommit,
        baseRef: pullRequest.toRef.displayId,
      };
    },

    getFile,
    getDiff,

    /**
     * The changes from `baseSha` to `headSha` as git text: Data Center's raw diff between two revisions
     * (`GET …/diff?since=&until=`), a direct diff of the two trees, so it also holds after a force push while the
     * old commit exists. A commit that no longer exists answers 404, which means "no clean comparison". (The
     * `…/compare/diff` endpoint answers only the JSON diff model, against the merge base.)
     */
    async getCompareDiff(pr, baseSha, headSha) {
      const query = new URLSearchParams({ since: baseSha, until: headSha, contextLines: "3" });
      const response = await send(
        `compare "${baseSha}" with "${headSha}" in "${pr.repo}"`,
        `${repoUrl(pr.repo, `${root}/rest/api/latest`)}/diff?${query}`,
        { accept: "text/plain, */*;q=0.1", notFoundIsNull: true },
      );
      return response ? await response.text() : null;
    },

    listComments,

    async postReview(pr, review) {
      const files = review.comments.length > 0 ? parseDiff(await getDiff(pr)) : [];
      for (const comment of review.comments) {
        await paceComment();
        // Data Center has no multi-line anchor before 8.x, so a range is anchored on its last line. A blocker
        // becomes a blocker comment: a task the author must resolve before merging (Data Center 7.x+).
        await send(
          `post an inline comment on "${comment.path}" in ${describe(pr)}`,
          `${pullRequestUrl(pr)}/comments`,
          {
            method: "POST",
            body: {
              text: fitComment(comment.body),
              anchor: commentAnchor(comment, files),
              ...(comment.severity === "blocker" ? { severity: "BLOCKER" } : {}),
            },
          },
        );
      }
      await upsertSummary({ listComments, identity, postComment, updateComment }, pr, review.summary);
    },

    postComment,
    updateComment,

    resolveThreads: (pr, commentIds, resolution) =>
      resolveServerThreads(
        json,
        {
          commentsUrl: `${pullRequestUrl(pr)}/comments`,
          commitUrl: `${root}/${
            webPath(pr).replace(/\/pull-requests\/\d+$/, "")
          }/commits/${resolution.headSha}`,
          pace: paceComment,
        },
        commentIds,
        resolution,
      ),

    async setStatus(pr, status) {
      const key = status.context ?? statusKey;
      const operation = `set status "${key}" on "${status.sha}" in "${pr.repo}"`;
      const body = {
        key,
        state: BUILD_STATES[status.state],
        name: key === "loom/review" ? "Loom review" : `Loom ${key}`,
        description: status.description.slice(0, 255),
        // Bitbucket requires a URL; the pull request itself is the best fallback.
        url: status.targetUrl ?? `${root}/${webPath(pr)}`,
      };
      const sha = encodeURIComponent(status.sha);
      // The repository-scoped endpoint (7.4+) works with project and repository HTTP access tokens; an older
      // server has only the global `/rest/build-status/1.0` one.
      try {
        await send(operation, `${repoUrl(pr.repo, `${root}/rest/api/latest`)}/commits/${sha}/builds`, {
          method: "POST",
          body,
        });
      } catch (error) {
        if (!(error instanceof PlatformError) || (error.status !== 404 && error.status !== 405)) throw error;
        await send(operation, `${root}/rest/build-status/1.0/commits/${sha}`, { method: "POST", body });
      }
    },

    canWrite: createWriteAccessCheck(http, api),
  };
}

/** The web path of a pull request below the instance root (personal projects live under `users/`). */
export function webPath(pr: PullRequestRef): string {
  const [project, slug] = splitRepo(pr.repo);
  const owner = project.startsWith("~")
    ? `users/${encodeURIComponent(project.slice(1))}`
    : `projects/${encodeURIComponent(project)}`;
  return `${owner}/repos/${encodeURIComponent(slug)}/pull-requests/${pr.number}`;
}
