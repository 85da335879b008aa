/**
 * The per-commit cache of code indexes (`code_indexes`, migration 0018). Guarantees:
 * - an index is found only under the repository, commit and format it was saved with, so an index from an older
 *   Loom (another format) is never read as the current one;
 * - each repository keeps at most `keep` indexes (default 8), the most recently used: a review reads one or two,
 *   the head's and the one it updates from, and a 5,000-file repository's index is a few megabytes, so eight
 *   bound a repository's share of the database while covering the open pull requests' recent heads;
 * - saving the same commit again replaces the row (a retried review), it does not add one.
 */
import { type Db, joinSql, sql } from "./mod.ts";

export interface CodeIndexKey {
  repoId: number;
  commitSha: string;
  /** The index format version the text was written in. */
  format: number;
}

export interface StoredCodeIndex extends CodeIndexKey {
  /** `serializeCodeIndex` text. */
  data: string;
  files: number;
  /** False when the snapshot it was built from stopped at a size cap. */
  complete: boolean;
}

const DEFAULT_KEEP = 8;

/**
 * The first of `commitShas` (in the order given) that has an index of `format` for the repository, marked used;
 * null when none has.
 */
export async function readCodeIndex(
  db: Db,
  repoId: number,
  commitShas: readonly string[],
  format: number,
  now: () => number = Date.now,
): Promise<StoredCodeIndex | null> {
  if (commitShas.length === 0) return null;
  const rows = await db.query<{ commitSha: string; data: string; files: number; complete: unknown }>(sql`
    select commit_sha, data, files, complete from code_indexes
    where repo_id = ${repoId} and format = ${format} and commit_sha in (${joinSql(commitShas)})`);
  const bySha = new Map(rows.map((row) => [row.commitSha, row]));
  const sha = commitShas.find((candidate) => bySha.has(candidate));
  if (sha === undefined) return null;
  const row = bySha.get(sha)!;
  await db.exec(sql`update code_indexes set used_at = ${now()}
    where repo_id = ${repoId} and commit_sha = ${sha} and format = ${format}`);
  return {
    repoId,
    commitSha: sha,
    format,
    data: row.data,
    files: Number(row.files),
    complete: !!row.complete,
  };
}

/** Which of `commitShas` have an index of `format`, without reading them. */
export async function cachedCommits(
  db: Db,
  repoId: number,
  commitShas: readonly string[],
  format: number,
): Promise<Set<string>> {
  if (commitShas.length === 0) return new Set();
  const rows = await db.query<{ commitSha: string }>(sql`
    select commit_sha from code_indexes
    where repo_id = ${repoId} and format = ${format} and commit_sha in (${joinSql(commitShas)})`);
  return new Set(rows.map((row) => row.commitSha));
}

/** Saves (or replaces) an index, then drops the repository's least recently used ones beyond `keep`. */
export async function saveCodeIndex(
  db: Db,
  index: StoredCodeIndex,
  options: { keep?: number; now?: () => number } = {},
): Promise<void> {
  const now = (options.now ?? Date.now)();
  const keep = options.keep ?? DEFAULT_KEEP;
  const bytes = new TextEncoder().encode(index.data).length;
  await db.transaction(async (tx) => {
    await tx.exec(sql`
      insert into code_indexes (repo_id, commit_sha, format, data, bytes, files, complete, created_at, used_at)
      values (${index.repoId}, ${index.commitSha}, ${index.format}, ${index.data}, ${bytes}, ${index.files},
        ${index.complete}, ${now}, ${now})
      on conflict (repo_id, commit_sha, format) do update set data = excluded.data, bytes = excluded.bytes,
        files = excluded.files, complete = excluded.complete, used_at = excluded.used_at`);
    await tx.exec(sql`
      delete from code_indexes where repo_id = ${index.repoId} and commit_sha not in (
        select commit_sha from code_indexes where repo_id = ${index.repoId}
        order by used_at desc, created_at desc limit ${keep})`);
  });
}

/** Drops one index (one that no longer parses). */
export async function dropCodeIndex(db: Db, key: CodeIndexKey): Promise<void> {
  await db.exec(sql`delete from code_indexes
    where repo_id = ${key.repoId} and commit_sha = ${key.commitSha} and format = ${key.format}`);
}

/** The heads earlier reviews of a pull request looked at, newest first, each once. */
export async function listReviewedHeads(
  db: Db,
  repoId: number,
  prNumber: number,
  limit: number,
): Promise<string[]> {
  const rows = await db.query<{ headSha: string }>(sql`
    select head_sha, max(id) as newest from reviews where repo_id = ${repoId} and pr_number = ${prNumber}
    group by head_sha order by newest desc limit ${limit}`);
  return rows.map((row) => row.headSha);
}

/** The repository's cached commits of `format`, most recently used first. */
export async function recentCodeIndexes(
  db: Db,
  repoId: number,
  format: number,
  limit: number,
): Promise<string[]> {
  const rows = await db.query<{ commitSha: string }>(sql`
    select commit_sha from code_indexes where repo_id = ${repoId} and format = ${format}
    order by used_at desc, created_at desc limit ${limit}`);
  return rows.map((row) => row.commitSha);
}
