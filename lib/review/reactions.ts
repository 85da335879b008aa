/**
 * Thumbs-down reactions on Loom's inline comments become proposed learnings. Platforms send no webhook for
 * reactions (GitHub, GitLab, Gitea), so they are read when a later review of the pull request starts, from the
 * comments it lists anyway; Bitbucket Cloud, Bitbucket Data Center and Azure DevOps have no reactions. A reaction
 * is one person's view, so the learning is *proposed*: it changes nothing until someone approves it on the
 * dashboard. One learning per comment (`proposeLearning` keys it by the comment id), so reading the same reaction
 * at every review proposes it once, and a dismissed proposal stays dismissed.
 */
import type { Db } from "../db/mod.ts";
import type { Repo } from "../db/repos.ts";
import { listRecordedFindings } from "../db/pull_requests.ts";
import { proposeLearning } from "../learnings/mod.ts";
import type { Logger } from "../log.ts";
import { readFingerprints } from "../markers.ts";
import {
  canReadReactions,
  type ExistingComment,
  type PlatformClient,
  type PullRequestRef,
} from "../platforms/types.ts";

/**
 * At most this many comments are asked per review: GitLab and Gitea list no reaction counts, so each inline comment
 * is one request; 50 bounds a review's extra requests the way `max_comments` (25 by default) bounds its comments.
 */
export const MAX_REACTION_READS = 50;

/**
 * Proposes a learning for each of Loom's inline comments on the pull request that someone gave a thumbs-down.
 * Never fails the review: a platform error is logged and the review goes on.
 * @returns how many comments had a thumbs-down and a finding Loom recorded
 */
export async function proposeFromReactions(
  input: {
    db: Db;
    client: PlatformClient;
    ref: PullRequestRef;
    repo: Repo;
    /** Loom's own comments on the pull request (`listOwnComments`). */
    existing: readonly ExistingComment[];
    log: Logger;
    now?: number;
  },
): Promise<number> {
  const { client, ref } = input;
  if (!canReadReactions(client)) return 0;
  const candidates = input.existing.filter((comment) =>
    comment.inline && comment.thumbsDown !== 0 && readFingerprints(comment.body).length > 0
  ).slice(0, MAX_REACTION_READS);
  if (candidates.length === 0) return 0;
  const recorded = new Map(
    (await listRecordedFindings(input.db, { repoId: input.repo.id, prNumber: ref.number }))
      .map((finding) => [finding.fingerprint, finding]),
  );
  let proposed = 0;
  for (const comment of candidates) {
    const finding = readFingerprints(comment.body).map((fingerprint) => recorded.get(fingerprint)).find(
      Boolean,
    );
    if (finding === undefined || finding.title === "") continue;
    try {
      const people = [...new Set(await client.thumbsDownOn(ref, comment))];
      if (people.length === 0) continue;
      const names = people.map((login) => `@${login}`).join(", ");
      await proposeLearning(input.db, {
        orgId: input.repo.organizationId,
        repoId: input.repo.id,
        rule: `Do not report “${finding.title}”: ${names} gave this finding a thumbs-down on pull request ` +
          `#${ref.number} (${finding.path}).`.slice(0, 900),
        pathGlobs: [],
        suppress: { title: finding.title, step: finding.step || null },
        source: { kind: "reaction", commentId: comment.id, prNumber: ref.number },
        createdBy: people.join(", ").slice(0, 200),
      }, input.now);
      proposed++;
    } catch (error) {
      input.log.warn("Cannot read the reactions to a Loom comment", {
        repo: ref.repo,
        number: ref.number,
        commentId: comment.id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return proposed;
}
