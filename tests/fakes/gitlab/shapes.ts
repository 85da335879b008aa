/**
 * The JSON the fake GitLab answers, each written against `@gitbeaker/core`'s response type (made `Strict`, so
 * an unknown field name is refused too). Where GitLab sends more than gitbeaker lists, the extra fields are named
 * in the type with the reason; where gitbeaker's type is narrower than GitLab's wire format, the difference is
 * spelled out in place.
 */
import type {
  CommitablePipelineStatus,
  CommitStatusSchema,
  DiffRefsSchema,
  DiscussionNoteSchema,
  DiscussionSchema,
  ExpandedMergeRequestSchema,
  MergeRequestNoteSchema,
  ProjectSchema,
  SimpleMemberSchema,
  SimpleProjectSchema,
  SimpleUserSchema,
  UserSchema,
} from "@gitbeaker/core";
import type { FakeNote, StoredPullRequest, Strict } from "./types.ts";

/** A stable numeric user id per username, as GitLab gives every user one. */
export function userId(username: string): number {
  let hash = 7;
  for (const char of username) hash = (hash * 31 + char.codePointAt(0)!) % 1_000_000_007;
  return hash;
}

type AuthorSchema = Omit<Strict<SimpleUserSchema>, "created_at">;

/** A user as notes, merge requests and statuses embed one (`UserBasic`). */
export function author(origin: string, username: string): AuthorSchema {
  return {
    id: userId(username),
    username,
    name: username,
    state: "active",
    avatar_url: `https://www.gravatar.com/avatar/${userId(username).toString(16)}?s=80&d=identicon`,
    web_url: `${origin}/${username}`,
  };
}

/** `GET /user` for the token's own (bot) user, which is not an administrator. */
export function currentUser(origin: string, username: string): Strict<UserSchema> {
  return {
    ...author(origin, username),
    created_at: "2024-01-02T03:04:05.000Z",
    locked: false,
    bio: "",
    bot: true,
    location: "",
    public_email: null,
    skype: "",
    linkedin: "",
    twitter: "",
    discord: "",
    website_url: "",
    pronouns: null,
    organization: "",
    job_title: "",
    work_information: null,
    followers: 0,
    following: 0,
    local_time: null,
    is_followed: false,
  };
}

/**
 * A note as both `…/notes` and `…/discussions` show it (GitLab's one `Note` entity). GitLab also sends `type`, and
 * on diff notes `position` and `resolved`; gitbeaker lists none of them on these schemas. gitbeaker's position
 * type is the request's (string line numbers), so the stored position keeps GitLab's integers untyped.
 */
export type NoteJson =
  & Strict<MergeRequestNoteSchema>
  & Strict<DiscussionNoteSchema>
  & { position: Record<string, unknown> | null; resolved?: boolean };

export function noteJson(origin: string, note: FakeNote, projectId: number): NoteJson {
  return {
    id: note.id,
    type: note.type,
    body: note.body,
    attachment: null,
    author: author(origin, note.author),
    created_at: "2024-01-02T03:04:05.000Z",
    updated_at: "2024-01-02T03:04:05.000Z",
    system: note.system,
    noteable_id: projectId * 1000 + note.number,
    noteable_type: "MergeRequest",
    noteable_iid: note.number,
    project_id: projectId,
    position: note.position,
    resolvable: note.type === "DiffNote",
    ...(note.type === "DiffNote" ? { resolved: note.resolved ?? false } : {}),
  };
}

/** A discussion; its notes are `NoteJson` (gitbeaker's `notes` lists the discussion-note fields). */
export function discussionJson(id: string, individual: boolean, notes: NoteJson[]): Strict<DiscussionSchema> {
  return { id, individual_note: individual, notes };
}

