/**
 * Diffs Azure DevOps cannot give as text: the pull request's (from an iteration's changes) and two commits' (from
 * `GET …/diffs/commits`, for incremental reviews). Both list the changed paths only, so each file's two versions
 * are fetched and diffed here (`line_diff.ts`). A comparison that is not a plain push on top of the earlier commit,
 * or that Azure DevOps cut short, is refused (null) rather than guessed: the whole pull request is reviewed then.
 */
import { buildFileDiff } from "./line_diff.ts";
import { mapBounded } from "../../concurrency.ts";
import type { CommitDiffs } from "./schema.ts";

/**
 * Most changed paths asked for in one comparison (the API's `$top`, which it caps at 2000). A push touching more
 * is reviewed in full: paging would only save tokens on a review that large anyway.
 */
export const MAX_COMPARED_CHANGES = 2000;

/** Files fetched at once: 2 versions each, so 8 requests in flight, well inside Azure DevOps' usage limits. */
const FILE_FETCH_CONCURRENCY = 4;

/** One changed path, as iteration changes and commit diffs both describe it. */
export interface PathChange {
  /** add | edit | delete | rename, or several joined by ", " ("edit, rename"). */
  changeType: string;
  path: string;
  /** The path before a rename. */
  originalPath?: string | null;
}

/** The query of `GET …/diffs/commits` from `baseSha` to `headSha`, diffed from their common commit. */
export function commitDiffsQuery(baseSha: string, headSha: string): Record<string, string> {
  return {
    baseVersion: baseSha,
    baseVersionType: "commit",
    targetVersion: headSha,
    targetVersionType: "commit",
    diffCommonCommit: "true",
    "$top": String(MAX_COMPARED_CHANGES),
  };
}

/**
 * The changed files of a commit comparison, or null when it cannot stand for "what the push changed": `baseSha` is
 * not an ancestor of the head (`behindCount` > 0, a force-push), or the answer holds only part of the changes.
 */
export function comparedChanges(diffs: CommitDiffs): PathChange[] | null {
  if ((diffs.behindCount ?? 0) > 0) return null;
  if (diffs.allChangesIncluded === false || diffs.changes.length >= MAX_COMPARED_CHANGES) return null;
  return diffs.changes
    .filter((change) => !change.item.isFolder && change.item.gitObjectType !== "tree")
    .map((change) => ({
      changeType: change.changeType,
      path: change.item.path,
      originalPath: change.sourceServerItem ?? change.originalPath,
    }));
}

/**
 * A unified diff of `changes` from `oldCommit` to `newCommit`, each file rebuilt from its two versions.
 * @param readFile a file's content at a commit, null when it does not exist there
 */
export async function diffFromChanges(
  changes: readonly PathChange[],
  commits: { oldCommit: string; newCommit: string },
  readFile: (path: string, commit: string) => Promise<string | null>,
): Promise<string> {
  const sections = await mapBounded(changes, FILE_FETCH_CONCURRENCY, async (change) => {
    const kinds = change.changeType.split(",").map((kind) => kind.trim());
    const newPath = change.path.replace(/^\/+/, "");
    const oldPath = (kinds.includes("rename") && change.originalPath ? change.originalPath : change.path)
      .replace(/^\/+/, "");
    const [oldContent, newContent] = await Promise.all([
      kinds.includes("add") ? null : readFile(oldPath, commits.oldCommit),
      kinds.includes("delete") ? null : readFile(newPath, commits.newCommit),
    ]);
    return buildFileDiff({ oldPath, newPath, oldContent, newContent });
  });
  return sections.join("");
}

/**
 * The diff from `baseSha` to `headSha`: `GET …/diffs/commits` from their common commit (which is `baseSha` after a
 * plain push), then both versions of each changed file. Null when a commit is unknown (404, `listChanges` answers
 * null), `baseSha` is not an ancestor of the head, or the comparison was cut short (`comparedChanges`).
 */
export async function compareCommits(
  baseSha: string,
  headSha: string,
  read: {
    listChanges: (query: Record<string, string>) => Promise<CommitDiffs | null>;
    readFile: (path: string, commit: string) => Promise<string | null>;
  },
): Promise<string | null> {
  const diffs = await read.listChanges(commitDiffsQuery(baseSha, headSha));
  const changes = diffs === null ? null : comparedChanges(diffs);
  if (diffs === null || changes === null) return null;
  return await diffFromChanges(changes, { oldCommit: diffs.commonCommit, newCommit: headSha }, read.readFile);
}
