/**
 * The code index of a pull request's head commit, obtained the cheapest way that is still exact:
 * 1. the head's own index from the cache (`code_indexes`): a re-run, or another pull request at the same commit;
 * 2. an earlier commit's cached index — this pull request's earlier reviewed heads, newest first, then its base,
 *    then the repository's most recently used indexes (another pull request's head, once merged) — updated with only the files that changed since (`updateCodeIndex`). The changes come from the platform's
 *    comparison of the two commits (`ComparesCommits`), which answers null unless the earlier commit is an
 *    ancestor of the head, so the updated index is the head's tree and not a guess; the changed files are read
 *    one by one with `getFile`, so a comparison of more than 300 files downloads the archive instead;
 * 3. the head tree as one archive download (`ReadsArchive`), streamed file by file into `buildCodeIndex`
 *    (only source and guideline files are read out of it; nothing else is kept in memory).
 * Indexes from 2 and 3 are saved for the head, so the next push or pull request starts from them. When none of
 * these works — the platform has no archive, the download fails or outlasts its deadline — the index is built
 * from the head versions of the diff's own files (the files the review reads anyway) and is not saved: it knows
 * nothing outside the diff, and `note` says why, for the summary. A cancelled job is never turned into a
 * fallback: its abort is thrown.
 */
import type { Db } from "../db/mod.ts";
import {
  cachedCommits,
  dropCodeIndex,
  listReviewedHeads,
  readCodeIndex,
  recentCodeIndexes,
  saveCodeIndex,
} from "../db/code_indexes.ts";
import { parseDiff } from "../diff/parse.ts";
import { type DiffFile, filePath } from "../diff/types.ts";
import type { Logger } from "../log.ts";
import {
  type ArchiveLimits,
  canCompareCommits,
  canReadArchive,
  type PlatformClient,
  type PullRequestRef,
  type RepositoryArchiveStats,
} from "../platforms/types.ts";
import {
  buildCodeIndex,
  CODE_INDEX_FORMAT,
  type CodeIndex,
  languageOf,
  parseCodeIndex,
  serializeCodeIndex,
  type SourceFile,
  updateCodeIndex,
} from "../codebase/mod.ts";

/** How the index was obtained, for the log and the summary. */
export type IndexOrigin = "cache" | "updated" | "archive" | "diff";

export interface ObtainedIndex {
  index: CodeIndex;
  origin: IndexOrigin;
  /** Set when the index covers less than the head tree: why (shown in the summary's coverage line). */
  note?: string;
}

export interface CodeIndexSourceInput {
  db: Db;
  log: Logger;
  /** The review's client: `getFile`, `getCompareDiff`. */
  client: PlatformClient;
  /**
   * The client the archive is downloaded with; by default `client`. The review passes one with a longer
   * per-request deadline, since a large repository's archive takes longer than an API answer.
   */
  archiveClient?: () => PlatformClient | Promise<PlatformClient>;
  ref: PullRequestRef;
  repoId: number;
  headSha: string;
  baseSha: string;
  /** Head text of a file (shared with the context selection, so a file is read once). */
  readHeadFile(path: string): Promise<string | null>;
  /** The pull request's whole diff: its files' head versions are the fallback index. */
  files: readonly DiffFile[];
  /** The job's signal: its abort is thrown, never turned into a fallback. */
  signal: AbortSignal;
  /** The deadline of obtaining the index (download and parse); default 120 s (`review_context.ts` sets it). */
  timeoutMs?: number;
  limits?: ArchiveLimits;
  /** Indexes kept per repository (`saveCodeIndex`). */
  keep?: number;
}

// A comparison this large costs as many `getFile` requests; the archive is one download.
const MAX_UPDATED_FILES = 300;
// A 5,000-file repository downloads and parses in seconds; two minutes leaves room for a slow platform while a
// hung download still leaves the review most of its five-minute job.
const DEFAULT_TIMEOUT_MS = 120_000;
// Earlier heads of the pull request tried as update bases, newest first.
const EARLIER_HEADS = 5;
// The repository's most recently used indexes also tried; each costs one comparison request.
const RECENT_COMMITS = 3;

const GUIDELINE = /(^|\/)(AGENTS|CONTRIBUTING)\.md$|^\.loom\/rules\/[^/]+\.md$/i;

/** Whether the index wants a file of the archive: a language it parses, or a guideline file. */
export function indexWants(path: string): boolean {
  return languageOf(path) !== null || GUIDELINE.test(path);
}

