/**
 * The contract between Loom and a git platform. Each platform lives in its own folder and implements these
 * small interfaces; optional abilities are separate interfaces detected by type guards.
 */

import type { PlatformId } from "../platform_id.ts";
import type { PullRequestAction } from "../pull_request.ts";
import type { Severity } from "../findings.ts";

export type { PlatformId, PullRequestAction };

/** Identifies one pull request on one platform. `repo` is the platform's full name ("owner/name", "group/sub/project"). */
export interface PullRequestRef {
  platform: PlatformId;
  repo: string;
  number: number;
}

/** A pull-request event Loom acts on, normalised across platforms. */
export interface PullRequestEvent {
  kind: "pull_request";
  action: PullRequestAction;
  deliveryId: string;
  pr: PullRequestRef;
  /** Platform-side numeric or string id of the repository, when the payload carries one. */
  repoId?: string;
  title: string;
  /**
   * Label names the payload carries (GitHub, GitLab, Gitea, Azure DevOps); absent where it carries none
   * (Bitbucket has no labels). The review reads the current labels again from `getPullRequest` when it starts.
   */
  labels?: string[];
  author: string;
  authorIsBot: boolean;
  draft: boolean;
  headSha: string;
  headRef: string;
  baseSha: string;
  baseRef: string;
  /** Head sha before this push, when the platform sends it (GitHub `before`, GitLab `oldrev`). */
  beforeSha?: string;
  /** Whether the platform says the author can write to the repository, when it says so in the payload. */
  authorCanWrite?: boolean;
  /** Whether the repository is public, when the payload says; absent is treated as private (no author budget). */
  repoPublic?: boolean;
}

/** A comment on a pull request (commands such as `@loom review`). */
export interface CommentEvent {
  kind: "comment";
  deliveryId: string;
  pr: PullRequestRef;
  repoId?: string;
  commentId: string;
  body: string;
  author: string;
  /**
   * The platform's stable id of the author (GitHub, GitLab and Gitea user id, Bitbucket account uuid, Azure DevOps
   * identity id), which permission lookups need where names are not unique. Write access is never read from the
   * payload: commands ask the platform (`ChecksWriteAccess`).
   */
  authorId?: string;
  authorIsBot: boolean;
  /** Whether the repository is public, when the payload says; absent is treated as private (no author budget). */
  repoPublic?: boolean;
  /** The review thread the comment was written in, when the platform says (`CommentThread`). */
  thread?: CommentThread;
}

/**
 * Where a comment sits in a review thread. `id` is what `RepliesInThreads` takes: on GitHub the id of the thread's
 * first review comment, on GitLab the discussion id, on Gitea the first review comment's id, on Bitbucket the
 * parent's id, on Azure DevOps the thread id.
 */
export interface CommentThread {
  id: string;
  /** The comment this one answers, where the payload names it (GitHub `in_reply_to_id`, Bitbucket `parent`). */
  inReplyTo?: string;
}

export type WebhookEvent = PullRequestEvent | CommentEvent;

/** Pull-request metadata fetched from the platform API. */
export interface PullRequest {
  ref: PullRequestRef;
  title: string;
  /** The description as the author wrote it (Markdown on every platform), `""` when there is none. */
  body: string;
  /** Label names (Azure DevOps: its active labels), or `null` where the platform has no labels (Bitbucket). */
  labels: string[] | null;
  author: string;
  /**
   * Whether the author is a bot, where the API says (GitHub user type, Bitbucket `app_user`) or its naming rules
   * tell (GitLab and Gitea bot users); absent where neither does. Preferred to the webhook's guess, whose sender
   * may be whoever added a label.
   */
  authorIsBot?: boolean;
  draft: boolean;
  state: "open" | "closed" | "merged";
  headSha: string;
  headRef: string;
  baseSha: string;
  baseRef: string;
}

