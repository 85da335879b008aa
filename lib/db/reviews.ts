/**
 * Review records, append-only: every run of a review (automatic, re-run, `@loom review`) is its own row linked
 * to its pull request, so history and spend are never overwritten. A retried attempt of the same job keeps the
 * job's row; the steps of earlier attempts stay, so their spend counts, and the record shows the last attempt.
 * A job that failed before its review could start (missing credential, bad config, platform 404) is a `failed`
 * row too, with the reason and the next step in plain words.
 */
import type { Finding } from "../findings.ts";
import type { ReviewAction } from "../pull_request.ts";
import { type Db, sql } from "./mod.ts";
import { parseStepContext, type StepContextSource } from "./step_context.ts";

/**
 * `completed`: every configured step ran; `partial`: some steps failed; `failed`: nothing could be reviewed;
 * `cancelled`: superseded, closed or paused; `skipped`: nothing to review.
 */
export type ReviewStatus = "running" | "completed" | "partial" | "failed" | "skipped" | "cancelled";

/** What a history row records: a review, or a run of `recordAssistantRun` (`assistant_runs.ts`). */
export type RunKind = "review" | "describe" | "ask" | "converse";
export const RUN_KINDS: readonly RunKind[] = ["review", "describe", "ask", "converse"];

export interface ReviewRecord {
  id: number;
  /** `review` for every row older than the field. */
  kind: RunKind;
  repoId: number;
  repoFullName?: string;
  platform?: string;
  prNumber: number;
  headSha: string;
  baseSha: string | null;
  title: string;
  author: string;
  status: ReviewStatus;
  verdict: string | null;
  summary: string | null;
  findingsCount: number;
  inputTokens: number;
  /** Part of `inputTokens` the providers served from their prompt caches. */
  cachedInputTokens: number;
  outputTokens: number;
  costUsd: number;
  jobId: number | null;
  /** Why the review failed or which steps failed, in plain words. */
  error: string | null;
  /** What to do about the failure, in plain words. */
  nextStep: string | null;
  /** What started the run; `null` for records older than the field. */
  action: ReviewAction | null;
  /** Attempts of the job so far; tokens and cost include every attempt, `steps` show the last. */
  attempts: number;
  startedAt: number;
  finishedAt: number | null;
}

export interface ReviewStepRecord {
  name: string;
  provider: string | null;
  model: string | null;
  status: "completed" | "failed" | "skipped";
  /** Every prompt token the step sent, cached ones included. */
  inputTokens: number;
  /** Part of `inputTokens` served from the provider's prompt cache; absent means 0. */
  cachedInputTokens?: number;
  /** Part of `inputTokens` written to the provider's prompt cache (Anthropic); absent means 0. */
  cacheWriteTokens?: number;
  outputTokens: number;
  costUsd: number;
  cached: boolean;
  durationMs: number;
  error: string | null;
  /** Where the context its model calls were given came from (`step_context.ts`); read back, not written here. */
  context?: StepContextSource[];
}

/** The record of a step that has not run (yet): no model, no tokens, no cost. */
export function emptyStepRecord(name: string): ReviewStepRecord {
  return {
    name,
    provider: null,
    model: null,
    status: "skipped",
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    cached: false,
    durationMs: 0,
    error: null,
  };
}

export interface StoredFinding extends Finding {
  fingerprint: string;
  placement: "inline" | "summary" | "duplicate";
}

/** A `reviews` row (joined with its repository's name and platform, when selected) as a record. */
export function toReview(row: Record<string, unknown>): ReviewRecord {
  const numberOrNull = (value: unknown) => value === null || value === undefined ? null : Number(value);
  return {
    ...(row as unknown as ReviewRecord),
    id: Number(row.id),
    kind: (row.kind ?? "review") as RunKind,
    repoId: Number(row.repoId),
    prNumber: Number(row.prNumber),
    findingsCount: Number(row.findingsCount),
    inputTokens: Number(row.inputTokens),
    cachedInputTokens: Number(row.cachedInputTokens ?? 0),
    outputTokens: Number(row.outputTokens),
    costUsd: Number(row.costUsd),
    jobId: numberOrNull(row.jobId),
    error: (row.error ?? null) as string | null,
    nextStep: (row.nextStep ?? null) as string | null,
    action: (row.action ?? null) as ReviewAction | null,
    attempts: Number(row.attempts ?? 1),
    startedAt: Number(row.startedAt),
    finishedAt: numberOrNull(row.finishedAt),
  };
}

