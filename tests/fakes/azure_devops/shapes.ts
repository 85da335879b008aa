/**
 * How the fake Azure DevOps writes its answers: pull requests, iterations and their changes (stable
 * `changeTrackingId`s, renames), threads and comments, identities, and Azure DevOps' error body.
 */
import type { IdentityRef } from "azure-devops-node-api/interfaces/common/VSSInterfaces";
import type {
  FakeAzureComment,
  FakeAzureStatus,
  FakeAzureThread,
  Iteration,
  StoredPullRequest,
} from "./types.ts";
import type {
  ChangeWire,
  CommentTypeName,
  CommentWire,
  IterationWire,
  PullRequestWire,
  StatusStateName,
  StatusWire,
  ThreadStatusName,
  ThreadWire,
  Wire,
} from "./wire.ts";

export const THREAD_STATUS: Record<number, ThreadStatusName> = {
  0: "unknown",
  1: "active",
  2: "fixed",
  3: "wontFix",
  4: "closed",
  5: "byDesign",
  6: "pending",
};
export const COMMENT_TYPE: Record<number, CommentTypeName> = {
  0: "unknown",
  1: "text",
  2: "codeChange",
  3: "system",
};

export function azureError(
  status: number,
  message: string,
  typeKey = "InvalidArgumentValueException",
): Response {
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

/** `value` as one of `names`; a stored value Azure DevOps would never send fails the request instead. */
function named<T extends string>(names: Record<number, T>, value: string, what: string): T {
  const found = Object.values(names).find((name) => name === value);
  if (found === undefined) throw new Error(`the fake holds a ${what} Azure DevOps does not have: "${value}"`);
  return found;
}

export function identity(name: string): Wire<IdentityRef> {
  return { id: `id-${name}`, displayName: name, uniqueName: name };
}

export function pullRequestJson(
  pr: StoredPullRequest,
  origin: string,
  organization: string,
): PullRequestWire {
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
    description: pr.seed.body ?? "",
    sourceRefName: `refs/heads/${pr.seed.headRef}`,
    targetRefName: `refs/heads/${pr.seed.baseRef}`,
    mergeStatus: "succeeded",
    isDraft: pr.seed.draft ?? false,
    labels: (pr.seed.labels ?? []).map((label) => ({
      id: `label-${label.toLowerCase()}`,
      name: label,
      active: true,
    })),
    lastMergeSourceCommit: { commitId: pr.headSha },
    lastMergeTargetCommit: { commitId: pr.seed.baseSha },
    supportsIterations: true,
    url: `${origin}/${organization}/${project}/_apis/git/repositories/${name}/pullRequests/${pr.seed.number}`,
  };
}

export function iterationJson(iteration: Iteration): IterationWire {
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

/**
 * What changed in an iteration, from its merge base to its head, as `iterations/{id}/changes` lists it.
 * @param commitTree the files of a commit of the repository
 */
export function changesOf(
  pr: StoredPullRequest,
  iteration: Iteration,
  commitTree: (repo: string, sha: string) => Map<string, string> | undefined,
) {
  const before = commitTree(pr.seed.repo, iteration.commonCommit) ?? new Map<string, string>();
  const after = commitTree(pr.seed.repo, iteration.sourceCommit) ?? new Map<string, string>();
  const entries: ChangeWire[] = [];
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

export function commentJson(comment: FakeAzureComment): CommentWire {
  return {
    id: comment.id,
    parentCommentId: comment.parentCommentId,
    author: identity(comment.author),
    content: comment.content,
    publishedDate: "2026-01-01T00:00:00Z",
    lastUpdatedDate: "2026-01-01T00:00:00Z",
    lastContentUpdatedDate: "2026-01-01T00:00:00Z",
    commentType: named(COMMENT_TYPE, comment.commentType, "comment type"),
    usersLiked: [],
  };
}

export function threadJson(thread: FakeAzureThread): ThreadWire {
  return {
    id: thread.id,
    publishedDate: "2026-01-01T00:00:00Z",
    lastUpdatedDate: "2026-01-01T00:00:00Z",
    comments: thread.comments.map(commentJson),
    status: named(THREAD_STATUS, thread.status, "thread status"),
    // Both contexts are stored as Loom posted them; the fake checks only `filePath` (`postThread`).
    threadContext: (thread.threadContext ?? null) as ThreadWire["threadContext"],
    ...(thread.pullRequestThreadContext
      ? {
        pullRequestThreadContext: thread.pullRequestThreadContext as ThreadWire["pullRequestThreadContext"],
      }
      : {}),
    properties: {},
    identities: null,
    isDeleted: false,
  };
}

/** A pull request status as `POST …/statuses` answers it (`state` already checked against `GitStatusState`). */
export function statusJson(
  status: FakeAzureStatus,
  state: StatusStateName,
  creator: Wire<IdentityRef>,
): StatusWire {
  return {
    id: status.id,
    state,
    description: status.description,
    context: status.context,
    targetUrl: status.targetUrl,
    iterationId: status.iterationId,
    createdBy: creator,
    creationDate: "2026-01-01T00:00:00Z",
  };
}