/** A comment already on the pull request, as read back for dedupe. */
export interface ExistingComment {
  id: string;
  body: string;
  author?: string;
  /** The platform's stable id of the author, compared with `PlatformClient.identity()` to find Loom's own. */
  authorId?: string;
  path?: string;
  line?: number;
  /** True for comments anchored to a line of the diff. */
  inline: boolean;
  /** Thumbs-down reactions, where the listing says (GitHub's `reactions` rollup); absent when it does not. */
  thumbsDown?: number;
}

/** One inline comment, anchored to a line that exists on `side` of the diff. */
export interface InlineComment {
  path: string;
  /** Line number in the file on `side` (new file for RIGHT, old file for LEFT). */
  line: number;
  side: "LEFT" | "RIGHT";
  /** First line of a multi-line range, on the same side and in the same hunk. */
  startLine?: number;
  body: string;
  /** The finding's severity, for platforms that mark blockers (Bitbucket Data Center's blocker comments). */
  severity?: Severity;
}

/** The overall verdict posted with a review. */
export type ReviewEvent = "COMMENT" | "APPROVE" | "REQUEST_CHANGES";

/** Everything one review posts: a summary and inline comments, in one batch where the platform allows. */
export interface ReviewOutput {
  headSha: string;
  summary: string;
  comments: InlineComment[];
  event: ReviewEvent;
}

export type CommitState = "pending" | "success" | "failure" | "error";

export interface CommitStatus {
  sha: string;
  state: CommitState;
  description: string;
  targetUrl?: string;
  context?: string;
}

/** Who a client acts as: the author of every comment Loom posts through it. */
export interface PlatformIdentity {
  /** The platform's stable user id, as comments report it in `ExistingComment.authorId`. */
  id: string;
  /** Login or display name, for logs. */
  name: string;
}

/** The API client every platform implements. */
export interface PlatformClient {
  readonly platform: PlatformId;
  /** Loom's own identity on the platform for this client's credential, asked once and remembered. */
  identity(): Promise<PlatformIdentity>;
  getPullRequest(pr: PullRequestRef): Promise<PullRequest>;
  /** File content at `ref`, or `null` when the file does not exist there. */
  getFile(pr: PullRequestRef, path: string, ref: string): Promise<string | null>;
  /** The pull request's unified diff (`diff --git` format), built from per-file patches when the platform must. */
  getDiff(pr: PullRequestRef): Promise<string>;
  listComments(pr: PullRequestRef): Promise<ExistingComment[]>;
  postReview(pr: PullRequestRef, review: ReviewOutput): Promise<void>;
  /** Posts a general (non-inline) comment and returns its id. */
  postComment(pr: PullRequestRef, body: string): Promise<string>;
  updateComment(pr: PullRequestRef, commentId: string, body: string): Promise<void>;
  setStatus(pr: PullRequestRef, status: CommitStatus): Promise<void>;
}

/** Webhook verification and parsing for one platform; pure apart from crypto. */
export interface WebhookParser {
  readonly platform: PlatformId;
  /**
   * Checks authenticity on the raw body before anything is parsed. Returns false for a missing or wrong
   * signature. Must compare in constant time.
   */
  verify(headers: Headers, rawBody: Uint8Array, secret: string): Promise<boolean>;
  /** The platform's delivery id for replay protection, or null when the request carries none. */
  deliveryId(headers: Headers, body: unknown): string | null;
  /** The repository full name a payload is about (to look up its secret before verifying), or null. */
  repoName(headers: Headers, body: unknown): string | null;
  /** The event Loom acts on, or null for events it ignores. Throws `TypeError` for a malformed payload. */
  parse(headers: Headers, body: unknown): WebhookEvent | null;
}

// Optional abilities: a client has one when it has the method; each guard below tells which. Declared together
// here so that what a platform can do beyond the contract is read in one place.