/** The pull request and head a review record is about. */
export interface ReviewSubject {
  repoId: number;
  prNumber: number;
  headSha: string;
  baseSha?: string;
  title: string;
  author: string;
  jobId?: number;
  action?: ReviewAction;
}

/**
 * Starts a run's review record: a new row, or, for another attempt of the same job, that job's row with its
 * attempt counted. A restart clears the previous attempt's findings; its steps stay for their spend.
 */
export async function startReview(
  db: Db,
  input: ReviewSubject,
  now: () => number = Date.now,
): Promise<number> {
  return await db.transaction(async (tx) => {
    const existing = input.jobId === undefined ? [] : await tx.query<{ id: unknown }>(sql`
      select id from reviews where job_id = ${input.jobId} order by id desc limit 1`);
    if (existing[0] !== undefined) {
      const id = Number(existing[0].id);
      await tx.exec(sql`
        update reviews set status = 'running', attempts = attempts + 1, started_at = ${now()},
          finished_at = null, error = null, next_step = null, verdict = null, summary = null
        where id = ${id}`);
      await tx.exec(sql`delete from comments where review_id = ${id}`);
      return id;
    }
    const rows = await tx.query<{ id: number }>(sql`
      insert into reviews (repo_id, pr_number, head_sha, base_sha, title, author, status, job_id, action,
        started_at)
      values (${input.repoId}, ${input.prNumber}, ${input.headSha}, ${input.baseSha ?? null}, ${input.title},
              ${input.author}, 'running', ${input.jobId ?? null}, ${input.action ?? null}, ${now()})
      returning id`);
    return Number(rows[0]!.id);
  });
}

/**
 * Records that a job failed for good: its review's row becomes `failed`, or, when the job failed before its
 * review started, a `failed` row is added, so every failure appears in the review history.
 * @returns the review's id
 */
export async function recordFailedReview(
  db: Db,
  input: ReviewSubject & { error: string; nextStep?: string },
  now: () => number = Date.now,
): Promise<number> {
  const id = await db.transaction(async (tx) => {
    const existing = input.jobId === undefined ? [] : await tx.query<{ id: unknown }>(sql`
      select id from reviews where job_id = ${input.jobId} order by id desc limit 1`);
    if (existing[0] !== undefined) return Number(existing[0].id);
    const rows = await tx.query<{ id: number }>(sql`
      insert into reviews (repo_id, pr_number, head_sha, base_sha, title, author, status, job_id, action,
        started_at)
      values (${input.repoId}, ${input.prNumber}, ${input.headSha}, ${input.baseSha ?? null}, ${input.title},
              ${input.author}, 'failed', ${input.jobId ?? null}, ${input.action ?? null}, ${now()})
      returning id`);
    return Number(rows[0]!.id);
  });
  await finishReview(db, id, { status: "failed", error: input.error, nextStep: input.nextStep }, now);
  return id;
}

export async function recordReviewStep(
  db: Db,
  reviewId: number,
  step: ReviewStepRecord,
  now: () => number = Date.now,
): Promise<void> {
  await db.exec(sql`
    insert into review_steps (review_id, name, provider, model, status, input_tokens, cached_input_tokens,
      cache_write_tokens, output_tokens, cost_usd, cached, duration_ms, error, created_at, attempt)
    values (${reviewId}, ${step.name}, ${step.provider}, ${step.model}, ${step.status}, ${step.inputTokens},
      ${step.cachedInputTokens ?? 0}, ${step.cacheWriteTokens ?? 0},
      ${step.outputTokens}, ${step.costUsd}, ${step.cached}, ${
    Math.round(step.durationMs)
  }, ${step.error}, ${now()}, (select attempts from reviews where id = ${reviewId}))`);
}

