/**
 * The code context of one review, wired from what the review already has: its database, logger, platform client
 * and configuration (`code_context.ts` selects, `code_index_source.ts` obtains the index). The repository archive
 * is downloaded through a client of its own with four platform deadlines (`LOOM_PLATFORM_TIMEOUT_MS`, 30 s by
 * default, so two minutes), since one is sized for an API answer, not a repository's tarball; obtaining the index
 * as a whole has the same deadline, after which the review goes on with the diff's files.
 */
import type { Repo } from "../db/repos.ts";
import type { Db } from "../db/mod.ts";
import type { ContextOptions } from "../config/schema.ts";
import type { ServerConfig } from "../config/env.ts";
import type { DiffFile } from "../diff/types.ts";
import type { Logger } from "../log.ts";
import type { PlatformClient, PullRequestRef } from "../platforms/types.ts";
import { type CodeContext, createCodeContext } from "./code_context.ts";
import type { PipelineInput } from "./pipeline_input.ts";

/** Stores each step's context sources once the pipeline ran (`lib/db/step_context.ts`). */
export { recordStepContexts } from "../db/step_context.ts";

// A 5,000-file repository's archive is a few megabytes: seconds on a normal link, so four API deadlines leave a
// slow platform room while a hung download still leaves the review most of its five-minute job.
const ARCHIVE_DEADLINES = 4;

/** What the review offers; `ReviewDeps` and the review's state satisfy it as they are. */
export interface ReviewContextSource {
  deps: {
    db: Db;
    log: Logger;
    server: Pick<ServerConfig, "platformTimeoutMs">;
    createClient(
      repo: Repo,
      options?: { signal?: AbortSignal; timeoutMs?: number },
    ): PlatformClient | Promise<PlatformClient>;
    engine?: { chunkTokens?: number };
  };
  client: PlatformClient;
  ref: PullRequestRef;
  repo: Repo;
  files: readonly DiffFile[];
  headSha: string;
  baseSha: string;
  signal: AbortSignal;
}

/** The review's code context, or undefined when `options` turns it off. */
export function reviewCodeContext(
  review: ReviewContextSource,
  options: ContextOptions,
): CodeContext | undefined {
  const { deps, client, ref, signal } = review;
  const timeoutMs = deps.server.platformTimeoutMs * ARCHIVE_DEADLINES;
  return createCodeContext({
    db: deps.db,
    log: deps.log,
    client,
    archiveClient: () => deps.createClient(review.repo, { signal, timeoutMs }),
    timeoutMs,
    ref,
    repoId: review.repo.id,
    headSha: review.headSha,
    baseSha: review.baseSha,
    files: review.files,
    signal,
    options,
    chunkTokens: deps.engine?.chunkTokens,
    readHeadFile: (path) => client.getFile(ref, path, review.headSha),
  });
}

/**
 * One `contextFor` giving the blocks of each source in turn (the tickets' first: they say what the change is
 * for), or undefined when there is none. Each source answers the same blocks for the same chunk, so the joined
 * answer does too and the steps keep sharing one cached prompt prefix.
 */
export function joinContext(
  ...sources: (PipelineInput["contextFor"] | undefined)[]
): PipelineInput["contextFor"] | undefined {
  const given = sources.filter((source) => source !== undefined);
  if (given.length === 0) return undefined;
  return async (chunk) => (await Promise.all(given.map((source) => source(chunk)))).flat();
}
