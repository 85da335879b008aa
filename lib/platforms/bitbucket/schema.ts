/**
 * Zod schemas for the Bitbucket Cloud fields Loom reads, webhook payloads and REST responses alike. Everything
 * else in those documents is ignored, so Atlassian can add fields without breaking us.
 */
import { z } from "zod";

export const BitbucketUser = z.object({
  "display_name": z.string().nullish(),
  nickname: z.string().nullish(),
  "account_id": z.string().nullish(),
  uuid: z.string().nullish(),
  /** `app_user` for the bot users behind repository/project/workspace access tokens. */
  type: z.string().nullish(),
});
export type BitbucketUser = z.infer<typeof BitbucketUser>;

const Endpoint = z.object({
  branch: z.object({ name: z.string() }),
  commit: z.object({ hash: z.string().min(1) }),
});

export const BitbucketPullRequest = z.object({
  id: z.number().int().positive(),
  title: z.string(),
  /** Markdown; the same text as `summary.raw`. */
  description: z.string().nullish(),
  /** OPEN | MERGED | DECLINED | SUPERSEDED; the documented sample payloads hold a placeholder, so any string. */
  state: z.string().nullish(),
  draft: z.boolean().nullish(),
  author: BitbucketUser.nullish(),
  source: Endpoint,
  destination: Endpoint,
  links: z.object({ html: z.object({ href: z.string() }).nullish() }).nullish(),
});
export type BitbucketPullRequest = z.infer<typeof BitbucketPullRequest>;

const BitbucketRepository = z.object({
  "full_name": z.string().min(1),
  uuid: z.string().nullish(),
  "is_private": z.boolean().nullish(),
});

export const BitbucketComment = z.object({
  id: z.number().int(),
  content: z.object({ raw: z.string().nullish() }),
  user: BitbucketUser.nullish(),
  inline: z.object({
    path: z.string(),
    from: z.number().int().nullish(),
    to: z.number().int().nullish(),
  }).nullish(),
  deleted: z.boolean().nullish(),
  /** Set on a reply: the comment it answers. */
  parent: z.object({ id: z.number().int() }).nullish(),
  /** Set while the comment's thread is resolved (`{type: "comment_resolution", user, created_on}`). */
  resolution: z.object({ type: z.string() }).nullish(),
});
export type BitbucketComment = z.infer<typeof BitbucketComment>;

export const PullRequestPayload = z.object({
  actor: BitbucketUser.nullish(),
  repository: BitbucketRepository,
  pullrequest: BitbucketPullRequest,
});

export const CommentPayload = PullRequestPayload.extend({ comment: BitbucketComment });

/** The paginated envelope every Bitbucket list endpoint returns; `next` is an absolute URL. */
export function Page<T extends z.ZodType>(item: T) {
  return z.object({ values: z.array(item), next: z.string().nullish() });
}

export const Commit = z.object({ hash: z.string().min(1) });
