/**
 * A small typed fetch client for the Azure DevOps Git REST API 7.1 (platforms.md §6). Azure DevOps has no diff
 * endpoint, so `getDiff` rebuilds one from the latest iteration's changes and both versions of each file, and no
 * batch review, so every inline comment is its own thread, paced by `commentDelayMs`.
 */
import type { z } from "zod";
import {
  type ChecksWriteAccess,
  type CommitState,
  type ComparesCommits,
  type ExistingComment,
  type PlatformClient,
  PlatformError,
  type PlatformIdentity,
  type PullRequest,
  type PullRequestRef,
  type ReadsIssues,
  type ReadsRepository,
} from "../types.ts";
import { compareCommits, diffFromChanges } from "./compare.ts";
import { identitiesRoot, identityCanContribute } from "./permission.ts";
import { statusContext } from "./status_context.ts";
import { azureThreadReplies, type AzureThreads, resolveAzureThreads, threadComments } from "./threads.ts";
import { createAzureWorkItems } from "./work_items.ts";
import {
  activeLabels,
  AzureRepository,
  type ChangeEntry,
  Comment,
  CommitDiffs,
  ConnectionData,
  GitPullRequest,
  Item,
  type Iteration,
  Iteration as IterationSchema,
  IterationChanges,
  List,
  PullRequestStatus,
  Thread,
} from "./schema.ts";
import { SUMMARY_MARKER } from "../../markers.ts";
import { rememberIdentity } from "../own_comments.ts";
import { upsertSummary } from "../summary_comment.ts";
import { createDescriptionEditor } from "./description.ts";

export { SUMMARY_MARKER };

export interface AzureDevopsClientOptions {
  /** Services: `https://dev.azure.com` (default). Server: `https://HOST/tfs` or `https://HOST`. */
  baseUrl?: string;
  /** Organization (Services) or collection (Server), appended to `baseUrl`; omit when `baseUrl` includes it. */
  organization?: string;
  /** Project used when a repository name has no `project/` prefix. */
  project?: string;
  /**
   * A personal access token with Code (read & write) and Code status scopes; commands also need Identity (Read)
   * and Security (Manage) to read who may push (`permission.ts`).
   */
  token: string;
  fetch?: typeof fetch;
  /** Pause between thread requests; Azure DevOps throttles by usage and has no batch endpoint. Default 1000. */
  commentDelayMs?: number;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Default 7.1. */
  apiVersion?: string;
  /** Genre of the pull-request status context (`<genre>/<name>` in the UI). Default `loom`. */
  statusGenre?: string;
}

const FULL_HASH = /^[0-9a-f]{40}$/i;

/** Thread status enum values (`CommentThreadStatus`): active threads are tasks, closed ones are notes. */
const THREAD_ACTIVE = 1;
const THREAD_CLOSED = 4;
/** `CommentType.text`. */
const COMMENT_TEXT = 1;

const STATUS_STATES: Record<CommitState, string> = {
  pending: "pending",
  success: "succeeded",
  failure: "failed",
  error: "error",
};

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(pr: PullRequestRef): string {
  return `"${pr.repo}#${pr.number}"`;
}

