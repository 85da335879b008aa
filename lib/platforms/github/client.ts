/** The GitHub REST client behind `PlatformClient`, for github.com and GitHub Enterprise (platforms.md §2.2). */
import { Octokit } from "@octokit/rest";
import {
  authenticateAsInstallation,
  type InstallationTokenCache,
  installationTokens,
} from "./installation_tokens.ts";
import { createLogger, type Logger } from "../../log.ts";
import { rememberIdentity } from "../own_comments.ts";
import { formatDiffEntry } from "./diff_entry.ts";
import { createCheckRuns } from "./check_runs.ts";
import { gitHubThreads } from "./thread_replies.ts";
import { createGitHubIssues } from "./issues.ts";
import { createDescriptionEditor } from "./description.ts";
import { gitHubReactions } from "./reactions.ts";
import { githubWebUrl } from "./web_url.ts";
import { githubArchive, type ReadsArchive } from "./archive.ts";
import {
  type ChecksWriteAccess,
  type CommitStatus,
  type ExistingComment,
  type InlineComment,
  type PlatformClient,
  PlatformError,
  type PlatformIdentity,
  type PlatformRepository,
  type PlatformUser,
  type PublishesChecks,
  type PullRequest,
  type PullRequestRef,
  type ReadsIssues,
  type ReadsReactions,
  type ReadsRepository,
  type RepliesInThreads,
  type ResolvesThreads,
  type ReviewOutput,
} from "../types.ts";
import { truncate } from "../truncate.ts";

/** A GitHub App installation: the app signs a JWT and exchanges it for an installation token. */
export interface GitHubAppCredentials {
  appId: string;
  /** PEM, PKCS#1 (`BEGIN RSA PRIVATE KEY`, as GitHub hands it out) or PKCS#8. */
  privateKey: string;
  installationId: number;
}

export interface GitHubClientOptions {
  /** `https://api.github.com` (default) or `https://HOST/api/v3` for GitHub Enterprise Server. */
  baseUrl?: string;
  /** A personal access token; exactly one of `token` and `app` is required. */
  token?: string;
  app?: GitHubAppCredentials;
  fetch?: typeof fetch;
  userAgent?: string;
  log?: Logger;
  /** Where an App's installation tokens are kept; the process's shared cache unless given. */
  tokenCache?: InstallationTokenCache;
}

// The files API stops listing there (platforms.md §2.2), so asking for more pages is pointless.
const MAX_LISTED_FILES = 3000;
// GitHub answers 422 for longer commit status descriptions.
const MAX_STATUS_DESCRIPTION = 140;
/** Permissions and roles that can push; `triage`, `read` and `none` cannot. */
const WRITE_PERMISSIONS: ReadonlySet<string> = new Set(["admin", "maintain", "write"]);

function splitRepo(pr: PullRequestRef): { owner: string; repo: string } {
  const parts = pr.repo.split("/");
  if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
    throw new TypeError(`Cannot use GitHub repository "${pr.repo}": expected "owner/name"`);
  }
  return { owner: parts[0]!, repo: parts[1]! };
}

function describe(pr: PullRequestRef): string {
  return `"${pr.repo}#${pr.number}"`;
}

// Octokit's RequestError (name "HttpError") comes from a transitive package; matching its shape avoids
// depending on that package's identity.
function isRequestError(
  error: unknown,
): error is Error & { status: number; response?: { headers: Record<string, string | undefined> } } {
  return error instanceof Error && error.name === "HttpError" &&
    typeof (error as { status?: unknown }).status === "number";
}

function statusOf(error: unknown): number | undefined {
  return isRequestError(error) ? error.status : undefined;
}

