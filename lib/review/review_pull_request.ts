/**
 * Reviews one pull request head, end to end, idempotently:
 * 1. re-read the pull request (closed or superseded heads are skipped);
 * 2. load `.loom/config.yaml` from the base branch — a broken config gets one explanatory comment and a
 *    permanent failure;
 * 3. fetch and parse the diff, apply the trigger rules, leave out lockfiles, generated and binary files;
 * 4. run the pipeline's steps with bounded parallelism, recording tokens and cost per step;
 * 5. merge duplicates, anchor findings to diff lines, skip what an earlier review already posted (hidden
 *    fingerprints), cap inline comments, and post everything as one review.
 * A job retried after a crash between "posted" and "completed" finds its own summary marker and posts nothing.
 */
import type { Db } from "../db/mod.ts";
import { getRepo, type Repo } from "../db/repos.ts";
import {
  finishReview,
  hasCompletedReview,
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
import { decideReviewEvent, type ResolvedModel } from "../config/repo_config.ts";
import { evaluateTriggers } from "../config/triggers.ts";
import type { LlmClient, LlmProviderId, TokenUsage } from "../llm/types.ts";
import type { PlatformClient, PullRequestRef } from "../platforms/types.ts";
import { PermanentJobError, type TaskPayloads } from "../queue/mod.ts";
import { anchorFindings } from "./anchor.ts";
import { runPipeline, throwIfAborted } from "./engine.ts";
import { fingerprint, fingerprintMarker, readFingerprints } from "./fingerprint.ts";
import { type Finding, SEVERITY_RANK } from "./findings.ts";
import { readSummaryHeads, renderInlineBody, renderSummary } from "./format.ts";

export interface ReviewDeps {
  db: Db;
  server: ServerConfig;
  log: Logger;
  createClient(repo: Repo): PlatformClient | Promise<PlatformClient>;
  createLlm(model: ResolvedModel): LlmClient;
  /** USD for one call's usage; zero when not given. */
  costOf?(provider: LlmProviderId, model: string, usage: TokenUsage): number;
  configCache?: ConfigCache;
  /** Steps run at once for one review. */
  stepConcurrency?: number;
  now?: () => number;
}

export type ReviewOutcome =
  | { status: "completed"; reviewId: number; posted: boolean; inline: number; summaryFindings: number }
  | { status: "skipped"; reason: string; reviewId?: number };

export async function reviewPullRequest(
  deps: ReviewDeps,
  job: { id: number; payload: TaskPayloads["review_pull_request"] },
  signal: AbortSignal,
): Promise<ReviewOutcome> {
  const now = deps.now ?? Date.now;
  const payload = job.payload;
  const repo = await getRepo(deps.db, payload.repoId);
  if (!repo) {
    throw new PermanentJobError(`Cannot review: repository ${payload.repoId} is no longer connected`);
  }
  const client = await deps.createClient(repo);
  const ref: PullRequestRef = { platform: repo.platform, repo: payload.repo, number: payload.number };

  const pr = await client.getPullRequest(ref);
  if (pr.state !== "open") return { status: "skipped", reason: `Pull request is ${pr.state}` };
  // Bitbucket webhooks carry 12-character hashes while its API returns full ones, so compare as prefixes.
  if (!pr.headSha.startsWith(payload.headSha) && !payload.headSha.startsWith(pr.headSha)) {
    return {
      status: "skipped",
      reason: `Superseded: the head moved from ${payload.headSha} to ${pr.headSha}`,
    };
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
    throw new PermanentJobError(error.message, { cause: error });
  }
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

  if (payload.action !== "manual" && await hasCompletedReview(deps.db, repo.id, payload.number, pr.headSha)) {
    // An edit of the title or reviewers re-sends the same head; it was reviewed already.
    return { status: "skipped", reason: `Head ${pr.headSha} was already reviewed` };
  }
  const reviewId = await startReview(deps.db, {
    repoId: repo.id,
    prNumber: payload.number,
    headSha: pr.headSha,
    baseSha: pr.baseSha,
    title: pr.title,
    author: pr.author,
    jobId: job.id,
  }, now);
  try {
    return await reviewFiles({
      deps,
      client,
      ref,
      repo,
      reviewId,
      files,
      loaded,
      headSha: pr.headSha,
      title: pr.title,
      signal,
    });
  } catch (error) {
    await finishReview(deps.db, reviewId, {
      status: signal.aborted ? "cancelled" : "failed",
      error: error instanceof Error ? error.message : String(error),
    }, now);
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
  deps: ReviewDeps;
  client: PlatformClient;
  ref: PullRequestRef;
  repo: Repo;
  reviewId: number;
  files: DiffFile[];
  loaded: Awaited<ReturnType<typeof loadRepoConfig>>;
  headSha: string;
  title: string;
  signal: AbortSignal;
}): Promise<ReviewOutcome> {
  const { deps, client, ref, reviewId, loaded, signal } = input;
  const now = deps.now ?? Date.now;
  const { config } = loaded;
  const { runs, findings: merged, reviewable, skippedFiles } = await runPipeline({
    loaded,
    files: input.files,
    title: input.title,
    server: deps.server,
    createLlm: deps.createLlm,
    costOf: deps.costOf,
    stepConcurrency: deps.stepConcurrency,
    signal,
    onStep: (record) => recordReviewStep(deps.db, reviewId, record, now),
  });
  const { inline: anchored, unanchored } = anchorFindings(merged, input.files);

  const existing = await client.listComments(ref);
  const postedFingerprints = new Set(existing.flatMap((comment) => readFingerprints(comment.body)));
  const alreadySummarised = existing.some((comment) =>
    readSummaryHeads(comment.body).includes(input.headSha)
  );
  const isNew = (finding: Finding) => !postedFingerprints.has(fingerprint(finding));
  const newInline = config.output.inline_comments ? anchored.filter(isNew) : [];
  const movedToSummary = config.output.inline_comments ? [] : anchored.filter(isNew);
  const bySeverity = (a: Finding, b: Finding) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];
  newInline.sort(bySeverity);
  const inline = newInline.slice(0, config.output.max_comments);
  const summaryFindings = [
    ...newInline.slice(config.output.max_comments),
    ...movedToSummary,
    ...unanchored.filter(isNew),
  ];
  const alreadyPosted = merged.length - inline.length - summaryFindings.length;

  const costUsd = runs.reduce((sum, run) => sum + run.record.costUsd, 0);
  const summary = renderSummary({
    headSha: input.headSha,
    filesReviewed: reviewable.length,
    inline,
    unanchored: summaryFindings,
    alreadyPosted,
    skippedFiles,
    steps: runs.map((run) => ({
      name: run.record.name,
      model: run.record.model ?? undefined,
      inputTokens: run.record.inputTokens,
      outputTokens: run.record.outputTokens,
      error: run.record.error ?? undefined,
    })),
    costUsd,
  }) + summaryFindings.map((finding) => "\n" + fingerprintMarker(fingerprint(finding))).join("");
  const event = decideReviewEvent(
    config.output,
    [...inline, ...summaryFindings].map((finding) => finding.severity),
  );

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

  const shouldPost = !alreadySummarised && event !== null && (config.output.summary || inline.length > 0);
  if (shouldPost) {
    throwIfAborted(signal);
    await client.postReview(ref, {
      headSha: input.headSha,
      summary,
      event,
      comments: inline.map((finding) => ({
        path: finding.path,
        line: finding.endLine ?? finding.line,
        startLine: finding.endLine !== undefined && finding.endLine !== finding.line
          ? finding.line
          : undefined,
        side: finding.side,
        body: renderInlineBody(ref.platform, finding, fingerprintMarker(fingerprint(finding))),
      })),
    });
  }
  await finishReview(deps.db, reviewId, { status: "completed", verdict: event ?? undefined, summary }, now);
  deps.log.info("Review finished", {
    reviewId,
    posted: shouldPost,
    inline: inline.length,
    summaryFindings: summaryFindings.length,
    alreadyPosted,
  });
  return {
    status: "completed",
    reviewId,
    posted: shouldPost,
    inline: inline.length,
    summaryFindings: summaryFindings.length,
  };
}