function stripHeads(ref: string): string {
  return ref.replace(/^refs\/heads\//, "");
}

function pullRequestState(status: string): PullRequest["state"] {
  if (status === "completed") return "merged";
  if (status === "abandoned") return "closed";
  return "open";
}

/** Loom comment ids on Azure DevOps are `<threadId>:<commentId>`, since comment ids are per thread. */
function splitCommentId(commentId: string): [number, number] {
  const match = commentId.match(/^(\d+):(\d+)$/);
  if (!match) {
    throw new TypeError(
      `Cannot address Azure DevOps comment "${commentId}": expected "<threadId>:<commentId>"`,
    );
  }
  return [Number(match[1]), Number(match[2])];
}

/**
 * Creates a `PlatformClient` for Azure DevOps Services or Server. Repositories are addressed as
 * `project/repository` (names as shown in the web UI), or as `repository` when `project` is set.
 */
export function createAzureDevopsClient(
  options: AzureDevopsClientOptions,
): PlatformClient & ChecksWriteAccess & ComparesCommits & ReadsRepository & AzureThreads & ReadsIssues {
  const baseUrl = (options.baseUrl ?? "https://dev.azure.com").replace(/\/+$/, "");
  const root = options.organization ? `${baseUrl}/${encodeURIComponent(options.organization)}` : baseUrl;
  const doFetch = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? defaultSleep;
  const commentDelayMs = options.commentDelayMs ?? 1000;
  const apiVersion = options.apiVersion ?? "7.1";
  const statusGenre = options.statusGenre ?? "loom";
  // PAT Basic auth ignores the user name (spec `securityDefinitions.accessToken`).
  const authHeader = `Basic ${btoa(`:${options.token}`)}`;
  let threadWritten = false;

  function repoApi(repo: string): string {
    const parts = repo.split("/");
    const [project, name] = parts.length === 1 ? [options.project, parts[0]] : parts;
    if (parts.length > 2 || !project || !name) {
      throw new TypeError(
        `Cannot address Azure DevOps repository "${repo}": expected "project/repository"` +
          (options.project ? "" : " (or set the project option)"),
      );
    }
    return `${root}/${encodeURIComponent(project)}/_apis/git/repositories/${encodeURIComponent(name)}`;
  }

  function pullRequestApi(pr: PullRequestRef): string {
    return `${repoApi(pr.repo)}/pullRequests/${pr.number}`;
  }

  async function call<T extends z.ZodType>(
    schema: T,
    operation: string,
    url: string,
    init: {
      method?: string;
      body?: unknown;
      query?: Record<string, string>;
      notFoundIsNull?: boolean;
      apiVersion?: string;
    } = {},
  ): Promise<z.infer<T> | null> {
    const target = new URL(url);
    for (const [name, value] of Object.entries(init.query ?? {})) target.searchParams.set(name, value);
    target.searchParams.set("api-version", init.apiVersion ?? apiVersion);
    const headers = new Headers({ authorization: authHeader, accept: "application/json" });
    if (init.body !== undefined) headers.set("content-type", "application/json");
    let response: Response;
    try {
      response = await doFetch(target, {
        method: init.method ?? "GET",
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
    } catch (error) {
      throw new PlatformError(`Cannot ${operation}: request to Azure DevOps failed`, {
        platform: "azure_devops",
        retryable: true,
        cause: error,
      });
    }
    const text = await response.text();
    if (response.status === 404 && init.notFoundIsNull) return null;
    const isJson = (response.headers.get("content-type") ?? "").includes("json");
    if (!response.ok) {
      let detail = text.slice(0, 300);
      try {
        detail = (JSON.parse(text) as { message?: string }).message ?? detail;
      } catch {
        // Not JSON (a proxy's HTML error page); the raw text is the best detail there is.
      }
      throw new PlatformError(
        `Cannot ${operation}: Azure DevOps answered ${response.status}${detail ? `: ${detail}` : ""}`,
        {
          platform: "azure_devops",
          status: response.status,
          retryable: response.status === 429 || response.status >= 500,
        },
      );
    }
    // A missing or rejected PAT can get 203 with the HTML sign-in page instead of a 401.
    if (!isJson) {
      throw new PlatformError(
        `Cannot ${operation}: Azure DevOps answered ${response.status} with a sign-in page instead of JSON: ` +
          `check the personal access token`,
        { platform: "azure_devops", status: response.status, retryable: false },
      );
    }
    const result = schema.safeParse(JSON.parse(text));
    if (!result.success) {
      throw new PlatformError(
        `Cannot ${operation}: unexpected Azure DevOps response: ${result.error.message}`,
        {
          platform: "azure_devops",
          retryable: false,
          cause: result.error,
        },
      );
    }
    return result.data;
  }

  async function paceThread(): Promise<void> {
    if (threadWritten) await sleep(commentDelayMs);
    threadWritten = true;
  }

  async function fetchPullRequest(pr: PullRequestRef): Promise<GitPullRequest> {
    return (await call(GitPullRequest, `get pull request ${describe(pr)}`, pullRequestApi(pr)))!;
  }

  async function iterations(pr: PullRequestRef): Promise<Iteration[]> {
    const list = await call(
      List(IterationSchema),
      `list iterations of ${describe(pr)}`,
      `${pullRequestApi(pr)}/iterations`,
    );
    if (!list || list.value.length === 0) {
      throw new PlatformError(`Cannot read ${describe(pr)}: it has no iterations`, {
        platform: "azure_devops",
        retryable: true,
      });
    }
    return list.value;
  }

  async function latestIteration(pr: PullRequestRef): Promise<Iteration> {
    const all = await iterations(pr);
    return all.reduce((latest, iteration) => iteration.id > latest.id ? iteration : latest);
  }

  /** Pages with `$top`/`$skip`; the response's `nextSkip` is 0 once there is nothing more. */
  async function iterationChanges(pr: PullRequestRef, iterationId: number): Promise<ChangeEntry[]> {
    const entries: ChangeEntry[] = [];
    let skip = 0;
    let top = 2000;
    for (;;) {
      const page = (await call(
        IterationChanges,
        `list changes of ${describe(pr)} iteration ${iterationId}`,
        `${pullRequestApi(pr)}/iterations/${iterationId}/changes`,
        // Against the common commit (`$compareTo=0`, also the default): the diff `getDiff` builds and anchors to.
        { query: { "$top": String(top), "$skip": String(skip), "$compareTo": "0" } },
      ))!;
      entries.push(...page.changeEntries);
      if (!page.nextSkip || page.changeEntries.length === 0) break;
      skip = page.nextSkip;
      top = page.nextTop || top;
    }
    return entries.filter((entry) => !entry.item.isFolder && entry.item.gitObjectType !== "tree");
  }

  async function getFile(pr: PullRequestRef, path: string, ref: string): Promise<string | null> {
    const isCommit = FULL_HASH.test(ref);
    const item = await call(Item, `get "${path}" at "${ref}" in "${pr.repo}"`, `${repoApi(pr.repo)}/items`, {
      query: {
        path: "/" + path.replace(/^\/+/, ""),
        "versionDescriptor.version": isCommit ? ref : stripHeads(ref),
        "versionDescriptor.versionType": isCommit ? "commit" : "branch",
        includeContent: "true",
      },
      notFoundIsNull: true,
    });
    return item ? item.content ?? "" : null;
  }

  async function listThreads(pr: PullRequestRef): Promise<Thread[]> {
    const list = await call(List(Thread), `list threads of ${describe(pr)}`, `${pullRequestApi(pr)}/threads`);
    return list!.value.filter((thread) => !thread.isDeleted);
  }

  async function createThread(pr: PullRequestRef, operation: string, body: Record<string, unknown>) {
    await paceThread();
    return (await call(Thread, operation, `${pullRequestApi(pr)}/threads`, { method: "POST", body }))!;
  }

  async function postComment(pr: PullRequestRef, body: string): Promise<string> {
    const thread = await createThread(pr, `comment on ${describe(pr)}`, {
      comments: [{ parentCommentId: 0, content: body, commentType: COMMENT_TEXT }],
      // Loom's general comments are notes, not tasks that block completion under a "resolve comments" policy.
      status: THREAD_CLOSED,
    });
    return `${thread.id}:${thread.comments[0]?.id ?? 1}`;
  }

  async function updateComment(pr: PullRequestRef, commentId: string, body: string): Promise<void> {
    const [threadId, id] = splitCommentId(commentId);
    await paceThread();
    await call(
      Comment,
      `update comment "${commentId}" on ${describe(pr)}`,
      `${pullRequestApi(pr)}/threads/${threadId}/comments/${id}`,
      { method: "PATCH", body: { content: body } },
    );
  }

  // The identity behind the PAT, as comment authors carry it (`author.id`).
  async function listComments(pr: PullRequestRef): Promise<ExistingComment[]> {
    return (await listThreads(pr)).flatMap(threadComments);
  }

  const identity = rememberIdentity(async (): Promise<PlatformIdentity> => {
    const data = (await call(
      ConnectionData,
      "read the identity of the Azure DevOps token",
      `${root}/_apis/connectionData`,
      {
        apiVersion: `${apiVersion}-preview.1`,
      },
    ))!;
    return {
      id: data.authenticatedUser.id,
      name: data.authenticatedUser.providerDisplayName ?? data.authenticatedUser.id,
    };
  });

  return {
    ...createDescriptionEditor(call, pullRequestApi),
    platform: "azure_devops",
    identity,
    ...createAzureWorkItems(call, repoApi),

    async getRepository(fullName) {
      const read = await call(AzureRepository, `read repository "${fullName}"`, repoApi(fullName));
      return { id: read!.id, fullName: `${read!.project.name}/${read!.name}` };
    },

    async getPullRequest(pr) {
      const pullRequest = await fetchPullRequest(pr);
      return {
        ref: pr,
        title: pullRequest.title,
        body: pullRequest.description ?? "",
        labels: activeLabels(pullRequest),
        author: pullRequest.createdBy?.uniqueName ?? pullRequest.createdBy?.displayName ?? "",
        draft: pullRequest.isDraft ?? false,
        state: pullRequestState(pullRequest.status),
        headSha: pullRequest.lastMergeSourceCommit.commitId,
        headRef: stripHeads(pullRequest.sourceRefName),
        baseSha: pullRequest.lastMergeTargetCommit.commitId,
        baseRef: stripHeads(pullRequest.targetRefName),
      };
    },

    getFile,

    async getDiff(pr) {
      const iteration = await latestIteration(pr);
      const changes = await iterationChanges(pr, iteration.id);
      const newCommit = iteration.sourceRefCommit.commitId;
      // The merge base is what the web UI compares against; diffing the target tip would add unrelated lines.
      const oldCommit = iteration.commonRefCommit?.commitId ?? iteration.targetRefCommit?.commitId;
      if (!oldCommit) {
        throw new PlatformError(`Cannot diff ${describe(pr)}: iteration ${iteration.id} has no base commit`, {
          platform: "azure_devops",
          retryable: false,
        });
      }
      const paths = changes.map((change) => ({ ...change, path: change.item.path }));
      return await diffFromChanges(paths, { oldCommit, newCommit }, (path, ref) => getFile(pr, path, ref));
    },

    /** `GET …/diffs/commits`, then both versions of each changed file; null when refused (`compare.ts`). */
    async getCompareDiff(pr, baseSha, headSha) {
      const operation = `compare "${baseSha}" with "${headSha}" in "${pr.repo}"`;
      const url = `${repoApi(pr.repo)}/diffs/commits`;
      return await compareCommits(baseSha, headSha, {
        listChanges: (query) => call(CommitDiffs, operation, url, { query, notFoundIsNull: true }),
        readFile: (path, ref) => getFile(pr, path, ref),
      });
    },

    listComments,

    async postReview(pr, review) {
      if (review.comments.length > 0) {
        const iteration = await latestIteration(pr);
        const trackingIds = new Map(
          (await iterationChanges(pr, iteration.id)).map((change) => [
            change.item.path.replace(/^\/+/, ""),
            change.changeTrackingId,
          ]),
        );
        for (const comment of review.comments) {
          const side = comment.side === "LEFT" ? "left" : "right";
          const changeTrackingId = trackingIds.get(comment.path);
          await createThread(pr, `post an inline comment on "${comment.path}" in ${describe(pr)}`, {
            comments: [{ parentCommentId: 0, content: comment.body, commentType: COMMENT_TEXT }],
            status: THREAD_ACTIVE,
            threadContext: {
              filePath: "/" + comment.path,
              [`${side}FileStart`]: { line: comment.startLine ?? comment.line, offset: 1 },
              [`${side}FileEnd`]: { line: comment.line, offset: 1 },
            },
            // Ties the thread to this iteration's change so Azure DevOps moves it along with later pushes. The
            // lines were anchored in the diff from the common commit to this iteration; `CommentIterationContext`
            // names that diff with both iterations equal (first = second means "the common commit on the left").
            // `1 … N` would be the diff between iteration 1 and N, where a removed line's number means another line.
            ...(changeTrackingId === undefined ? {} : {
              pullRequestThreadContext: {
                changeTrackingId,
                iterationContext: {
                  firstComparingIteration: iteration.id,
                  secondComparingIteration: iteration.id,
                },
              },
            }),
          });
        }
      }
      await upsertSummary({ listComments, identity, postComment, updateComment }, pr, review.summary);
    },

    postComment,
    updateComment,

    resolveThreads: (pr, ids, resolution) =>
      resolveAzureThreads(call, { repositoryApi: repoApi(pr.repo), pr, pace: paceThread }, ids, resolution),
    ...azureThreadReplies(call, (pr) => ({ repositoryApi: repoApi(pr.repo), pr, pace: paceThread })),

    async canWrite(pr, user) {
      const { repository } = await fetchPullRequest(pr);
      if (!repository.project.id) {
        throw new PlatformError(`Cannot read permissions in ${describe(pr)}: the project has no id`, {
          platform: "azure_devops",
          retryable: false,
        });
      }
      return await identityCanContribute(
        call,
        { collection: root, identities: identitiesRoot(root) },
        { projectId: repository.project.id, repositoryId: repository.id },
        user,
      );
    },

    async setStatus(pr, status) {
      // A status tied to the iteration of this commit goes stale in the UI once a newer push arrives.
      const iteration = (await iterations(pr)).find((item) =>
        item.sourceRefCommit.commitId.toLowerCase() === status.sha.toLowerCase()
      );
      await call(
        PullRequestStatus,
        `set status on ${describe(pr)}`,
        `${pullRequestApi(pr)}/statuses`,
        {
          method: "POST",
          body: {
            state: STATUS_STATES[status.state],
            description: status.description,
            context: statusContext(status.context, statusGenre),
            ...(status.targetUrl ? { targetUrl: status.targetUrl } : {}),
            ...(iteration ? { iterationId: iteration.id } : {}),
          },
        },
      );
    },
  };
}