export async function recordFindings(
  db: Db,
  reviewId: number,
  findings: StoredFinding[],
  now: () => number = Date.now,
): Promise<void> {
  await db.transaction(async (tx) => {
    for (const finding of findings) {
      await tx.exec(sql`
        insert into comments (review_id, step, path, line, end_line, side, severity, title, body, suggestion,
          fingerprint, placement, created_at)
        values (${reviewId}, ${finding.step}, ${finding.path}, ${finding.line}, ${finding.endLine ?? null},
          ${finding.side}, ${finding.severity}, ${finding.title}, ${finding.body}, ${
        finding.suggestion ?? null
      },
          ${finding.fingerprint}, ${finding.placement}, ${now()})`);
    }
  });
}

export async function finishReview(
  db: Db,
  id: number,
  result: {
    status: Exclude<ReviewStatus, "running">;
    verdict?: string;
    summary?: string;
    error?: string;
    nextStep?: string;
  },
  now: () => number = Date.now,
): Promise<void> {
  // Tokens and cost add up every attempt's steps: a retried attempt's spend is spend too.
  await db.exec(sql`
    update reviews set status = ${result.status}, verdict = ${result.verdict ?? null},
      summary = ${result.summary ?? null}, error = ${result.error ?? null}, next_step = ${
    result.nextStep ?? null
  },
      finished_at = ${now()},
      findings_count = (select count(*) from comments where review_id = ${id} and placement <> 'duplicate'),
      input_tokens = coalesce((select sum(input_tokens) from review_steps where review_id = ${id}), 0),
      cached_input_tokens = coalesce(
        (select sum(cached_input_tokens) from review_steps where review_id = ${id}), 0),
      output_tokens = coalesce((select sum(output_tokens) from review_steps where review_id = ${id}), 0),
      cost_usd = coalesce((select sum(cost_usd) from review_steps where review_id = ${id}), 0)
    where id = ${id}`);
}

export async function listRecentReviews(
  db: Db,
  options: { limit?: number; repoId?: number; organizationId?: number } = {},
): Promise<ReviewRecord[]> {
  const repoFilter = options.repoId === undefined ? sql`` : sql`and r.repo_id = ${options.repoId}`;
  const orgFilter = options.organizationId === undefined
    ? sql``
    : sql`and p.organization_id = ${options.organizationId}`;
  const rows = await db.query(sql`
    select r.*, p.full_name as repo_full_name, p.platform from reviews r join repos p on p.id = r.repo_id
    where 1 = 1 ${repoFilter} ${orgFilter}
    order by r.started_at desc, r.id desc limit ${options.limit ?? 50}`);
  return rows.map(toReview);
}

export async function getReview(
  db: Db,
  id: number,
): Promise<{ review: ReviewRecord; steps: ReviewStepRecord[]; findings: StoredFinding[] } | null> {
  const rows = await db.query(sql`
    select r.*, p.full_name as repo_full_name, p.platform from reviews r join repos p on p.id = r.repo_id
    where r.id = ${id}`);
  if (!rows[0]) return null;
  const steps = await db.query<ReviewStepRecord>(
    sql`select name, provider, model, status, input_tokens, cached_input_tokens, cache_write_tokens,
          output_tokens, cost_usd, cached, duration_ms, error, context
        from review_steps
        where review_id = ${id} and attempt = (select attempts from reviews where id = ${id}) order by id`,
  );
  const findings = await db.query<StoredFinding>(
    sql`select step, path, line, end_line, side, severity, title, body, suggestion, fingerprint, placement
        from comments where review_id = ${id} order by id`,
  );
  return {
    review: toReview(rows[0]),
    steps: steps.map((step) => ({
      ...step,
      inputTokens: Number(step.inputTokens),
      cachedInputTokens: Number(step.cachedInputTokens ?? 0),
      cacheWriteTokens: Number(step.cacheWriteTokens ?? 0),
      outputTokens: Number(step.outputTokens),
      costUsd: Number(step.costUsd),
      durationMs: Number(step.durationMs),
      cached: Boolean(step.cached),
      context: parseStepContext(step.context),
    })),
    findings: findings.map((finding) => ({
      ...finding,
      line: Number(finding.line),
      endLine: finding.endLine === null ? undefined : Number(finding.endLine),
      suggestion: finding.suggestion ?? undefined,
    })),
  };
}

/** Notes an error on a running review (an attempt the queue retries) without ending it. */
export async function noteReviewError(db: Db, id: number, error: string): Promise<void> {
  await db.exec(sql`update reviews set error = ${error} where id = ${id} and status = 'running'`);
}
