/**
 * Runs other than reviews — describing a pull request, answering `@loom ask`, replying in a review thread — are
 * recorded in the review history like reviews, so their tokens and cost appear in the history, on the repository
 * page and in analytics (which sum `reviews`), and a failed run is visible with its reason.
 *
 * Guarantee: one call records one finished run in one transaction — a `reviews` row of the run's `kind` with its
 * totals, and one `review_steps` row that carries the provider, model and tokens the review page shows. When
 * `jobId` is given, every attempt of that job shares one row (found by job and kind): a retried job counts its
 * attempts and adds its spend (a failed attempt's tokens were paid for too) instead of adding a second run.
 */
import type { TokenUsage } from "../llm_stores.ts";
import type { ReviewAction } from "../pull_request.ts";
import { type Db, sql } from "./mod.ts";
import type { ReviewStatus, RunKind } from "./reviews.ts";

/** One finished run of `describe`, `ask` or `converse`. */
export interface AssistantRun {
  repoId: number;
  prNumber: number;
  /** The head the run saw (`""` when it read none, e.g. an answer that needed no diff). */
  headSha: string;
  kind: Exclude<RunKind, "review">;
  /** The pull request's title, shown in the history list (`""` when not known). */
  title?: string;
  /** Who the run was for: the commenter who asked, or the pull request's author for an automatic run. */
  author?: string;
  /** The queue job that ran it; attempts of one job share their row (see the module comment). */
  jobId?: number;
  /** What started it: `manual` (a command, the default) or the pull-request event of an automatic run. */
  action?: ReviewAction;
  /** The provider and model that answered; `null` when no model was called (a run that failed before it). */
  provider: string | null;
  model: string | null;
  /** Zero when no model was called. */
  usage: TokenUsage;
  costUsd: number;
  status: Extract<ReviewStatus, "completed" | "failed" | "skipped" | "cancelled">;
  /** Why the run failed or was skipped, in plain words. */
  error?: string | null;
  /** One line about what the run did ("Updated the description", "Answered in the thread"), for the history. */
  summary?: string | null;
  /** Epoch milliseconds. */
  startedAt: number;
  finishedAt: number;
}

/**
 * Records a finished run in the review history (see the module comment for the guarantee).
 * @returns the `reviews` row's id (the review page is `/reviews/<id>`)
 */
export async function recordAssistantRun(db: Db, run: AssistantRun): Promise<number> {
  return await db.transaction(async (tx) => {
    const existing = run.jobId === undefined ? [] : await tx.query<{ id: unknown }>(sql`
      select id from reviews where job_id = ${run.jobId} and kind = ${run.kind} order by id desc limit 1`);
    let id: number;
    if (existing[0] !== undefined) {
      id = Number(existing[0].id);
      await tx.exec(sql`update reviews set attempts = attempts + 1, head_sha = ${run.headSha},
        started_at = ${run.startedAt} where id = ${id}`);
    } else {
      const rows = await tx.query<{ id: unknown }>(sql`
        insert into reviews (repo_id, pr_number, head_sha, title, author, status, job_id, action, kind, started_at)
        values (${run.repoId}, ${run.prNumber}, ${run.headSha}, ${run.title ?? ""}, ${run.author ?? ""},
          'running', ${run.jobId ?? null}, ${run.action ?? "manual"}, ${run.kind}, ${run.startedAt})
        returning id`);
      id = Number(rows[0]!.id);
    }
    const stepStatus = run.status === "completed"
      ? "completed"
      : run.status === "failed"
      ? "failed"
      : "skipped";
    await tx.exec(sql`
      insert into review_steps (review_id, name, provider, model, status, input_tokens, cached_input_tokens,
        cache_write_tokens, output_tokens, cost_usd, cached, duration_ms, error, created_at, attempt)
      values (${id}, ${run.kind}, ${run.provider}, ${run.model}, ${stepStatus}, ${run.usage.inputTokens},
        ${run.usage.cachedInputTokens ?? 0}, ${run.usage.cacheWriteTokens ?? 0}, ${run.usage.outputTokens},
        ${run.costUsd}, ${false}, ${Math.max(0, Math.round(run.finishedAt - run.startedAt))}, ${
      run.error ?? null
    },
        ${run.finishedAt}, (select attempts from reviews where id = ${id}))`);
    // Totals over every attempt's step, as `finishReview` sums a review's.
    await tx.exec(sql`
      update reviews set status = ${run.status}, summary = ${run.summary ?? null}, error = ${
      run.error ?? null
    },
        finished_at = ${run.finishedAt},
        input_tokens = (select coalesce(sum(input_tokens), 0) from review_steps where review_id = ${id}),
        cached_input_tokens = (select coalesce(sum(cached_input_tokens), 0) from review_steps
          where review_id = ${id}),
        output_tokens = (select coalesce(sum(output_tokens), 0) from review_steps where review_id = ${id}),
        cost_usd = (select coalesce(sum(cost_usd), 0) from review_steps where review_id = ${id})
      where id = ${id}`);
    return id;
  });
}

/**
 * The id of a completed run of `kind` that `jobId` recorded, or of a completed run of `kind` on the pull request
 * that `action` started (an automatic run: one per pull request); `null` when there is none. What a retried or
 * redelivered run checks before it calls a model again.
 */
export async function findCompletedRun(
  db: Db,
  query:
    & { kind: AssistantRun["kind"] }
    & ({ jobId: number } | { repoId: number; prNumber: number; action: ReviewAction }),
): Promise<number | null> {
  const filter = "jobId" in query
    ? sql`job_id = ${query.jobId}`
    : sql`repo_id = ${query.repoId} and pr_number = ${query.prNumber} and action = ${query.action}`;
  const rows = await db.query<{ id: unknown }>(sql`
    select id from reviews where kind = ${query.kind} and status = 'completed' and ${filter}
    order by id desc limit 1`);
  return rows[0] === undefined ? null : Number(rows[0].id);
}

/**
 * Whether a review of the pull request other than job `exceptJobId`'s is in the history: the first review Loom
 * runs for a pull request finds none, so an automatic step that belongs to a pull request's first review (its
 * description) still happens when a push superseded the `opened` review before it started.
 */
export async function hasEarlierReview(
  db: Db,
  query: { repoId: number; prNumber: number; exceptJobId?: number },
): Promise<boolean> {
  const except = query.exceptJobId === undefined
    ? sql``
    : sql`and (job_id is null or job_id <> ${query.exceptJobId})`;
  const rows = await db.query<{ id: unknown }>(sql`
    select id from reviews where kind = 'review' and repo_id = ${query.repoId} and pr_number = ${query.prNumber}
    ${except} limit 1`);
  return rows.length > 0;
}
