/**
 * What the Learnings pages need beyond the store: which learnings a viewer's organization may see and change (its
 * own organization-wide ones and those of its repositories; anything else is a 404, like a missing row), and the
 * link to a learning's source comment on its platform.
 */
import type { ServerConfig } from "../config/env.ts";
import type { Db } from "../db/mod.ts";
import { getOrgRepo } from "../db/analytics.ts";
import { getLearning, type OrgLearning } from "../learnings/mod.ts";
import { HttpError } from "../http/errors.ts";
import { platformLinks } from "./links.ts";

/**
 * Learning `id` when it belongs to organization `orgId`.
 * @throws HttpError 404 when there is no such learning in the organization
 */
export async function loadOrgLearning(db: Db, orgId: number, id: number): Promise<OrgLearning> {
  const learning = await getLearning(db, id);
  if (learning !== null) {
    if (learning.repoId === null && learning.orgId === orgId) return { ...learning, repo: null };
    if (learning.repoId !== null) {
      const repo = await getOrgRepo(db, orgId, learning.repoId);
      if (repo) {
        return { ...learning, repo: { id: repo.id, platform: repo.platform, fullName: repo.fullName } };
      }
    }
  }
  throw new HttpError(404, `Cannot find learning ${id}`);
}

// Where each platform's web page scrolls to one conversation comment of a pull request.
const COMMENT_ANCHORS: Record<string, (id: string) => string> = {
  github: (id) => `#issuecomment-${id}`,
  gitea: (id) => `#issuecomment-${id}`,
  gitlab: (id) => `#note_${id}`,
  bitbucket: (id) => `#comment-${id}`,
};

/**
 * The source of a learning on its platform: the stored link, else its pull request scrolled to the comment
 * where the platform has such anchors; `null` without a pull request or a web address for the platform.
 */
export function learningSourceUrl(
  config: Parameters<typeof platformLinks>[0],
  learning: OrgLearning,
): string | null {
  if (learning.source.url !== null) return learning.source.url;
  if (learning.repo === null || learning.source.prNumber === null) return null;
  const links = platformLinks(config as ServerConfig, {
    platform: learning.repo.platform,
    repo: learning.repo.fullName,
    prNumber: learning.source.prNumber,
    headSha: "",
  });
  if (links === null) return null;
  const commentId = learning.source.commentId;
  // A reaction or a dispute is on an inline comment; GitHub anchors those as review discussions.
  const inline = learning.source.kind === "reaction" || learning.source.kind === "concede";
  const anchor = commentId === null
    ? ""
    : inline && learning.repo.platform === "github"
    ? `#discussion_r${commentId}`
    : COMMENT_ANCHORS[learning.repo.platform]?.(commentId) ?? "";
  return `${links.pullRequest}${anchor}`;
}