function toPlatformError(error: unknown, action: string): PlatformError {
  if (error instanceof PlatformError) return error;
  if (!isRequestError(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new PlatformError(`Cannot ${action}: ${message}`, {
      platform: "github",
      retryable: false,
      cause: error,
    });
  }
  const headers = error.response?.headers ?? {};
  const status = error.status;
  let retryable: boolean | undefined;
  // A 403 is a rate limit only when GitHub says so; otherwise it is a permission problem that will not heal.
  if (status === 403) {
    retryable = headers["x-ratelimit-remaining"] === "0" || headers["retry-after"] !== undefined;
  }
  // @octokit/request reports a failed connection as status 500 without a response.
  const answered = error.response === undefined ? "request failed" : `GitHub answered ${status}`;
  return new PlatformError(`Cannot ${action}: ${answered}: ${error.message}`, {
    platform: "github",
    status,
    retryable,
    cause: error,
  });
}

function decodeBase64(content: string): string {
  const binary = atob(content.replace(/\s/g, ""));
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

function asText(data: unknown): string {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return new TextDecoder().decode(data);
  throw new TypeError(`Cannot read GitHub response as text: got ${typeof data}`);
}

function toReviewComment(comment: InlineComment) {
  const base = { path: comment.path, line: comment.line, side: comment.side, body: comment.body };
  // GitHub rejects a range whose start equals its end; that is a single-line comment.
  if (comment.startLine === undefined || comment.startLine === comment.line) return base;
  return { ...base, "start_line": comment.startLine, "start_side": comment.side };
}

function createOctokit(options: GitHubClientOptions, log: Logger): Octokit {
  if ((options.token === undefined) === (options.app === undefined)) {
    throw new TypeError("Cannot create GitHub client: give exactly one of `token` and `app`");
  }
  // Octokit logs each request at info as "GET /path - 200 with id <x-github-request-id> in 80ms"; a server that
  // sends no request id (GitHub Enterprise proxies, some gateways) makes that "with id undefined". Requests are
  // debug detail, and a missing id is left out rather than printed.
  const withoutMissingId = (message: string) => message.replace(/ with id undefined\b/, "");
  const octokitLog = {
    debug: (message: string) => log.debug(withoutMissingId(message)),
    info: (message: string) => log.debug(withoutMissingId(message)),
    warn: (message: string) => log.warn(message),
    // Octokit reports every failed request here, including expected ones (a 404 for a missing
    // `.loom/config.yaml`); failures reach callers as PlatformError, which decide whether they are errors.
    error: (message: string) => log.debug(message),
  };
  const common = {
    baseUrl: (options.baseUrl ?? "https://api.github.com").replace(/\/+$/, ""),
    userAgent: options.userAgent ?? "loom",
    log: octokitLog,
    request: { ...(options.fetch === undefined ? {} : { fetch: options.fetch }), log: octokitLog },
  };
  if (options.app !== undefined) {
    const octokit = new Octokit(common);
    const installation = { ...options.app, baseUrl: common.baseUrl, fetch: options.fetch };
    authenticateAsInstallation(octokit, options.tokenCache ?? installationTokens, installation);
    return octokit;
  }
  return new Octokit({ ...common, auth: options.token });
}

/** GitHub's compare ability, used for incremental reviews (`ComparesCommits` in lib/platforms/types.ts). */
export interface GitHubCompare {
  /**
   * The diff from `baseSha` to `headSha` (compare API, diff media type), or null when `baseSha` is unknown (a
   * force-push), is not an ancestor of `headSha`, or the comparison is too large.
   */
  getCompareDiff(pr: PullRequestRef, baseSha: string, headSha: string): Promise<string | null>;
}

/**
 * Creates a GitHub client. Nothing is requested until a method is called. With App credentials it also writes
 * check runs (`PublishesChecks`), which GitHub refuses to tokens.
 * @param options auth (token or app), base URL, fetch and logger
 * @throws {TypeError} when neither or both of `token` and `app` are given
 */
export function createGitHubClient(
  options: GitHubClientOptions,
):
  & PlatformClient
  & ChecksWriteAccess
  & ReadsRepository
  & ReadsIssues
  & ResolvesThreads
  & RepliesInThreads
  & ReadsReactions
  & GitHubCompare
  & ReadsArchive
  & Partial<PublishesChecks> {
  const log = options.log ?? createLogger();
  const octokit = createOctokit(options, log);

  async function call<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toPlatformError(error, action);
    }
  }

  async function diffFromFiles(pr: PullRequestRef): Promise<string> {
    const { owner, repo } = splitRepo(pr);
    const parts: string[] = [];
    const pages = octokit.paginate.iterator(octokit.rest.pulls.listFiles, {
      owner,
      repo,
      "pull_number": pr.number,
      "per_page": 100,
    });
    for await (const page of pages) {
      for (const file of page.data) {
        if (parts.length >= MAX_LISTED_FILES) break;
        parts.push(formatDiffEntry(file));
      }
      if (parts.length >= MAX_LISTED_FILES) break;
    }
    return parts.join("");
  }

  // GraphQL's `viewer` answers for every credential: a personal token's user, and an App installation's (or
  // Actions' GITHUB_TOKEN's) bot, which REST `GET /user` refuses with 403.
  const identity = rememberIdentity(() =>
    call("read the identity of the GitHub credential", async (): Promise<PlatformIdentity> => {
      const answer = await octokit.graphql<{ viewer: { login: string; databaseId: number } }>(
        "query { viewer { login databaseId } }",
      );
      return { id: String(answer.viewer.databaseId), name: answer.viewer.login };
    })
  );

  return {
    platform: "github",
    identity,
    ...(options.app === undefined ? {} : createCheckRuns({ octokit, call, splitRepo })),
    ...createGitHubIssues({ octokit, call, splitRepo }),
    ...createDescriptionEditor({ octokit, call, splitRepo }),

    async getRepository(fullName: string): Promise<PlatformRepository> {
      const { owner, repo } = splitRepo({ platform: "github", repo: fullName, number: 0 });
      return await call(`read repository "${fullName}"`, async () => {
        const { data } = await octokit.rest.repos.get({ owner, repo });
        return { id: String(data.id), fullName: data.full_name };
      });
    },

    async getPullRequest(pr: PullRequestRef): Promise<PullRequest> {
      const { owner, repo } = splitRepo(pr);
      return await call(`get pull request ${describe(pr)}`, async () => {
        const { data } = await octokit.rest.pulls.get({ owner, repo, "pull_number": pr.number });
        return {
          ref: pr,
          title: data.title,
          body: data.body ?? "",
          labels: data.labels.map((label) => label.name),
          author: data.user?.login ?? "ghost",
          authorIsBot: data.user?.type === "Bot",
          draft: data.draft ?? false,
          state: data.merged === true || (data.merged_at ?? null) !== null
            ? "merged"
            : data.state === "closed"
            ? "closed"
            : "open",
          headSha: data.head.sha,
          headRef: data.head.ref,
          baseSha: data.base.sha,
          baseRef: data.base.ref,
        };
      });
    },

    async getFile(pr: PullRequestRef, path: string, ref: string): Promise<string | null> {
      const { owner, repo } = splitRepo(pr);
      const action = `read "${path}" at "${ref}" in "${pr.repo}"`;
      return await call(action, async () => {
        let data;
        try {
          ({ data } = await octokit.rest.repos.getContent({ owner, repo, path, ref }));
        } catch (error) {
          if (statusOf(error) === 404) return null;
          throw error;
        }
        if (Array.isArray(data) || data.type !== "file") {
          const kind = Array.isArray(data) ? "dir" : data.type;
          throw new PlatformError(`Cannot ${action}: it is a ${kind}, not a file`, {
            platform: "github",
            retryable: false,
          });
        }
        if (data.encoding === "base64") return decodeBase64(data.content);
        // Files of 1–100 MB come back with encoding "none" and no content; only the raw media type has them.
        const raw = await octokit.rest.repos.getContent({
          owner,
          repo,
          path,
          ref,
          mediaType: { format: "raw" },
        });
        return asText(raw.data);
      });
    },

    async getDiff(pr: PullRequestRef): Promise<string> {
      const { owner, repo } = splitRepo(pr);
      return await call(`get the diff of ${describe(pr)}`, async () => {
        try {
          const response = await octokit.rest.pulls.get({
            owner,
            repo,
            "pull_number": pr.number,
            mediaType: { format: "diff" },
          });
          return asText(response.data);
        } catch (error) {
          // 406 too_large: more than 300 files or 20,000 lines. The files API still lists up to 3,000 files.
          if (statusOf(error) !== 406) throw error;
          log.info("GitHub diff too large, building it from the files API", {
            repo: pr.repo,
            number: pr.number,
          });
          return await diffFromFiles(pr);
        }
      });
    },

    async getCompareDiff(pr: PullRequestRef, baseSha: string, headSha: string): Promise<string | null> {
      const { owner, repo } = splitRepo(pr);
      const basehead = `${baseSha}...${headSha}`;
      return await call(`compare "${basehead}" in "${pr.repo}"`, async () => {
        try {
          // A diverged comparison diffs from the merge base, which would include the base branch's changes.
          const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
            owner,
            repo,
            basehead,
            "per_page": 1,
          });
          if (data.status !== "ahead" && data.status !== "identical") return null;
          const response = await octokit.rest.repos.compareCommitsWithBasehead({
            owner,
            repo,
            basehead,
            mediaType: { format: "diff" },
          });
          return asText(response.data);
        } catch (error) {
          const status = statusOf(error);
          if (status === 404 || status === 406 || status === 422) return null;
          throw error;
        }
      });
    },

    async listComments(pr: PullRequestRef): Promise<ExistingComment[]> {
      const { owner, repo } = splitRepo(pr);
      return await call(`list comments of ${describe(pr)}`, async () => {
        // Review bodies hold Loom's summaries; a retried job must see them to avoid posting a second one.
        const [issueComments, reviewComments, reviews] = await Promise.all([
          octokit.paginate(octokit.rest.issues.listComments, {
            owner,
            repo,
            "issue_number": pr.number,
            "per_page": 100,
          }),
          octokit.paginate(octokit.rest.pulls.listReviewComments, {
            owner,
            repo,
            "pull_number": pr.number,
            "per_page": 100,
          }),
          octokit.paginate(octokit.rest.pulls.listReviews, {
            owner,
            repo,
            "pull_number": pr.number,
            "per_page": 100,
          }),
        ]);
        const comments: ExistingComment[] = [];
        for (const comment of issueComments) {
          const existing: ExistingComment = {
            id: String(comment.id),
            body: comment.body ?? "",
            inline: false,
          };
          if (comment.user?.login !== undefined) existing.author = comment.user.login;
          if (comment.user?.id !== undefined) existing.authorId = String(comment.user.id);
          comments.push(existing);
        }
        for (const review of reviews) {
          if (!review.body) continue;
          const existing: ExistingComment = { id: `review:${review.id}`, body: review.body, inline: false };
          if (review.user?.login !== undefined) existing.author = review.user.login;
          if (review.user?.id !== undefined) existing.authorId = String(review.user.id);
          comments.push(existing);
        }
        for (const comment of reviewComments) {
          const existing: ExistingComment = { id: String(comment.id), body: comment.body, inline: true };
          if (comment.user?.login !== undefined) existing.author = comment.user.login;
          if (comment.user?.id !== undefined) existing.authorId = String(comment.user.id);
          existing.path = comment.path;
          if (comment.reactions !== undefined) existing.thumbsDown = comment.reactions["-1"];
          const line = comment.line ?? comment.original_line;
          if (line !== undefined && line !== null) existing.line = line;
          comments.push(existing);
        }
        return comments;
      });
    },

    async postReview(pr: PullRequestRef, review: ReviewOutput): Promise<void> {
      const { owner, repo } = splitRepo(pr);
      return await call(`post a review on ${describe(pr)}`, async () => {
        // One request: GitHub validates every anchor and rejects the whole review (422) if any is off the diff.
        await octokit.rest.pulls.createReview({
          owner,
          repo,
          "pull_number": pr.number,
          "commit_id": review.headSha,
          event: review.event,
          body: review.summary,
          comments: review.comments.map(toReviewComment),
        });
      });
    },

    async postComment(pr: PullRequestRef, body: string): Promise<string> {
      const { owner, repo } = splitRepo(pr);
      return await call(`post a comment on ${describe(pr)}`, async () => {
        const { data } = await octokit.rest.issues.createComment({
          owner,
          repo,
          "issue_number": pr.number,
          body,
        });
        return String(data.id);
      });
    },
    ...githubArchive(octokit, splitRepo, call),

    async updateComment(pr: PullRequestRef, commentId: string, body: string): Promise<void> {
      const { owner, repo } = splitRepo(pr);
      const id = Number(commentId);
      if (!Number.isSafeInteger(id) || id <= 0) {
        throw new TypeError(`Cannot update GitHub comment "${commentId}": expected a numeric id`);
      }
      return await call(`update comment "${commentId}" on ${describe(pr)}`, async () => {
        await octokit.rest.issues.updateComment({ owner, repo, "comment_id": id, body });
      });
    },

    /**
     * Whether the user may push (`GET /repos/{owner}/{repo}/collaborators/{username}/permission`): `permission`
     * `admin` or `write`, or `role_name` `admin`, `maintain` or `write` (custom roles report their base in
     * `permission`). A user GitHub does not know (404) may not.
     */
    async canWrite(pr: PullRequestRef, user: PlatformUser): Promise<boolean> {
      const { owner, repo } = splitRepo(pr);
      return await call(`read the permission of "${user.login}" in "${pr.repo}"`, async () => {
        try {
          const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
            owner,
            repo,
            username: user.login,
          });
          return WRITE_PERMISSIONS.has(data.permission) || WRITE_PERMISSIONS.has(data.role_name ?? "");
        } catch (error) {
          if (statusOf(error) === 404) return false;
          throw error;
        }
      });
    },

    ...gitHubThreads(octokit, call, githubWebUrl(options.baseUrl ?? "https://api.github.com")),
    ...gitHubReactions(octokit, call),

    async setStatus(pr: PullRequestRef, status: CommitStatus): Promise<void> {
      const { owner, repo } = splitRepo(pr);
      return await call(`set the status of "${status.sha}" in "${pr.repo}"`, async () => {
        await octokit.rest.repos.createCommitStatus({
          owner,
          repo,
          sha: status.sha,
          state: status.state,
          description: truncate(status.description, MAX_STATUS_DESCRIPTION),
          "target_url": status.targetUrl,
          context: status.context ?? "loom",
        });
      });
    },
  };
}