/** The head's index; see the module comment for the order tried. */
export async function obtainCodeIndex(input: CodeIndexSourceInput): Promise<ObtainedIndex> {
  const deadline = AbortSignal.timeout(input.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = AbortSignal.any([input.signal, deadline]);
  try {
    const cached = await cachedIndex(input, [input.headSha]);
    if (cached) {
      return cached.complete ? { index: cached.index, origin: "cache" } : {
        index: cached.index,
        origin: "cache",
        note: "the repository is larger than the index reads, so part of it is not indexed",
      };
    }
    const updated = await updatedIndex(input, signal);
    if (updated) return updated;
    if (!canReadArchive(input.client)) {
      return await diffIndex(input, `${input.client.platform} offers no repository archive`);
    }
    return await archiveIndex(input, signal);
  } catch (error) {
    input.signal.throwIfAborted();
    const reason = deadline.aborted
      ? `the repository could not be read within ${
        Math.round((input.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)
      } s`
      : `the repository could not be read (${error instanceof Error ? error.message : String(error)})`;
    input.log.warn("Cannot index the repository, using the diff's files only", {
      repo: input.ref.repo,
      headSha: input.headSha,
      error: error instanceof Error ? error.message : String(error),
    });
    return await diffIndex(input, reason);
  }
}

/** The first of `shas` with a cached index that still parses (an unreadable one is dropped). */
async function cachedIndex(
  input: CodeIndexSourceInput,
  shas: string[],
): Promise<{ index: CodeIndex; complete: boolean } | null> {
  const stored = await readCodeIndex(input.db, input.repoId, shas, CODE_INDEX_FORMAT);
  if (!stored) return null;
  try {
    return { index: parseCodeIndex(stored.data), complete: stored.complete };
  } catch (error) {
    input.log.warn("Dropping a cached code index that does not parse", { commit: stored.commitSha, error });
    await dropCodeIndex(input.db, stored);
    return null;
  }
}

async function updatedIndex(input: CodeIndexSourceInput, signal: AbortSignal): Promise<ObtainedIndex | null> {
  const client = input.client;
  if (!canCompareCommits(client)) return null;
  const earlier = await listReviewedHeads(input.db, input.repoId, input.ref.number, EARLIER_HEADS);
  // Another pull request's head is an ancestor of this one once it was merged with a merge commit.
  const recent = await recentCodeIndexes(input.db, input.repoId, CODE_INDEX_FORMAT, RECENT_COMMITS);
  const candidates = [...new Set([...earlier, input.baseSha, ...recent])].filter((sha) =>
    sha !== input.headSha
  );
  const cached = await cachedCommits(input.db, input.repoId, candidates, CODE_INDEX_FORMAT);
  for (const sha of candidates.filter((candidate) => cached.has(candidate))) {
    signal.throwIfAborted();
    const diff = await client.getCompareDiff(input.ref, sha, input.headSha);
    if (diff === null) continue;
    const changes = parseDiff(diff);
    if (changes.length > MAX_UPDATED_FILES) continue;
    const base = await cachedIndex(input, [sha]);
    // An incomplete index stays incomplete when updated: the archive may fit now (a cap raised), so read it.
    if (!base?.complete) continue;
    const removed = changes.flatMap((file) =>
      file.oldPath !== null && file.oldPath !== file.newPath ? [file.oldPath] : []
    );
    const changed: SourceFile[] = [];
    for (const file of changes) {
      if (file.newPath === null || !indexWants(file.newPath)) continue;
      signal.throwIfAborted();
      const text = await input.readHeadFile(file.newPath);
      if (text !== null) changed.push({ path: file.newPath, text });
      else removed.push(file.newPath);
    }
    const index = await updateCodeIndex(base.index, changed, removed);
    await save(input, index);
    input.log.info("Code index updated from an earlier commit", {
      repo: input.ref.repo,
      from: sha,
      headSha: input.headSha,
      changed: changed.length,
      removed: removed.length,
    });
    return { index, origin: "updated" };
  }
  return null;
}

async function archiveIndex(input: CodeIndexSourceInput, signal: AbortSignal): Promise<ObtainedIndex> {
  const client = input.archiveClient ? await input.archiveClient() : input.client;
  if (!canReadArchive(client)) {
    return await diffIndex(input, `${client.platform} offers no repository archive`);
  }
  const started = performance.now();
  const archive = await client.getArchive(input.ref, input.headSha, {
    signal,
    limits: { ...input.limits, wanted: indexWants },
  });
  const index = await buildCodeIndex(archive.files);
  signal.throwIfAborted();
  const note = incompleteNote(archive.stats);
  await save(input, index, note === undefined);
  input.log.info("Code index built from the repository archive", {
    repo: input.ref.repo,
    headSha: input.headSha,
    ...archive.stats,
    ms: Math.round(performance.now() - started),
  });
  return note === undefined ? { index, origin: "archive" } : { index, origin: "archive", note };
}

function incompleteNote(stats: RepositoryArchiveStats): string | undefined {
  if (!stats.truncated) return undefined;
  return `the repository is larger than the index reads (stopped after ${stats.files} files, ` +
    `${Math.round(stats.bytes / 1024 / 1024)} MB)`;
}

/** The fallback: the head versions of the diff's files, read as the review reads them. */
async function diffIndex(input: CodeIndexSourceInput, reason: string): Promise<ObtainedIndex> {
  const files: SourceFile[] = [];
  for (const file of input.files) {
    const path = filePath(file);
    if (file.newPath === null || file.binary || !indexWants(path)) continue;
    input.signal.throwIfAborted();
    const text = await input.readHeadFile(path).catch(() => null);
    if (text !== null) files.push({ path, text });
  }
  return {
    index: await buildCodeIndex(files),
    origin: "diff",
    note: `the repository index was unavailable (${reason}), so only the changed files were read`,
  };
}

async function save(input: CodeIndexSourceInput, index: CodeIndex, complete = true): Promise<void> {
  await saveCodeIndex(input.db, {
    repoId: input.repoId,
    commitSha: input.headSha,
    format: CODE_INDEX_FORMAT,
    data: serializeCodeIndex(index),
    files: Object.keys((index as { files?: Record<string, unknown> }).files ?? {}).length,
    complete,
  }, { keep: input.keep });
}