/** Optional ability: the diff between two commits of the pull request's repository (incremental review). */
export interface ComparesCommits {
  /**
   * The unified diff from `baseSha` to `headSha`, or null when history does not allow a clean comparison:
   * `baseSha` is gone (force-push), is not an ancestor of `headSha`, or the comparison is too large.
   */
  getCompareDiff(pr: PullRequestRef, baseSha: string, headSha: string): Promise<string | null>;
}

/** Whether `client` can compare two commits. */
export function canCompareCommits(client: PlatformClient): client is PlatformClient & ComparesCommits {
  return typeof (client as Partial<ComparesCommits>).getCompareDiff === "function";
}

/** One text file of a repository snapshot. */
export interface RepositoryFile {
  /** Relative to the repository root, `/`-separated. */
  path: string;
  text: string;
}

/** What reading a snapshot left out; final once its files have been iterated. */
export interface RepositoryArchiveStats {
  /** Files given. */
  files: number;
  /** Uncompressed bytes of the entries read, skipped ones included. */
  bytes: number;
  /** Files over the size cap. */
  skippedLarge: number;
  /** Files that are not UTF-8 text. */
  skippedBinary: number;
  /** Files the reader's filter did not want. */
  skippedUnwanted: number;
  /** Reading stopped at the total-size or file-count cap: the snapshot is incomplete. */
  truncated: boolean;
}

/** Caps on reading a snapshot (defaults in `archive.ts`: 256 KB per file, 200 MB, 20,000 files). */
export interface ArchiveLimits {
  /**
   * Larger files are skipped. Source files over 256 KB are nearly always generated or vendored, and the index has
   * nothing to gain from them.
   */
  maxFileBytes?: number;
  /** Reading stops after this many uncompressed bytes of entries (skipped ones included). */
  maxTotalBytes?: number;
  /** Reading stops after this many files were given. */
  maxFiles?: number;
  /** Whether a path is worth reading at all; unwanted files are skipped before their bytes are buffered. */
  wanted?(path: string): boolean;
}

/** A repository snapshot read as it downloads (`readTarGz` in `archive.ts`). */
export interface RepositoryArchive {
  /** Iterate once; the download is cancelled when iteration stops early. */
  files: AsyncIterable<RepositoryFile>;
  stats: RepositoryArchiveStats;
}

/**
 * Optional ability: the repository's tree at one commit as one archive download (the code index is built from
 * it), instead of one request per file.
 */
export interface ReadsArchive {
  /**
   * @param limits size caps and a path filter (`ArchiveLimits` in `archive.ts`)
   * @throws {PlatformError} when the platform refuses or fails the download; reading a corrupt or cut-off archive
   *   throws while iterating
   */
  getArchive(
    pr: PullRequestRef,
    sha: string,
    options?: { signal?: AbortSignal; limits?: ArchiveLimits },
  ): Promise<RepositoryArchive>;
}

export function canReadArchive(client: PlatformClient): client is PlatformClient & ReadsArchive {
  return typeof (client as Partial<ReadsArchive>).getArchive === "function";
}

/** A repository as its platform describes it to a credential that can read it. */
export interface PlatformRepository {
  /** The platform's stable id, which a rename keeps (GitHub's numeric id, Bitbucket's `{uuid}`, …). */
  id: string;
  /** Its current full name, spelled as the platform spells it. */
  fullName: string;
}

/** Ability: read a repository by name, as connecting one does to prove the credential can read it. */
export interface ReadsRepository {
  /**
   * @throws {PlatformError} with the platform's status: 404 (or 403) when the credential cannot read it, 401
   *   when the platform refuses the credential itself
   */
  getRepository(fullName: string): Promise<PlatformRepository>;
}

export function canReadRepository(client: PlatformClient): client is PlatformClient & ReadsRepository {
  return typeof (client as Partial<ReadsRepository>).getRepository === "function";
}

/** The push that made findings outdated: what a resolving reply names. */
export interface ThreadResolution {
  /** The reviewed head commit that no longer has the findings. */
  headSha: string;
}

