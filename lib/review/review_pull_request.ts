/**
 * Reviews one pull request head, end to end, idempotently:
 * 1. re-read the pull request (closed or superseded heads are skipped);
 * 2. load `.loom/config.yaml` from the base branch — a broken config gets one explanatory comment (edited, not
 *    repeated, and marked fixed once the config loads again), an error status and a permanent failure;
 * 3. fetch and parse the diff, apply the trigger rules, leave out lockfiles, generated and binary files;
 * 4. run the pipeline's steps with bounded parallelism, recording tokens and cost per step;
 *    On a push after an earlier review, only the hunks the new commits touched are reviewed (when the platform
 *    can compare commits and history allows);
 * 5. merge duplicates, anchor findings to diff lines, skip what an earlier review already posted (hidden
 *    fingerprints), cap inline comments, and post everything as one review; resolve Loom's threads the push made
 *    outdated where the platform can.
 * A job retried after a crash between "posted" and "completed" finds its own summary marker and posts nothing.
 *
 * Outcomes are honest (`outcome.ts`): `completed` only when every step ran, `partial` or `failed` otherwise, and
 * neither sets a success status. Every run is its own review record (`lib/db/reviews.ts`); a run started by hand
 * (`@loom review`, "Re-run review") asks the models again instead of answering from the response cache. A job
 * that fails for good — before or during its review — leaves a `failed` record with the reason and the next step,
 * and only then tells the pull request it could not finish; an attempt that the queue will retry changes nothing
 * on the pull request.
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
import { ConfigError } from "../config/errors.ts";
import { listOwnComments } from "../platforms/own_comments.ts";
import { type ConfigCache, loadRepoConfig } from "../config/load.ts";
import type { ResolvedModel } from "../config/models.ts";
import { pipelineSteps } from "./policy.ts";
import { markStepStarted, planReviewSteps } from "../db/review_progress.ts";
import { evaluateTriggers } from "../config/triggers.ts";
import type { LlmClient, LlmProviderId, TokenUsage } from "../llm/types.ts";
import type { PlatformClient, PullRequestRef } from "../platforms/types.ts";
import type { TaskPayloads } from "../queue/mod.ts";
import { anchorFindings } from "./anchor.ts";
import { readPullRequestState } from "../db/pull_requests.ts";
import { describeFindings, type ReviewProgress, startReviewProgress } from "./progress.ts";
import { reportConfigError, resolveConfigError } from "./config_error_comment.ts";
import { reportFailure, type RunState } from "./report_failure.ts";
import { decideRunOutcome, describeOutcome, outcomeCheckConclusion, outcomeCommitState } from "./outcome.ts";
import { checkAnnotations } from "./check_annotations.ts";
import { type PipelineInput, runPipeline, throwIfAborted } from "./engine.ts";
import { loadReviewLearnings } from "./learnings.ts";
import { fingerprint } from "./fingerprint.ts";
import { type IncrementalPlan, planIncremental } from "./incremental.ts";
import { resolveFixedThreads } from "./resolve_fixed.ts";
import { planPublication, publishReview, renderPublication } from "./publish.ts";
import { UnreviewableError } from "./unreviewable.ts";
import { guardPosting, headMovedReason, type JobLifecycle } from "./posting_guard.ts";
import { type AuthorBudgetDecision, authorIsMaintainer, checkAuthorBudget } from "./author_budget.ts";
import type { ModelKeys } from "../tenancy/credentials.ts";
import { checkModelKeys } from "./model_keys.ts";
import { type ReviewTickets, reviewTickets } from "./ticket_context.ts";
import { joinContext, recordStepContexts, reviewCodeContext } from "./review_context.ts";

export interface ReviewDeps {
  db: Db;
  server: ServerConfig;
  log: Logger;
  /**
   * The platform client of `repo`, with its organization's credential (`lib/tenancy/credentials.ts`); `signal`
   * (the job's) aborts its requests in flight.
   */
  createClient(
    repo: Repo,
    options?: { signal?: AbortSignal; timeoutMs?: number },
  ): PlatformClient | Promise<PlatformClient>;
  /**
   * The model keys `repo`'s organization may use (`resolveModelKeys`); without it, models keep the keys the
   * configuration resolved.
   */
  modelKeys?(repo: Repo): Promise<ModelKeys>;
  /** `cache: false` asks the model again instead of answering from the response cache. */
  createLlm(model: ResolvedModel, options?: { cache?: boolean }): LlmClient;
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
  | {
    status: "completed" | "partial" | "failed";
    reviewId: number;
    posted: boolean;
    inline: number;
    summaryFindings: number;
  }
  | { status: "skipped"; reason: string; reviewId?: number };

/** The job as the review needs it; without `attempts` and `maxAttempts` every attempt counts as the last. */
export interface ReviewJob {
  id: number;
  payload: TaskPayloads["review_pull_request"];
  attempts?: number;
  maxAttempts?: number;
}

/**
 * Reviews the job's pull request head.
 * @throws the error the job fails with, after recording it (a `retryable: false` error fails the job at once)
 */
