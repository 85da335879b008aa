/**
 * Zod schemas for the Bitbucket Data Center / Server fields Loom reads, from webhook payloads and REST 1.0
 * responses alike. Everything else is ignored, so Atlassian can add fields without breaking us.
 */
import { z } from "zod";

/** A user as REST 1.0 and webhooks describe it; `type` is `NORMAL` for people and `SERVICE` for token bots. */
export const ServerUser = z.object({
  id: z.number().int().nullish(),
  /** The login, unique on the instance: what `permissions/users?filter=` matches. */
  name: z.string(),
  slug: z.string().nullish(),
  displayName: z.string().nullish(),
  type: z.string().nullish(),
});
export type ServerUser = z.infer<typeof ServerUser>;

export const ServerRepository = z.object({
  slug: z.string().min(1),
  id: z.number().int().nullish(),
  project: z.object({ key: z.string().min(1) }),
  public: z.boolean().nullish(),
});
export type ServerRepository = z.infer<typeof ServerRepository>;

const Ref = z.object({
  id: z.string(),
  displayId: z.string(),
  /** Always the full 40-character hash on Data Center / Server. */
  latestCommit: z.string().min(1),
  repository: ServerRepository,
});

export const ServerPullRequest = z.object({
  id: z.number().int().positive(),
  title: z.string(),
  /** Absent when the pull request has none. */
  description: z.string().nullish(),
  /** Needed to edit the pull request (optimistic locking, like comments). */
  version: z.number().int().nullish(),
  /** OPEN | MERGED | DECLINED. */
  state: z.string().nullish(),
  /** Data Center 8.18+; older versions have no drafts. */
  draft: z.boolean().nullish(),
  fromRef: Ref,
  toRef: Ref,
  author: z.object({ user: ServerUser }),
});
export type ServerPullRequest = z.infer<typeof ServerPullRequest>;

/** A comment; `comments` holds its replies, `version` is needed to edit it (optimistic locking). */
export interface ServerComment {
  id: number;
  version?: number | null;
  text: string;
  author?: ServerUser | null;
  severity?: string | null;
  comments?: ServerComment[] | null;
}

export const ServerComment: z.ZodType<ServerComment> = z.lazy(() =>
  z.object({
    id: z.number().int(),
    version: z.number().int().nullish(),
    text: z.string(),
    author: ServerUser.nullish(),
    severity: z.string().nullish(),
    comments: z.array(ServerComment).nullish(),
  })
);

/** A path as REST 1.0 writes it: a string, or (as its schema describes it) an object with `toString`. */
const RestPath = z.union([
  z.string(),
  z.object({ toString: z.string() }).transform((path) => path.toString),
]);

export const CommentAnchor = z.object({
  path: RestPath,
  line: z.number().int().nullish(),
  lineType: z.string().nullish(),
  fileType: z.string().nullish(),
});

/** One entry of `…/pull-requests/{id}/activities`: the only REST 1.0 listing of every comment of a pull request. */
export const Activity = z.object({
  action: z.string(),
  commentAction: z.string().nullish(),
  comment: ServerComment.nullish(),
  commentAnchor: CommentAnchor.nullish(),
});

/** REST 1.0's paged envelope: follow `nextPageStart` until `isLastPage`. */
export function Paged<T extends z.ZodType>(item: T) {
  return z.object({
    values: z.array(item),
    isLastPage: z.boolean(),
    nextPageStart: z.number().int().nullish(),
  });
}

/** An entry of `…/permissions/users`: a user granted a permission on the repository directly. */
export const UserPermission = z.object({ user: ServerUser, permission: z.string() });

export const PullRequestPayload = z.object({
  actor: ServerUser.nullish(),
  pullRequest: ServerPullRequest,
  /** `pr:from_ref_updated`: the source branch's head before the push. */
  previousFromHash: z.string().nullish(),
  /** `pr:modified` on Data Center 8.18+: the draft flag before the change. */
  previousDraft: z.boolean().nullish(),
  /** `pr:modified`: the title before the change (the same when only the description or target changed). */
  previousTitle: z.string().nullish(),
});

export const CommentPayload = PullRequestPayload.extend({ comment: ServerComment });
