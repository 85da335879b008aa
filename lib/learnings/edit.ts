/**
 * Editing a learning from the dashboard or an import: the same checks as proposing (`propose.ts`), then one
 * update that records who changed it and when.
 */
import type { Db } from "../db/mod.ts";
import { type Learning, type LearningStatus, updateLearning } from "../db/learnings.ts";
import { checkPathGlobs, checkRule, checkSuppress } from "./propose.ts";

/**
 * Changes the given fields of learning `id`.
 * @returns the stored learning, or `null` when there is no such learning
 * @throws LearningInputError for a bad rule, globs or suppression title
 */
export async function editLearning(
  db: Db,
  id: number,
  change: {
    rule?: string;
    pathGlobs?: string[];
    suppress?: { title: string; step?: string | null } | null;
    enabled?: boolean;
    status?: LearningStatus;
  },
  by: string,
  now: number = Date.now(),
): Promise<Learning | null> {
  return await updateLearning(
    db,
    id,
    {
      rule: change.rule === undefined ? undefined : checkRule(change.rule),
      pathGlobs: change.pathGlobs === undefined ? undefined : checkPathGlobs(change.pathGlobs),
      suppress: change.suppress === undefined
        ? undefined
        : change.suppress === null
        ? null
        : checkSuppress(change.suppress),
      enabled: change.enabled,
      status: change.status,
    },
    by,
    now,
  );
}
