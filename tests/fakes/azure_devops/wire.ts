/**
 * The fake Azure DevOps' answers typed by `azure-devops-node-api`'s interfaces, as they travel: the library
 * declares dates as `Date` and enumerations as numbers because it converts both after reading the JSON, so on the
 * wire a date is an ISO string and an enumeration its camel-cased member name (`"active"`, `"wontFix"`; flag
 * enumerations a comma list such as `"edit, rename"`). Only names the library's enumeration has are accepted.
 */
import type {
  Comment,
  CommentThreadContext,
  CommentThreadStatus,
  CommentType,
  GitChange,
  GitCommitDiffs,
  GitItem,
  GitObjectType,
  GitPullRequest,
  GitPullRequestChange,
  GitPullRequestCommentThread,
  GitPullRequestCommentThreadContext,
  GitPullRequestIteration,
  GitPullRequestIterationChanges,
  GitPullRequestStatus,
  GitRepository,
  GitStatusState,
  IterationReason,
  PullRequestAsyncStatus,
  PullRequestStatus,
  VersionControlChangeType,
} from "azure-devops-node-api/interfaces/GitInterfaces";

/** Answers `body`, checked against the wire type given explicitly (`wireJson<ItemWire>({ … })`). */
export function wireJson<T>(body: NoInfer<T>, init?: ResponseInit): Response {
  return Response.json(body, init);
}

/** `Date` as the ISO string it is sent as, at every depth. */
export type Wire<T> = T extends Date ? string
  : T extends readonly (infer U)[] ? Wire<U>[]
  : T extends object ? { [K in keyof T]: Wire<T[K]> }
  : T;

/** The names an enumeration is sent as. */
export type EnumName<E extends Record<string, string | number>> = Uncapitalize<Extract<keyof E, string>>;
/** A flag enumeration: one name or several joined by ", ". */
export type FlagNames<E extends Record<string, string | number>> = EnumName<E> | `${EnumName<E>}, ${string}`;

/** `T` on the wire, with the fields in `O` (its enumerations and nested wire types) replaced. */
type Over<T, O> = Omit<Wire<T>, keyof O> & O;

export type ThreadStatusName = EnumName<typeof CommentThreadStatus>;
export type CommentTypeName = EnumName<typeof CommentType>;

export type RepositoryWire = Wire<GitRepository>;
export type PullRequestWire = Over<GitPullRequest, {
  status?: EnumName<typeof PullRequestStatus>;
  mergeStatus?: EnumName<typeof PullRequestAsyncStatus>;
  repository?: RepositoryWire;
}>;
export type IterationWire = Over<GitPullRequestIteration, { reason?: FlagNames<typeof IterationReason> }>;
export type ItemWire = Over<GitItem, { gitObjectType?: EnumName<typeof GitObjectType> }>;
export type ChangeWire = Over<GitPullRequestChange, {
  changeType?: FlagNames<typeof VersionControlChangeType>;
  item?: ItemWire;
}>;
export type IterationChangesWire = Over<GitPullRequestIterationChanges, { changeEntries?: ChangeWire[] }>;
/**
 * `GET …/diffs/commits`: `changeCounts` is keyed by change type names (`Edit`) on the wire; the library re-keys it
 * by the enumeration's numbers.
 */
export type CommitChangeWire = Over<GitChange, {
  changeType?: FlagNames<typeof VersionControlChangeType>;
  item?: ItemWire;
}>;
export type CommitDiffsWire = Over<GitCommitDiffs, {
  changes?: CommitChangeWire[];
  changeCounts?: Partial<Record<Capitalize<EnumName<typeof VersionControlChangeType>>, number>>;
}>;
export type CommentWire = Over<Comment, { commentType?: CommentTypeName }>;
/**
 * A thread: a thread on the whole pull request has `threadContext: null`, and `identities` is `null` unless a
 * comment mentions someone, as Azure DevOps' own samples show.
 */
export type ThreadWire = Over<GitPullRequestCommentThread, {
  status?: ThreadStatusName;
  comments?: CommentWire[];
  threadContext?: Wire<CommentThreadContext> | null;
  pullRequestThreadContext?: Wire<GitPullRequestCommentThreadContext>;
  identities?: Wire<GitPullRequestCommentThread["identities"]> | null;
}>;
export type StatusStateName = EnumName<typeof GitStatusState>;
export type StatusWire = Over<GitPullRequestStatus, { state?: StatusStateName }>;

/** The states a pull request status can be posted with (`GitStatusState`). */
export const STATUS_STATES: readonly StatusStateName[] = [
  "notSet",
  "pending",
  "succeeded",
  "failed",
  "error",
  "notApplicable",
  "partiallySucceeded",
];
