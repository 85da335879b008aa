/**
 * Reviews one pull request head, end to end, idempotently:
 * 1. re-read the pull request (closed or superseded heads are skipped);
 * 2. load `.loom/config.yaml` from the base branch — a broken config gets one explanatory comment and a
 *    permanent failure;
 * 3. fetch and parse the diff, apply the trigger rules, leave out lockfiles, generated and binary files;
 * 4. run the pipeline's steps with bounded parallelism, recording tokens and cost per step;
 *    On a push after an earlier review, only the hunks the new commits touched are reviewed (when the platform
 *    can compare commits and history allows);
 * 5. merge duplicates, anchor findings to diff lines, skip what an earlier review already posted (hidden
 *    fingerprints), cap inline comments, and post everything as one review; resolve Loom's threads the push made
 *    outdated where the platform can.
 * A job retried after a crash between "posted" and "completed" finds its own summary marker and posts nothing.
 */
import type { Db } from "../db/mod.ts";
import { getRepo, type Repo } from "../db/repos.ts";
import { withLibraryPrompts } from "../db/prompts.ts";
import {
  finishReview,
  recordFindings,
  recordReviewStep,
  startReview,
  type StoredFinding,
} from "../db/reviews.ts";
import type { ServerConfig } from "../config/env.ts";
import type { Logger } from "../log.ts";
import { parseDiff } from "../diff/parse.ts";
import { type DiffFile, filePath } from "../diff/types.ts";
import { CONFIG_ERROR_MARKER, ConfigError } from "../config/errors.ts";
import { type ConfigCache, loadRepoConfig } from "../config/load.ts";
import { pipelineSteps, type ResolvedModel } from "../config/repo_config.ts";
import { markStepStarted, planReviewSteps } from "../db/review_progress.ts";
import { evaluateTriggers } from "../config/triggers.ts";
import type { LlmClient, LlmProviderId, TokenUsage } from "../llm/types.ts";
import { canResolveThreads, type PlatformClient, type PullRequestRef } from "../platforms/types.ts";
import type { TaskPayloads } from "../queue/mod.ts";
import { anchorFindings } from "./anchor.ts";
import { readPullRequestState } from "../db/pull_requests.ts";
import { type ReviewProgress, startReviewProgress } from "./progress.ts";
import { type PipelineInput, runPipeline, throwIfAborted } from "./engine.ts";
import { fingerprint } from "./fingerprint.ts";
import { type IncrementalPlan, outdatedThreads, planIncremental } from "./incremental.ts";
import { planPublication, publishReview, renderPublication } from "./publish.ts";
import { UnreviewableError } from "./unreviewable.ts";
import { guardPosting, type JobLifecycle } from "./posting_guard.ts";

export interface ReviewDeps {
  db: Db;
  server: ServerConfig;
  log: Logger;
  /** The platform client of `repo`; `signal` (the job's) aborts its requests in flight. */
  createClient(repo: Repo, options?: { signal?: AbortSignal }): PlatformClient | Promise<PlatformClient>;
  createLlm(model: ResolvedModel): LlmClient;
  /** USD for one call's usage; zero when not given. */
  costOf?(provider: LlmProviderId, model: string, usage: TokenUsage): number;
  configCache?: ConfigCache;
  /** Steps run at once for one review. */
  stepConcurrency?: number;
  /** Token budgets, chunk parallelism and context lines for the engine; its defaults when absent. */
  engine?: Pick<
    PipelineInput,
    "chunkTokens" | "stepTokens" | "chunkConcurrency" | "contextLines" | "contextFiles" | "tokenCounter"
  >;
  now?: () => number;
}

export type ReviewOutcome =
  | { status: "completed"; reviewId: number; posted: boolean; inline: number; summaryFindings: number }
  | { status: "skipped"; reason: string; reviewId?: number };

