/**
 * GitLab REST client on `@gitbeaker/rest`, sending through an injectable `fetch`.
 * Reference: platforms.md §3.2; GitLab `lib/api/merge_requests.rb`, `lib/api/entities/diff.rb`.
 */
import type { Gitlab } from "@gitbeaker/rest";
import { z } from "zod";
import {
  type ChecksWriteAccess,
  type CommitState,
  type CommitStatus,
  type EditsDescription,
  type ExistingComment,
  type InlineComment,
  type PlatformClient,
  PlatformError,
  type PlatformIdentity,
  type PlatformUser,
  type PullRequest,
  type PullRequestRef,
  type ReadsArchive,
  type ReadsIssues,
  type ReadsRepository,
  type RepliesInThreads,
  type ResolvesThreads,
  type ReviewOutput,
} from "../types.ts";
import { createFetchRequester } from "./_requester.ts";
import { createDescriptionEditor } from "./description.ts";
import { isBotUsername } from "./webhook.ts";
import { GitLabDiffFile, type HunkLine, isWithheld, lineCode, toUnifiedDiff, walkHunks } from "./_diff.ts";
import { withPlatformContext } from "../errors.ts";
import { resolvedReply } from "../resolved_reply.ts";
import { rememberIdentity } from "../own_comments.ts";
import { createGitLabIssues } from "./issues.ts";
import { appendUnanchored, upsertSummary } from "../summary_comment.ts";
import { Discussion, gitLabThreadReplies, Note } from "./thread_replies.ts";
import { gitlabArchive } from "../archive_download.ts";

/** Options for {@linkcode createGitLabClient}. */
export interface GitLabClientOptions {
  /** Instance root such as `https://gitlab.com` (a trailing `/api/v4` is accepted too). */
  baseUrl: string;
  /** Personal, project or group access token with the `api` scope. */
  token: string;
  fetch?: typeof fetch;
  /**
   * Pauses between re-reads of a merge request whose `diff_refs` is still null because GitLab is generating its
   * diff. One re-read per entry; defaults to 0.5, 1, 2 and 4 seconds.
   */
  diffRefsRetryDelaysMs?: readonly number[];
}

const DiffRefs = z.object({ "base_sha": z.string(), "start_sha": z.string(), "head_sha": z.string() });
type DiffRefs = z.infer<typeof DiffRefs>;

const MergeRequest = z.object({
  "iid": z.number(),
  "title": z.string(),
  "description": z.string().nullish(),
  "state": z.string(),
  "draft": z.boolean().optional(),
  "work_in_progress": z.boolean().optional(),
  "sha": z.string().nullish(),
  "source_branch": z.string(),
  "target_branch": z.string(),
  "author": z.object({ "username": z.string() }),
  "diff_refs": DiffRefs.nullish(),
  // Names by default; objects with `with_labels_details=true`.
  "labels": z.array(z.union([z.string(), z.object({ "name": z.string() })])).nullish(),
});
type MergeRequest = z.infer<typeof MergeRequest>;

const Member = z.object({
  "username": z.string(),
  "access_level": z.number(),
  /** `active`, or `awaiting`/`blocked` for members who cannot use their role yet or any more. */
  "state": z.string().nullish(),
});

/** GitLab's Developer role (30): the lowest that can push. */
const GITLAB_DEVELOPER = 30;

type PositionOption = NonNullable<
  Parameters<InstanceType<typeof Gitlab>["MergeRequestDiscussions"]["create"]>[3]
>[
  "position"
];

const DEFAULT_DIFF_REFS_DELAYS_MS = [500, 1000, 2000, 4000];

/** GitLab has no `error` commit state; both failure kinds show as `failed`. */
const COMMIT_STATES: Record<CommitState, "pending" | "success" | "failed"> = {
  pending: "pending",
  success: "success",
  failure: "failed",
  error: "failed",
};

/** A GitLab `position` for one discussion; see platforms.md §3.2 for the rules on `old_line`/`new_line`. */
export interface GitLabPosition {
  position_type: "text";
  base_sha: string;
  start_sha: string;
  head_sha: string;
  old_path: string;
  new_path: string;
  new_line?: number;
  old_line?: number;
  line_range?: {
    start: GitLabLineRangeEnd;
    end: GitLabLineRangeEnd;
  };
}

/** One end of a multi-line `line_range`. */
export interface GitLabLineRangeEnd {
  line_code: string;
  type: "new" | "old";
  new_line?: number;
  old_line?: number;
}

function normalizeBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, "").replace(/\/api\/v4$/, "");
}