/**
 * Optional ability: resolve the threads of Loom's inline comments whose findings a later push fixed, each with a
 * reply naming the commit (`resolvedReply` in `resolved_reply.ts`). A thread that is already resolved is left
 * alone. Where the platform has no resolved state for a thread, the reply alone marks it.
 */
export interface ResolvesThreads {
  resolveThreads(pr: PullRequestRef, commentIds: string[], resolution: ThreadResolution): Promise<void>;
}

export function canResolveThreads(client: PlatformClient): client is PlatformClient & ResolvesThreads {
  return typeof (client as Partial<ResolvesThreads>).resolveThreads === "function";
}

/**
 * Optional ability: read the comments of one review thread and reply inside it, so an answer lands where the
 * question was asked. `threadId` is `CommentThread.id` of a comment in that thread.
 */
export interface RepliesInThreads {
  /** The thread's comments, its first comment first, then the replies oldest first; empty for an unknown thread. */
  listThreadComments(pr: PullRequestRef, threadId: string): Promise<ExistingComment[]>;
  /** Posts `body` as a reply in the thread and returns the new comment's id. */
  replyInThread(pr: PullRequestRef, threadId: string, body: string): Promise<string>;
}

export function canReplyInThreads(client: PlatformClient): client is PlatformClient & RepliesInThreads {
  const candidate = client as Partial<RepliesInThreads>;
  return typeof candidate.listThreadComments === "function" && typeof candidate.replyInThread === "function";
}

/** Who a permission question is about: the name a webhook gives and, where the platform needs it, the stable id. */
export interface PlatformUser {
  login: string;
  /** Required where names are not unique or not accepted by the permission API (Bitbucket, Azure DevOps). */
  id?: string;
}

/**
 * Optional ability: whether a user may push to the repository of a pull request, as the platform's permission API
 * answers now. False for a user the platform does not know; throws `PlatformError` when the platform cannot tell.
 */
export interface ChecksWriteAccess {
  canWrite(pr: PullRequestRef, user: PlatformUser): Promise<boolean>;
}

export function canCheckWriteAccess(client: PlatformClient): client is PlatformClient & ChecksWriteAccess {
  return typeof (client as Partial<ChecksWriteAccess>).canWrite === "function";
}

/**
 * Platforms whose API says who reacted to a comment: GitHub (reactions), GitLab (award emoji), Gitea (reactions).
 * Bitbucket Cloud, Bitbucket Data Center and Azure DevOps have no reactions on pull-request comments.
 */
export interface ReadsReactions {
  /** The logins that gave `comment` (one of `listComments`') a thumbs-down, in the platform's order. */
  thumbsDownOn(pr: PullRequestRef, comment: ExistingComment): Promise<string[]>;
}

export function canReadReactions(client: PlatformClient): client is PlatformClient & ReadsReactions {
  return typeof (client as Partial<ReadsReactions>).thumbsDownOn === "function";
}

/** A line range of the reviewed commit that a check run points at, with the finding's weight as the level. */
export interface CheckAnnotation {
  path: string;
  /** New-file lines, 1-based; `endLine` ≥ `startLine`. */
  startLine: number;
  endLine: number;
  level: "notice" | "warning" | "failure";
  title: string;
  message: string;
}

/**
 * How a check run ends: the GitHub conclusions Loom sets. Not `neutral`, which GitHub counts as passing a
 * required check.
 */
export type CheckConclusion = "success" | "failure" | "action_required" | "cancelled";

/**
 * Optional ability: a check run per review with line annotations — GitHub's check run (Apps only), in place of the
 * commit status, or Bitbucket's Code Insights report, beside the build status.
 */