export async function reviewPullRequest(
  deps: ReviewDeps,
  job: { id: number; payload: TaskPayloads["review_pull_request"] },
  signal: AbortSignal,
  /** The worker's hold on the job: every post is checked against it first (`posting_guard.ts`). */
  lifecycle?: JobLifecycle,
): Promise<ReviewOutcome> {
  const now = deps.now ?? Date.now;
  const payload = job.payload;
  const repo = await getRepo(deps.db, payload.repoId);
  if (!repo) {
    throw new UnreviewableError(`Cannot review: repository ${payload.repoId} is no longer connected`);
  }
  const ref: PullRequestRef = { platform: repo.platform, repo: payload.repo, number: payload.number };
  const client = guardPosting(await deps.createClient(repo, { signal }), {
    ref,
    headSha: payload.headSha,
    signal,
    lifecycle,
    unsignalled: () => deps.createClient(repo),
  });

  const pr = await client.getPullRequest(ref);
  if (pr.state !== "open") return { status: "skipped", reason: `Pull request is ${pr.state}` };
  // Bitbucket webhooks carry 12-character hashes while its API returns full ones, so compare as prefixes.
  if (!pr.headSha.startsWith(payload.headSha) && !payload.headSha.startsWith(pr.headSha)) {
    return {
      status: "skipped",
      reason: `Superseded: the head moved from ${payload.headSha} to ${pr.headSha}`,
    };
  }
  const state = await readPullRequestState(
    deps.db,
    { repoId: repo.id, prNumber: payload.number },
    pr.headSha,
  );
  // `@loom pause` stops automatic reviews of this pull request; `@loom review` ("manual") still runs.
  if (payload.action !== "manual" && state.paused) {
    return { status: "skipped", reason: "Automatic reviews of this pull request are paused" };
  }

  let loaded;
  try {
    loaded = await loadRepoConfig(client, ref, pr.baseRef, {
      server: deps.server,
      cache: deps.configCache,
      now,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    await postConfigErrorOnce(client, ref, error);
    // `retryable: false`: the queue fails the job at once.
    throw error;
  }
  // Steps with `prompt: library:<name>` use the organization's newest version from the dashboard's library.
  loaded = await withLibraryPrompts(deps.db, repo.organizationId, loaded);
  const { config } = loaded;
  throwIfAborted(signal);

  const files = parseDiff(await client.getDiff(ref));
  const decision = evaluateTriggers(config.triggers, {
    event: payload.action === "manual" ? "opened" : payload.action,
    baseRef: pr.baseRef,
    author: pr.author,
    authorIsBot: payload.authorIsBot,
    draft: pr.draft,
    changedPaths: files.map(filePath),
  });
  if (!decision.run) return { status: "skipped", reason: decision.reason };

  if (payload.action !== "manual" && state.headReviewed) {
    // An edit of the title or reviewers re-sends the same head; it was reviewed already.
    return { status: "skipped", reason: `Head ${pr.headSha} was already reviewed` };
  }
  // `@loom review` of a head that has a summary posts a new one; the same job retried after posting does not.
  const repostSummary = payload.action === "manual" && state.lastJobId !== job.id;
  const reviewId = await startReview(deps.db, {
    repoId: repo.id,
    prNumber: payload.number,
    headSha: pr.headSha,
    baseSha: pr.baseSha,
    title: pr.title,
    author: pr.author,
    jobId: job.id,
  }, now);
  // The dashboard's live page shows every step queued from here on.
  await planReviewSteps(deps.db, reviewId, pipelineSteps(config).map((step) => step.name));
  const progress = await startReviewProgress({
    client,
    ref,
    headSha: pr.headSha,
    reviewId,
    publicUrl: deps.server.publicUrl,
    log: deps.log,
    config,
    files,
  });
  try {
    return await reviewFiles({
      progress,
      repostSummary,
      ignored: state.ignored,
      deps,
      client,
      ref,
      repo,
      reviewId,
      files,
      loaded,
      headSha: pr.headSha,
      title: pr.title,
      incremental: payload.action === "synchronize",
      signal,
    });
  } catch (error) {
    await finishReview(deps.db, reviewId, {
      status: signal.aborted ? "cancelled" : "failed",
      error: error instanceof Error ? error.message : String(error),
    }, now);
    await progress.abandon({
      reason: signal.aborted
        ? "Review cancelled or superseded"
        : error instanceof Error
        ? error.message
        : String(error),
      cancelled: signal.aborted,
    });
    throw error;
  }
}

async function postConfigErrorOnce(
  client: PlatformClient,
  ref: PullRequestRef,
  error: ConfigError,
): Promise<void> {
  const body = error.toMarkdown();
  const existing = await client.listComments(ref);
  if (
    existing.some((comment) =>
      comment.body.includes(CONFIG_ERROR_MARKER) && comment.body.trim() === body.trim()
    )
  ) return;
  await client.postComment(ref, body);
}

async function reviewFiles(input: {
  progress: ReviewProgress;
  /** `@loom review`: post a new summary even when this head has one. */
  repostSummary: boolean;
  /** Fingerprints someone asked Loom not to post again. */
  ignored: ReadonlySet<string>;
  deps: ReviewDeps;
  client: PlatformClient;
  ref: PullRequestRef;
  repo: Repo;
  reviewId: number;
  files: DiffFile[];
  loaded: Awaited<ReturnType<typeof loadRepoConfig>>;
  headSha: string;
  title: string;
  /** A push to a reviewed pull request: review only what changed since the last reviewed head, when possible. */
  incremental: boolean;
  signal: AbortSignal;
}): Promise<ReviewOutcome> {
  const { deps, client, ref, reviewId, loaded, signal } = input;
  const now = deps.now ?? Date.now;
  const { config } = loaded;
  const existing = await client.listComments(ref);
  let plan: IncrementalPlan | null = null;
  if (input.incremental) {
    try {
      plan = await planIncremental(client, ref, {
        prFiles: input.files,
        comments: existing,
        headSha: input.headSha,
      });
    } catch (error) {
      // The comparison only saves tokens; without it the whole pull request is reviewed.
      deps.log.warn("Cannot compare with the last reviewed head, reviewing everything", {
        reviewId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  const { runs, findings: merged, reviewable, skippedFiles, redactions } = await runPipeline({
    ...deps.engine,
    loaded,
    files: plan?.files ?? input.files,
    title: input.title,
    server: deps.server,
    createLlm: deps.createLlm,
    costOf: deps.costOf,
    stepConcurrency: deps.stepConcurrency,
    signal,
    onStepStart: (name) => markStepStarted(deps.db, reviewId, name, now),
    onStep: async (record) => {
      await recordReviewStep(deps.db, reviewId, record, now);
      await input.progress.stepFinished(record);
    },
    headSha: input.headSha,
    readHeadFile: (path) => client.getFile(ref, path, input.headSha),
  });
  // Anchored against the whole pull request: an incremental review's hunks are exact pull-request hunks.
  const { inline: anchored, unanchored } = anchorFindings(merged, input.files);

  const publication = planPublication({
    headSha: input.headSha,
    output: config.output,
    anchored,
    unanchored,
    existing,
    ignored: input.ignored,
    repostSummary: input.repostSummary,
  });
  const { inline, summaryFindings, alreadyPosted, event } = publication;
  const costUsd = runs.reduce((sum, run) => sum + run.record.costUsd, 0);
  const summary = renderPublication(publication, {
    filesReviewed: reviewable.length,
    skippedFiles,
    steps: runs.map((run) => ({
      name: run.record.name,
      model: run.record.model ?? undefined,
      inputTokens: run.record.inputTokens,
      cachedInputTokens: run.record.cachedInputTokens,
      outputTokens: run.record.outputTokens,
      error: run.record.error ?? undefined,
      calls: run.chunks,
      costUsd: run.record.costUsd,
    })),
    costUsd,
    grouping: config.output.grouping,
    redactions,
    incrementalFrom: plan?.fromSha,
  });

  const stored: StoredFinding[] = [
    ...inline.map((finding) => ({
      ...finding,
      fingerprint: fingerprint(finding),
      placement: "inline" as const,
    })),
    ...summaryFindings.map((finding) => ({
      ...finding,
      fingerprint: fingerprint(finding),
      placement: "summary" as const,
    })),
  ];
  await recordFindings(deps.db, reviewId, stored, now);

  if (publication.post) throwIfAborted(signal);
  const posted = await publishReview(client, ref, publication, { summary, files: input.files });
  // Only after an incremental review is it known which threads the push touched.
  if (plan !== null && canResolveThreads(client)) {
    const outdated = outdatedThreads(existing, {
      prFiles: input.files,
      reviewed: plan.files,
      reported: new Set(merged.map(fingerprint)),
    });
    if (outdated.length > 0) {
      try {
        await client.resolveThreads(ref, outdated);
      } catch (error) {
        deps.log.warn("Cannot resolve outdated review threads", {
          reviewId,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
  await finishReview(deps.db, reviewId, { status: "completed", verdict: event ?? undefined, summary }, now);
  await input.progress.finish({ summary, event, findings: [...inline, ...summaryFindings] });
  deps.log.info("Review finished", {
    reviewId,
    posted,
    inline: inline.length,
    summaryFindings: summaryFindings.length,
    alreadyPosted,
  });
  return {
    status: "completed",
    reviewId,
    posted,
    inline: inline.length,
    summaryFindings: summaryFindings.length,
  };
}