function describe(pr: PullRequestRef): string {
  return `${pr.repo}!${pr.number}`;
}

/** Adds what Loom was doing to an error from the requester, keeping its status and retry decision. */
function wrap(message: string, error: unknown): PlatformError {
  return withPlatformContext("gitlab", message, error);
}

function lineFields(line: HunkLine): { new_line?: number; old_line?: number } {
  // Added lines take only `new_line`, removed lines only `old_line`, unchanged lines need both.
  if (line.type === "new") return { new_line: line.newLine };
  if (line.type === "old") return { old_line: line.oldLine };
  return { old_line: line.oldLine, new_line: line.newLine };
}

function findLine(lines: readonly HunkLine[], side: "LEFT" | "RIGHT", number: number): HunkLine | undefined {
  return side === "RIGHT"
    ? lines.find((line) => line.type !== "old" && line.newLine === number)
    : lines.find((line) => line.type !== "new" && line.oldLine === number);
}

/** Builds the discussion position for `comment`, or null when its lines are not in the merge request's diff. */
async function buildPosition(
  comment: InlineComment,
  file: GitLabDiffFile,
  diffRefs: DiffRefs,
): Promise<GitLabPosition | null> {
  if (isWithheld(file) || !file.diff) return null;
  const lines = walkHunks(file.diff);
  const end = findLine(lines, comment.side, comment.line);
  if (!end) return null;
  const position: GitLabPosition = {
    position_type: "text",
    base_sha: diffRefs.base_sha,
    start_sha: diffRefs.start_sha,
    head_sha: diffRefs.head_sha,
    old_path: file.old_path,
    new_path: file.new_path,
    ...lineFields(end),
  };
  if (comment.startLine !== undefined && comment.startLine < comment.line) {
    const start = findLine(lines, comment.side, comment.startLine);
    if (start) {
      const rangeEnd = async (line: HunkLine): Promise<GitLabLineRangeEnd> => ({
        line_code: await lineCode(file.new_path, line),
        type: line.type === "new" ? "new" : "old",
        ...lineFields(line),
      });
      position.line_range = { start: await rangeEnd(start), end: await rangeEnd(end) };
    }
  }
  return position;
}

function toAuthorId(id: number | undefined): string | undefined {
  return id === undefined ? undefined : String(id);
}

/**
 * Creates a `PlatformClient` for GitLab.com or a self-managed GitLab (15.7+ for the `/diffs` endpoint).
 * @param options instance URL, token and optional `fetch`
 * @returns a client whose errors are all `PlatformError`
 */
/**
 * GitLab's optional abilities: comparing two commits (incremental reviews), resolving discussions and telling
 * who may push.
 */
export interface GitLabAbilities
  extends
    ResolvesThreads,
    RepliesInThreads,
    ChecksWriteAccess,
    ReadsRepository,
    EditsDescription,
    ReadsIssues {
  /**
   * The diff between the trees of `baseSha` and `headSha` (`straight`, so a force-pushed head still compares), or
   * null when a commit is unknown or GitLab withheld part of the comparison.
   */
  getCompareDiff(pr: PullRequestRef, baseSha: string, headSha: string): Promise<string | null>;
}