export interface PublishesChecks {
  /** True when the check run is the review's status (GitHub); false when the status is still set (Bitbucket). */
  readonly checkReplacesStatus: boolean;
  /**
   * Starts an in-progress check run named `name` on `sha` and returns its id. A platform whose report has no
   * in-progress state (Bitbucket) only names it here and writes it when it is finished.
   */
  startCheckRun(
    pr: PullRequestRef,
    run: { sha: string; name: string; title: string; summary: string; detailsUrl?: string },
  ): Promise<string>;
  /**
   * Completes the check run with `conclusion`, adding every annotation (in as many requests as the platform's
   * per-request limit needs). A `cancelled` run that the platform never showed is left unwritten.
   */
  finishCheckRun(
    pr: PullRequestRef,
    id: string,
    result: { conclusion: CheckConclusion; title: string; summary: string; annotations: CheckAnnotation[] },
  ): Promise<void>;
}

/** Whether `client` publishes check runs (a GitHub client with App credentials; a token cannot). */
export function canPublishChecks(client: PlatformClient): client is PlatformClient & PublishesChecks {
  return typeof (client as Partial<PublishesChecks>).startCheckRun === "function";
}

/**
 * A ticket a pull request refers to on its own platform's tracker: an issue (GitHub, Gitea, GitLab, Bitbucket
 * Cloud), a merge request (GitLab `!12`) or a work item (Azure DevOps). `repo` is another repository of the same
 * instance (`owner/name#12`), absent for the pull request's own.
 */
export type IssueRef =
  | { kind: "issue"; repo?: string; number: number }
  | { kind: "merge_request"; repo?: string; number: number }
  | { kind: "work_item"; id: number };

/** A ticket's text as its tracker gives it; untrusted, fenced and redacted before any model sees it. */
export interface IssueText {
  title: string;
  /** The description, "" when none (Azure DevOps' HTML description is given as text). */
  body: string;
  /** The tracker's state word: `open`, `closed`, `opened`, `merged`, `Active`, `Resolved`, … */
  state?: string;
  /** The first comments, oldest first, as `author: text`; absent where they are not read. */
  comments?: string[];
  url?: string;
}

/**
 * Optional ability: read the tickets a pull request refers to from the platform's own tracker. GitHub, Gitea,
 * GitLab (issues and merge requests), Azure DevOps (work items) and Bitbucket Cloud (its issue tracker, where the
 * repository has it enabled); Bitbucket Data Center has no tracker of its own (its tickets live in Jira).
 */
export interface ReadsIssues {
  /**
   * @throws {PlatformError} with the tracker's status: 404 for a ticket that does not exist (or a tracker that is
   *   disabled), 403 or 401 for one the credential may not read
   */
  getIssue(pr: PullRequestRef, issue: IssueRef): Promise<IssueText>;
  /** Tickets linked to the pull request itself rather than named in its text (Azure DevOps work items). */
  listLinkedIssues?(pr: PullRequestRef): Promise<IssueRef[]>;
}

export function canReadIssues(client: PlatformClient): client is PlatformClient & ReadsIssues {
  return typeof (client as Partial<ReadsIssues>).getIssue === "function";
}

/**
 * Optional ability: replace the pull request's description. Loom writes only its own marked section
 * (`lib/describe/section.ts`); the body given here is the author's text with that section spliced in, built from
 * a description read just before.
 */
export interface EditsDescription {
  /** The most characters the platform stores (Azure DevOps refuses more than 4,000); absent when not limited. */
  readonly maxDescriptionLength?: number;
  updateDescription(pr: PullRequestRef, body: string): Promise<void>;
}

export function canEditDescription(client: PlatformClient): client is PlatformClient & EditsDescription {
  return typeof (client as Partial<EditsDescription>).updateDescription === "function";
}

/** An error from a platform API; `retryable` tells the queue whether to try again. */
export class PlatformError extends Error {
  readonly platform: PlatformId;
  readonly status?: number;
  readonly retryable: boolean;
  constructor(
    message: string,
    options: { platform: PlatformId; status?: number; retryable?: boolean; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = "PlatformError";
    this.platform = options.platform;
    this.status = options.status;
    this.retryable = options.retryable ??
      (options.status === undefined || options.status === 408 || options.status === 409 ||
        options.status === 429 || options.status >= 500);
  }
}
