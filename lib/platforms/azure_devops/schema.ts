/**
 * Zod schemas for the Azure DevOps fields Loom reads, from service-hook payloads and REST responses (spec
 * `vsts-rest-api-specs/specification/git/7.1/git.json`). Everything else is ignored.
 */
import { z } from "zod";

export const Identity = z.object({
  id: z.string().nullish(),
  displayName: z.string().nullish(),
  uniqueName: z.string().nullish(),
});
export type Identity = z.infer<typeof Identity>;

const CommitRef = z.object({ commitId: z.string().min(1) });

export const Repository = z.object({
  id: z.string(),
  name: z.string().min(1),
  /** `visibility`: `private` or `public` (a public project's repositories are readable by anyone). */
  project: z.object({ id: z.string().nullish(), name: z.string().min(1), visibility: z.string().nullish() }),
});

export const GitPullRequest = z.object({
  repository: Repository,
  pullRequestId: z.number().int().positive(),
  /** active | abandoned | completed */
  status: z.string(),
  createdBy: Identity.nullish(),
  title: z.string(),
  /** At most 4,000 characters (the service refuses a longer one). */
  description: z.string().nullish(),
  sourceRefName: z.string(),
  targetRefName: z.string(),
  lastMergeSourceCommit: CommitRef,
  lastMergeTargetCommit: CommitRef,
  isDraft: z.boolean().nullish(),
  /** `WebApiTagDefinition`s; a label taken off stays listed with `active: false`. */
  labels: z.array(z.object({ name: z.string(), active: z.boolean().nullish() })).nullish(),
});

/** The names of a pull request's active labels. */
export function activeLabels(pullRequest: GitPullRequest): string[] {
  return (pullRequest.labels ?? []).filter((label) => label.active !== false).map((label) => label.name);
}
export type GitPullRequest = z.infer<typeof GitPullRequest>;

export const Comment = z.object({
  id: z.number().int(),
  content: z.string().nullish(),
  /** text | system | codeChange */
  commentType: z.string().nullish(),
  author: Identity.nullish(),
  isDeleted: z.boolean().nullish(),
  publishedDate: z.string().nullish(),
  lastContentUpdatedDate: z.string().nullish(),
  /** The comment this one answers within its thread; 0 for the thread's first comment. */
  parentCommentId: z.number().int().nullish(),
  "_links": z.object({ threads: z.object({ href: z.string() }).nullish() }).nullish(),
});
export type Comment = z.infer<typeof Comment>;

/** The envelope of every service-hook notification. */
export const Notification = z.object({
  id: z.string().nullish(),
  subscriptionId: z.string().nullish(),
  notificationId: z.number().nullish(),
  eventType: z.string(),
  resource: z.unknown(),
});

export const CommentResource = z.object({
  comment: Comment,
  pullRequest: GitPullRequest,
});

const FilePosition = z.object({ line: z.number().int(), offset: z.number().int().nullish() });

export const Thread = z.object({
  id: z.number().int(),
  status: z.union([z.string(), z.number()]).nullish(),
  isDeleted: z.boolean().nullish(),
  threadContext: z.object({
    filePath: z.string(),
    rightFileStart: FilePosition.nullish(),
    rightFileEnd: FilePosition.nullish(),
    leftFileStart: FilePosition.nullish(),
    leftFileEnd: FilePosition.nullish(),
  }).nullish(),
  comments: z.array(Comment),
});
export type Thread = z.infer<typeof Thread>;

export const Iteration = z.object({
  id: z.number().int(),
  sourceRefCommit: CommitRef,
  targetRefCommit: CommitRef.nullish(),
  /** The merge base; what the web UI compares against. */
  commonRefCommit: CommitRef.nullish(),
});
export type Iteration = z.infer<typeof Iteration>;

export const ChangeEntry = z.object({
  changeTrackingId: z.number().int(),
  changeId: z.number().int().nullish(),
  item: z.object({ path: z.string(), gitObjectType: z.string().nullish(), isFolder: z.boolean().nullish() }),
  originalPath: z.string().nullish(),
  /** add | edit | delete | rename, or several joined by ", " ("edit, rename"). */
  changeType: z.string(),
});
export type ChangeEntry = z.infer<typeof ChangeEntry>;

/** `GET …/diffs/commits` (`GitCommitDiffs`): the fields Loom reads. */
export const CommitDiffs = z.object({
  allChangesIncluded: z.boolean().nullish(),
  changes: z.array(z.object({
    changeType: z.string(),
    item: z.object({
      path: z.string(),
      gitObjectType: z.string().nullish(),
      isFolder: z.boolean().nullish(),
    }),
    // Commit diffs name a rename's old path `sourceServerItem`; iteration changes call it `originalPath`.
    sourceServerItem: z.string().nullish(),
    originalPath: z.string().nullish(),
  })),
  commonCommit: z.string(),
  behindCount: z.number().int().nullish(),
});
export type CommitDiffs = z.infer<typeof CommitDiffs>;

export const IterationChanges = z.object({
  changeEntries: z.array(ChangeEntry),
  nextSkip: z.number().int().nullish(),
  nextTop: z.number().int().nullish(),
});

export const Item = z.object({ content: z.string().nullish(), gitObjectType: z.string().nullish() });

/** `{ count, value }`, the shape of every Azure DevOps list response. */
export function List<T extends z.ZodType>(item: T) {
  return z.object({ value: z.array(item) });
}

export const ConnectionData = z.object({
  authenticatedUser: z.object({ id: z.string(), providerDisplayName: z.string().nullish() }),
});

export const PullRequestStatus = z.object({ id: z.number().int() });

/** A repository, as connecting reads it (`getRepository`). */
export const AzureRepository = z.object({
  id: z.string(),
  name: z.string(),
  project: z.object({ name: z.string() }),
});