export function createGitLabClient(
  options: GitLabClientOptions,
): PlatformClient & GitLabAbilities & ReadsArchive {
  // gitbeaker is imported on the first call, so only processes that talk to GitLab hold it (about 17 MB resident).
  let sdk: Promise<InstanceType<typeof Gitlab>> | undefined;
  const api = () =>
    sdk ??= import("@gitbeaker/rest").then(({ Gitlab }) =>
      new Gitlab({
        host: normalizeBaseUrl(options.baseUrl),
        token: options.token,
        requesterFn: createFetchRequester(options.fetch ?? fetch),
        // Per-request timers would outlive short jobs; the worker's job timeout bounds every call instead.
        queryTimeout: null,
      })
    );
  const delays = options.diffRefsRetryDelaysMs ?? DEFAULT_DIFF_REFS_DELAYS_MS;

  async function loadMergeRequest(pr: PullRequestRef): Promise<MergeRequest & { diff_refs: DiffRefs }> {
    for (let attempt = 0;; attempt += 1) {
      const mergeRequest = MergeRequest.parse(await (await api()).MergeRequests.show(pr.repo, pr.number));
      if (mergeRequest.diff_refs) return { ...mergeRequest, diff_refs: mergeRequest.diff_refs };
      // Right after creation or a push GitLab computes the diff asynchronously and reports `diff_refs: null`.
      if (attempt >= delays.length) {
        throw new PlatformError(`"diff_refs" is still null after ${attempt + 1} reads`, {
          platform: "gitlab",
          retryable: true,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, delays[attempt]));
    }
  }

  async function loadDiffFiles(pr: PullRequestRef): Promise<GitLabDiffFile[]> {
    const files = await (await api()).MergeRequests.allDiffs(pr.repo, pr.number, { perPage: 100 });
    return z.array(GitLabDiffFile).parse(files);
  }

  const identity = rememberIdentity(async (): Promise<PlatformIdentity> => {
    try {
      const user = z.object({ "id": z.number(), "username": z.string() })
        .parse(await (await api()).Users.showCurrentUser());
      return { id: String(user.id), name: user.username };
    } catch (error) {
      throw wrap("Cannot read the identity of the GitLab token", error);
    }
  });

  const client: PlatformClient & GitLabAbilities & ReadsArchive = {
    platform: "gitlab",
    identity,
    ...createDescriptionEditor(api),
    ...createGitLabIssues(api),
    ...gitlabArchive(options),

    async getRepository(fullName) {
      try {
        const project = z.object({ "id": z.number(), "path_with_namespace": z.string() })
          .parse(await (await api()).Projects.show(fullName));
        return { id: String(project.id), fullName: project.path_with_namespace };
      } catch (error) {
        throw wrap(`Cannot read project "${fullName}"`, error);
      }
    },

    async getPullRequest(pr) {
      try {
        const mergeRequest = await loadMergeRequest(pr);
        const state: PullRequest["state"] = mergeRequest.state === "merged"
          ? "merged"
          : mergeRequest.state === "closed"
          ? "closed"
          : "open";
        return {
          ref: pr,
          title: mergeRequest.title,
          body: mergeRequest.description ?? "",
          labels: (mergeRequest.labels ?? []).map((label) => typeof label === "string" ? label : label.name),
          author: mergeRequest.author.username,
          authorIsBot: isBotUsername(mergeRequest.author.username),
          draft: mergeRequest.draft ?? mergeRequest.work_in_progress ?? false,
          state,
          headSha: mergeRequest.diff_refs.head_sha,
          headRef: mergeRequest.source_branch,
          // The merge base, which diffs and inline positions are relative to (not the target branch tip).
          baseSha: mergeRequest.diff_refs.base_sha,
          baseRef: mergeRequest.target_branch,
        };
      } catch (error) {
        throw wrap(`Cannot get merge request "${describe(pr)}"`, error);
      }
    },

    async getFile(pr, path, ref) {
      try {
        const content = await (await api()).RepositoryFiles.showRaw(pr.repo, path, ref);
        return typeof content === "string" ? content : await (content as Blob).text();
      } catch (error) {
        if (error instanceof PlatformError && error.status === 404) return null;
        throw wrap(`Cannot read "${path}" at "${ref}" in "${pr.repo}"`, error);
      }
    },

    async getDiff(pr) {
      try {
        return toUnifiedDiff(await loadDiffFiles(pr));
      } catch (error) {
        throw wrap(`Cannot get the diff of merge request "${describe(pr)}"`, error);
      }
    },

    async getCompareDiff(pr, baseSha, headSha) {
      try {
        const result = z.object({
          diffs: z.array(GitLabDiffFile),
          "compare_timeout": z.boolean().nullish(),
        }).parse(await (await api()).Repositories.compare(pr.repo, baseSha, headSha, { straight: true }));
        if (result.compare_timeout || result.diffs.some(isWithheld)) return null;
        return toUnifiedDiff(result.diffs);
      } catch (error) {
        if (error instanceof PlatformError && error.status === 404) return null;
        throw wrap(`Cannot compare "${baseSha}" with "${headSha}" in "${pr.repo}"`, error);
      }
    },

    /**
     * Whether the user is an active member with Developer (30) or more, counting members inherited from groups
     * (`GET /projects/:id/members/all?query=<username>`, matched exactly: `query` also matches names).
     */
    async canWrite(pr, user: PlatformUser) {
      try {
        const members = z.array(Member).parse(
          await (await api()).ProjectMembers.all(pr.repo, {
            includeInherited: true,
            query: user.login,
            perPage: 100,
          }),
        );
        return members.some((member) =>
          member.username.toLowerCase() === user.login.toLowerCase() &&
          (member.state ?? "active") === "active" && member.access_level >= GITLAB_DEVELOPER
        );
      } catch (error) {
        throw wrap(`Cannot read the members of "${pr.repo}"`, error);
      }
    },

    /** A reply in the discussion (`POST …/discussions/:id/notes`), then `PUT …/discussions/:id` resolved. */
    async resolveThreads(pr, commentIds, resolution) {
      try {
        const wanted = new Set(commentIds);
        const discussions = z.array(Discussion).parse(
          await (await api()).MergeRequestDiscussions.all(pr.repo, pr.number, { perPage: 100 }),
        );
        const commitUrl = `${normalizeBaseUrl(options.baseUrl)}/${pr.repo}/-/commit/${resolution.headSha}`;
        for (const discussion of discussions) {
          const note = discussion.notes.find((candidate) => wanted.has(String(candidate.id)));
          if (note === undefined || note.resolved) continue;
          const reply = resolvedReply(String(note.id), resolution, commitUrl);
          await (await api()).MergeRequestDiscussions.addNote(pr.repo, pr.number, discussion.id, reply);
          await (await api()).MergeRequestDiscussions.resolve(pr.repo, pr.number, discussion.id, true);
        }
      } catch (error) {
        throw wrap(`Cannot resolve discussions of merge request "${describe(pr)}"`, error);
      }
    },

    ...gitLabThreadReplies(api),

    async listComments(pr) {
      try {
        const discussions = z.array(Discussion).parse(
          await (await api()).MergeRequestDiscussions.all(pr.repo, pr.number, { perPage: 100 }),
        );
        const comments: ExistingComment[] = [];
        for (const discussion of discussions) {
          for (const note of discussion.notes) {
            if (note.system) continue;
            const position = note.position;
            comments.push({
              id: String(note.id),
              body: note.body,
              author: note.author?.username,
              authorId: toAuthorId(note.author?.id),
              path: position?.new_path ?? position?.old_path ?? undefined,
              line: position?.new_line ?? position?.old_line ?? undefined,
              inline: note.type === "DiffNote",
            });
          }
        }
        return comments;
      } catch (error) {
        throw wrap(`Cannot list comments of merge request "${describe(pr)}"`, error);
      }
    },

    async postReview(pr, review: ReviewOutput) {
      try {
        const mergeRequest = await loadMergeRequest(pr);
        if (mergeRequest.diff_refs.head_sha !== review.headSha) {
          // Positions computed for an older head would point at the wrong lines; the newer push gets its own review.
          throw new PlatformError(
            `head moved from "${review.headSha}" to "${mergeRequest.diff_refs.head_sha}"`,
            { platform: "gitlab", retryable: false },
          );
        }
        const files = review.comments.length > 0 ? await loadDiffFiles(pr) : [];
        const unanchored: InlineComment[] = [];
        for (const comment of review.comments) {
          const file = files.find((candidate) => candidate.new_path === comment.path) ??
            files.find((candidate) => candidate.old_path === comment.path);
          const position = file ? await buildPosition(comment, file, mergeRequest.diff_refs) : null;
          if (!position) {
            unanchored.push(comment);
            continue;
          }
          // gitbeaker types `position` in camelCase but decamelizes it, so GitLab's own names pass through as-is.
          await (await api()).MergeRequestDiscussions.create(pr.repo, pr.number, comment.body, {
            position: position as unknown as PositionOption,
          });
        }
        await upsertSummary(client, pr, appendUnanchored(review.summary, unanchored));
      } catch (error) {
        throw wrap(`Cannot post review on merge request "${describe(pr)}"`, error);
      }
    },

    async postComment(pr, body) {
      try {
        const note = Note.parse(await (await api()).MergeRequestNotes.create(pr.repo, pr.number, body));
        return String(note.id);
      } catch (error) {
        throw wrap(`Cannot comment on merge request "${describe(pr)}"`, error);
      }
    },

    async updateComment(pr, commentId, body) {
      try {
        await (await api()).MergeRequestNotes.edit(pr.repo, pr.number, Number(commentId), { body });
      } catch (error) {
        throw wrap(`Cannot update note "${commentId}" on merge request "${describe(pr)}"`, error);
      }
    },

    async setStatus(pr, status: CommitStatus) {
      try {
        await (await api()).Commits.editStatus(pr.repo, status.sha, COMMIT_STATES[status.state], {
          name: status.context ?? "loom",
          description: status.description,
          targetUrl: status.targetUrl,
        });
      } catch (error) {
        throw wrap(`Cannot set status "${status.state}" on "${status.sha}" in "${pr.repo}"`, error);
      }
    },
  };
  return client;
}