export async function reviewPullRequest(
  deps: ReviewDeps,
  job: ReviewJob,
  signal: AbortSignal,
  /** The worker's hold on the job: every post is checked against it first (`posting_guard.ts`). */
  lifecycle?: JobLifecycle,
): Promise<ReviewOutcome> {
  const run: RunState = {};
  try {
    return await reviewHead(deps, job, signal, run, lifecycle);
  } catch (error) {
    await reportFailure(deps, job, signal, run, error);
    throw error;
  }
}

async function reviewHead(
  deps: ReviewDeps,
  job: ReviewJob,
  signal: AbortSignal,
  run: RunState,
  lifecycle: JobLifecycle | undefined,
): Promise<ReviewOutcome> {
  const now = deps.now ?? Date.now;
  const payload = job.payload;
  const repo = await getRepo(deps.db, payload.repoId);
  if (!repo) {
    throw new UnreviewableError(`Cannot review: repository ${payload.repoId} is no longer connected`, {
      nextStep: "Reconnect the repository on the dashboard; its pending reviews were dropped with it.",
    });
  }
  run.repo = repo;
  let unguarded: PlatformClient;
  try {
    unguarded = await deps.createClient(repo, { signal });
  } catch (error) {
    // Clients are built from stored or configured credentials: a missing one does not appear by trying again.
    if ((error as { retryable?: unknown }).retryable === true) throw error;
    throw new UnreviewableError(`Cannot review: ${(error as Error).message}`, {
      cause: error,
      nextStep: (error as { nextStep?: string }).nextStep ??
        `Give Loom a ${repo.platform} credential that can read this repository (docs/platforms.md), ` +
          "then re-run the review.",
    });
  }
  const ref: PullRequestRef = { platform: repo.platform, repo: payload.repo, number: payload.number };
  const client = guardPosting(unguarded, {
    ref,
    headSha: payload.headSha,
    signal,
    lifecycle,
    unsignalled: () => deps.createClient(repo),
  });
  Object.assign(run, { client, ref, headSha: payload.headSha });

  const pr = await client.getPullRequest(ref);
  // Bitbucket webhooks carry 12-character hashes while its API returns full ones: `sameHead` compares prefixes.
  const moved = headMovedReason(pr, payload.headSha);
  if (moved !== null) return { status: "skipped", reason: moved };
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
    await reportConfigError(client, ref, error);
    // `retryable: false`: the queue fails the job at once; `reportFailure` records it and sets the status.
    throw error;
  }
  // Steps with `prompt: library:<name>` use the organization's newest version from the dashboard's library.
  loaded = await withLibraryPrompts(deps.db, repo.organizationId, loaded);
  const { config } = loaded;
  throwIfAborted(signal);

  const files = parseDiff(await client.getDiff(ref));
  // Title, labels and draft are the pull request's now, not the webhook's: a label added since counts.
  const decision = evaluateTriggers(config.triggers, {
    event: payload.action,
    baseRef: pr.baseRef,
    title: pr.title,
    labels: pr.labels,
    author: pr.author,
    authorIsBot: pr.authorIsBot ?? payload.authorIsBot,
    draft: pr.draft,
    changedPaths: files.map(filePath),
  });
  if (!decision.run) return { status: "skipped", reason: decision.reason };

  run.headSha = pr.headSha;
  if (payload.action !== "manual" && state.headReviewed) {
    // An edit of the title or reviewers re-sends the same head; it was reviewed already.
    return { status: "skipped", reason: `Head ${pr.headSha} was already reviewed` };
  }
  if (payload.action !== "manual") {
    const budget = await checkAuthorBudget(deps, {
      repo,
      author: pr.author,
      kind: "review",
      repoPublic: payload.repoPublic,
      isMaintainer: () => authorIsMaintainer(unguarded, ref, pr.author, payload.authorCanWrite),
    });
    if (!budget.allowed) return await recordBudgetSkip(deps, job, { repo, pr, budget });
  }
  const modelKeys = await checkModelKeys(deps, repo, config);
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
    action: payload.action,
  }, now);
  // The dashboard's live page shows every step queued from here on.
  await planReviewSteps(deps.db, reviewId, pipelineSteps(config).map((step) => step.name));
  run.reviewId = reviewId;
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
  run.progress = progress;
  const tickets = await reviewTickets(deps, { repo, ref, pr, config: config.tickets, signal });
  return await reviewFiles({
    tickets,
    progress,
    repostSummary,
    ignored: state.ignored,
    // A run someone asked for asks the models again: the cache would repeat the answer being questioned.
    useCache: payload.action !== "manual",
    deps,
    client,
    ref,
    repo,
    reviewId,
    files,
    loaded,
    headSha: pr.headSha,
    baseSha: pr.baseSha,
    title: pr.title,
    incremental: payload.action === "synchronize",
    signal,
    modelKeys,
  });
}

