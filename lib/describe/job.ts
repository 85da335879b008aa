/**
 * The `describe_pull_request` job: `describe.auto` for a newly opened pull request.
 *
 * The review job of an `opened` delivery schedules it when it starts (`scheduleAutoDescribe`), after reading the
 * repository's configuration through the same cache the review reads it from, so a repository without
 * `describe.auto` pays nothing and gets no job. A retried review job schedules again: the live job's dedupe key,
 * and the completed run `describePullRequest` looks for, keep it to one description per pull request; a
 * redelivered `opened` webhook does the same. An `opened` review superseded by a push before it started never
 * runs, so the push's review schedules it instead when it is the first review of the pull request in the history
 * (`hasEarlierReview`); later pushes, and pull requests Loom reviewed before `describe.auto` was turned on,
 * are described on request (`@loom describe`).
 */
import { ConfigError } from "../config/errors.ts";
import { loadRepoConfig } from "../config/load.ts";
import { findCompletedRun, hasEarlierReview } from "../db/assistant_runs.ts";
import { getRepo } from "../db/repos.ts";
import { pullRequestGroupKey } from "../pull_request.ts";
import { enqueue, type EnqueueResult, PermanentJobError, type TaskPayloads } from "../queue/mod.ts";
import { type DescribeDeps, type DescribeOutcome, describePullRequest } from "./run.ts";

/**
 * Enqueues the automatic description when `job` reviews a newly opened pull request of a repository that asks
 * for it; `null` otherwise. Never throws for a configuration or platform problem (the review reports those, and a
 * retried review schedules again): only an aborted `signal` stops it.
 */
export async function scheduleAutoDescribe(
  deps: DescribeDeps,
  job: { id?: number; payload: TaskPayloads["review_pull_request"] },
  signal: AbortSignal,
): Promise<EnqueueResult | null> {
  const payload = job.payload;
  if (payload.action !== "opened" && payload.action !== "synchronize") return null;
  try {
    const repo = await getRepo(deps.db, payload.repoId);
    if (!repo || repo.paused) return null;
    const first = { repoId: repo.id, prNumber: payload.number, exceptJobId: job.id };
    if (payload.action === "synchronize" && await hasEarlierReview(deps.db, first)) return null;
    const ref = { platform: repo.platform, repo: payload.repo, number: payload.number };
    const done = {
      kind: "describe" as const,
      repoId: repo.id,
      prNumber: ref.number,
      action: "opened" as const,
    };
    if (await findCompletedRun(deps.db, done) !== null) return null;
    const client = await deps.createClient(repo, { signal });
    const { config } = await loadRepoConfig(client, ref, payload.baseRef, {
      server: deps.server,
      cache: deps.configCache,
      now: deps.now,
    });
    if (!config.describe.auto) return null;
    const group = pullRequestGroupKey(ref);
    return await enqueue(deps.db, "describe_pull_request", {
      platform: repo.platform,
      repoId: repo.id,
      repo: ref.repo,
      number: ref.number,
      deliveryId: payload.deliveryId ?? "",
    }, {
      // One live job per pull request; its own group, so a push that supersedes the review does not cancel it.
      dedupeKey: `describe:auto:${group}`,
      groupKey: `describe:${group}`,
      maxAttempts: 3,
      now: deps.now,
    });
  } catch (error) {
    if (signal.aborted) throw error;
    if (!(error instanceof ConfigError)) {
      deps.log.warn("Cannot schedule the automatic description", {
        repo: payload.repo,
        number: payload.number,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    return null;
  }
}

/**
 * Runs one `describe_pull_request` job.
 * @throws {PermanentJobError} when the repository is no longer connected
 */
export async function runDescribeJob(
  deps: DescribeDeps,
  job: { id: number; payload: TaskPayloads["describe_pull_request"] },
  signal: AbortSignal,
): Promise<DescribeOutcome> {
  const repo = await getRepo(deps.db, job.payload.repoId);
  if (!repo) {
    throw new PermanentJobError(`Cannot describe: repository ${job.payload.repoId} is no longer connected`);
  }
  return await describePullRequest(deps, {
    repo,
    ref: { platform: repo.platform, repo: job.payload.repo, number: job.payload.number },
    trigger: "opened",
    jobId: job.id,
    signal,
  });
}