/** `GET /projects/:id/merge_requests/:iid`; `diff_refs` is `null` while GitLab still prepares the diff. */
export function mergeRequestJson(
  origin: string,
  pr: StoredPullRequest,
  diffRefs: DiffRefsSchema | null,
): Omit<Strict<ExpandedMergeRequestSchema>, "diff_refs"> & { diff_refs: DiffRefsSchema | null } {
  const state = pr.state === undefined || pr.state === "open" ? "opened" : pr.state;
  const reference = `!${pr.number}`;
  return {
    id: pr.projectId * 1000 + pr.number,
    iid: pr.number,
    project_id: pr.projectId,
    title: pr.title,
    description: pr.body ?? "",
    state,
    created_at: "2024-01-02T03:04:05.000Z",
    updated_at: "2024-01-02T03:04:05.000Z",
    web_url: `${origin}/${pr.repo}/-/merge_requests/${pr.number}`,
    merged_by: null,
    merged_at: null,
    closed_by: null,
    closed_at: null,
    target_branch: pr.baseRef,
    source_branch: pr.headRef,
    user_notes_count: 0,
    upvotes: 0,
    downvotes: 0,
    author: author(origin, pr.author),
    assignees: [],
    assignee: null,
    reviewers: [],
    source_project_id: pr.projectId,
    target_project_id: pr.projectId,
    labels: pr.labels ?? [],
    draft: pr.draft ?? false,
    work_in_progress: pr.draft ?? false,
    milestone: null,
    merge_when_pipeline_succeeds: false,
    merge_status: "can_be_merged",
    detailed_merge_status: state === "opened" ? (pr.draft ? "draft_status" : "mergeable") : "not_open",
    sha: pr.headSha,
    merge_commit_sha: null,
    squash_commit_sha: null,
    discussion_locked: null,
    should_remove_source_branch: null,
    force_remove_source_branch: true,
    reference,
    references: { short: reference, relative: reference, full: `${pr.repo}${reference}` },
    time_stats: {
      time_estimate: 0,
      total_time_spent: 0,
      human_time_estimate: null,
      human_total_time_spent: null,
    },
    squash: false,
    task_completion_status: { count: 0, completed_count: 0 },
    prepared_at: diffRefs ? "2024-01-02T03:04:06.000Z" : null,
    has_conflicts: false,
    blocking_discussions_resolved: true,
    approvals_before_merge: null,
    subscribed: false,
    changes_count: String(pr.fileEntries.length),
    latest_build_started_at: null,
    latest_build_finished_at: null,
    first_deployed_to_production_at: null,
    pipeline: null,
    head_pipeline: null,
    diff_refs: diffRefs,
    merge_error: null,
    first_contribution: false,
    user: { can_merge: true },
  };
}

/**
 * `POST /projects/:id/statuses/:sha`. GitLab also accepts and answers `skipped`, which gitbeaker's union lacks,
 * and `ref` is `null` when the request names none.
 */
export function statusJson(
  origin: string,
  input: { id: number; sha: string; state: string; name?: string; description?: string; targetUrl?: string },
  botUsername: string,
):
  & Omit<Strict<CommitStatusSchema>, "status" | "ref">
  & { status: CommitablePipelineStatus | "skipped"; ref: string | null } {
  return {
    id: input.id,
    sha: input.sha,
    ref: null,
    status: input.state as CommitablePipelineStatus | "skipped",
    name: input.name ?? "default",
    description: input.description,
    target_url: input.targetUrl ?? "",
    created_at: "2024-01-02T03:04:05.000Z",
    allow_failure: false,
    author: author(origin, botUsername),
  };
}

/** One row of `GET /projects/:id/members/all`; `expires_at` is `null` for a membership that does not expire. */
export function memberJson(
  origin: string,
  member: { id: number; username: string; accessLevel: number },
): Omit<Strict<SimpleMemberSchema>, "expires_at"> & { expires_at: string | null } {
  return {
    ...author(origin, member.username),
    id: member.id,
    access_level: member.accessLevel,
    expires_at: null,
    email: "",
  };
}

/**
 * `GET /projects/:id` with the fields Loom and the tests use: gitbeaker's simple project plus `visibility`. The
 * full `ProjectSchema` has about a hundred more required settings the fake does not model.
 */
export function projectJson(
  origin: string,
  input: { id: number; path: string },
): Strict<SimpleProjectSchema> & Pick<ProjectSchema, "visibility"> {
  const [namespace, ...rest] = input.path.split("/");
  const name = rest.at(-1) ?? input.path;
  return {
    id: input.id,
    name,
    path: name,
    web_url: `${origin}/${input.path}`,
    description: null,
    name_with_namespace: input.path.replaceAll("/", " / "),
    path_with_namespace: input.path,
    created_at: "2024-01-02T03:04:05.000Z",
    default_branch: "main",
    topics: [],
    ssh_url_to_repo: `git@${new URL(origin).host}:${input.path}.git`,
    http_url_to_repo: `${origin}/${input.path}.git`,
    readme_url: null,
    forks_count: 0,
    avatar_url: null,
    star_count: 0,
    last_activity_at: "2024-01-02T03:04:05.000Z",
    namespace: {
      id: userId(namespace!),
      name: namespace!,
      path: namespace!,
      kind: "group",
      full_path: input.path.split("/").slice(0, -1).join("/"),
      parent_id: null,
      avatar_url: null,
      web_url: `${origin}/groups/${namespace}`,
    },
    visibility: "private",
  };
}