/** A review the author's budget refused: a `skipped` record with the reason, so the history shows it. */
async function recordBudgetSkip(
  deps: ReviewDeps,
  job: ReviewJob,
  input: {
    repo: Repo;
    pr: { headSha: string; baseSha: string; title: string; author: string };
    budget: Extract<AuthorBudgetDecision, { allowed: false }>;
  },
): Promise<ReviewOutcome> {
  const now = deps.now ?? Date.now;
  const reviewId = await startReview(deps.db, {
    repoId: input.repo.id,
    prNumber: job.payload.number,
    headSha: input.pr.headSha,
    baseSha: input.pr.baseSha,
    title: input.pr.title,
    author: input.pr.author,
    jobId: job.id,
    action: job.payload.action,
  }, now);
  await finishReview(deps.db, reviewId, {
    status: "skipped",
    error: input.budget.reason,
    nextStep: input.budget.nextStep,
  }, now);
  return { status: "skipped", reason: input.budget.reason, reviewId };
}

async function reviewFiles(input: {
  progress: ReviewProgress;
  /** `@loom review`: post a new summary even when this head has one. */
  repostSummary: boolean;
  /** Fingerprints someone asked Loom not to post again. */
  ignored: ReadonlySet<string>;
  /** Whether model answers may come from the response cache. */
  useCache: boolean;
  deps: ReviewDeps;
  client: PlatformClient;
  ref: PullRequestRef;
  repo: Repo;
  reviewId: number;
  files: DiffFile[];
  loaded: Awaited<ReturnType<typeof loadRepoConfig>>;
  headSha: string;
  baseSha: string;
  title: string;
  /** A push to a reviewed pull request: review only what changed since the last reviewed head, when possible. */
  incremental: boolean;
  signal: AbortSignal;
  /** The organization's model keys (`checkModelKeys`); absent, models keep the keys the configuration resolved. */
  modelKeys?: ModelKeys;
  /** The referred tickets' context for every chunk, and the summary's notes about them. */
  tickets: ReviewTickets;
}): Promise<ReviewOutcome> {
  const { deps, client, ref, reviewId, loaded, signal } = input;
  const now = deps.now ?? Date.now;
  const { config } = loaded;
  // Loom's own comments only: their markers say what was summarised, posted and may be resolved or edited.
  const existing = await listOwnComments(client, ref);
  try {
    await resolveConfigError(client, ref, existing);
  } catch (error) {
    deps.log.warn("Cannot mark the configuration-error comment fixed", { reviewId, error });
  }
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
  const learnings = await loadReviewLearnings(deps, input.repo, config.learnings, { client, ref, existing });
  const codeContext = reviewCodeContext(input, config.context);
  const { runs, findings: merged, reviewable, skippedFiles, redactions } = await runPipeline({
    ...deps.engine,
    loaded,
    files: plan?.files ?? input.files,
    title: input.title,
    server: deps.server,
    createLlm: (model) =>
      deps.createLlm(input.modelKeys ? input.modelKeys.apply(model) : model, { cache: input.useCache }),
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
    guidanceFor: learnings.guidanceFor,
    contextFor: joinContext(input.tickets.contextFor, codeContext?.contextFor),
  });
  await recordStepContexts(deps.db, reviewId, runs);
  const { kept, suppressed: suppressedByLearnings } = learnings.partition(merged);
  // Anchored against the whole pull request: an incremental review's hunks are exact pull-request hunks.
  const { inline: anchored, unanchored } = anchorFindings(kept, input.files);

  const outcome = decideRunOutcome(runs.map((run) => run.record));
  const publication = planPublication({
    platform: client.platform,
    headSha: input.headSha,
    output: config.output,
    anchored,
    unanchored,
    existing,
    ignored: input.ignored,
    repostSummary: input.repostSummary,
    outcome,
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
    suppressedByLearnings,
    notes: input.tickets.notes,
    codeContext: codeContext?.coverage(),
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
  // Threads of findings this push fixed, judged on the hunks this review looked at (an incremental review's
  // changed hunks, or the whole pull request).
  await resolveFixedThreads(client, ref, {
    enabled: config.output.resolve_fixed,
    outcome,
    existing,
    prFiles: input.files,
    reviewed: reviewable,
    reported: new Set(merged.map(fingerprint)),
    headSha: input.headSha,
  }, deps.log);
  const failure = describeOutcome(outcome);
  await finishReview(deps.db, reviewId, {
    status: outcome.status,
    verdict: event ?? undefined,
    summary,
    error: failure ?? undefined,
    nextStep: outcome.status === "completed"
      ? undefined
      : "Fix what the failed steps report (a model key, a prompt, a script), then re-run the review.",
  }, now);
  await input.progress.finish({
    summary,
    // A retried job finds the summary its earlier attempt posted.
    summaryPosted: posted || publication.alreadySummarised,
    state: outcomeCommitState(outcome, event, config.output),
    conclusion: outcomeCheckConclusion(outcome, event, config.output),
    description: failure ?? describeFindings([...inline, ...summaryFindings]),
    annotations: checkAnnotations([...inline, ...summaryFindings], anchored),
  });
  deps.log.info("Review finished", {
    reviewId,
    outcome: outcome.status,
    posted,
    inline: inline.length,
    summaryFindings: summaryFindings.length,
    alreadyPosted,
  });
  return {
    status: outcome.status,
    reviewId,
    posted,
    inline: inline.length,
    summaryFindings: summaryFindings.length,
  };
}
