/**
 * What a running review is doing, step by step: the steps it planned when it started (queued), when each one
 * started (running); a finished step is its `review_steps` row. The worker writes it, the dashboard reads it —
 * possibly another process — so the live page never depends on the worker's memory.
 */
import { type Db, sql } from "./mod.ts";
import { emptyStepRecord, type ReviewStepRecord } from "./reviews.ts";

/** Where a step of a review stands. */
export type StepState = "queued" | "running" | ReviewStepRecord["status"];

/** One step of a review as the live page shows it; figures are zero until the step finishes. */
export interface LiveStep extends ReviewStepRecord {
  state: StepState;
  /** When the step started (epoch ms); null while it is queued or for reviews recorded before progress existed. */
  startedAt: number | null;
}

/** Records the steps a review is about to run, in pipeline order; a retried attempt starts from a clean plan. */
export async function planReviewSteps(
  db: Db,
  reviewId: number,
  names: readonly string[],
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.exec(sql`delete from review_step_progress where review_id = ${reviewId}`);
    for (const [position, name] of names.entries()) {
      await tx.exec(sql`
        insert into review_step_progress (review_id, position, name, started_at)
        values (${reviewId}, ${position}, ${name}, null)`);
    }
  });
}

/** Marks a planned step as running. */
export async function markStepStarted(
  db: Db,
  reviewId: number,
  name: string,
  now: () => number = Date.now,
): Promise<void> {
  await db.exec(sql`
    update review_step_progress set started_at = ${now()} where review_id = ${reviewId} and name = ${name}`);
}

/**
 * The steps of a review in plan order: finished ones carry their record, planned ones without a record are
 * running or queued. A finished step the plan does not name (a review recorded before plans) keeps its place
 * after the planned ones.
 */
export async function listLiveSteps(
  db: Db,
  reviewId: number,
  finished: ReviewStepRecord[],
): Promise<LiveStep[]> {
  const planned = await db.query<{ name: string; startedAt: number | null }>(sql`
    select name, started_at from review_step_progress where review_id = ${reviewId} order by position`);
  return mergeLiveSteps(
    planned.map((row) => ({
      name: row.name,
      startedAt: row.startedAt === null ? null : Number(row.startedAt),
    })),
    finished,
  );
}

/** Joins a plan and the finished records (pure; see `listLiveSteps`). */
export function mergeLiveSteps(
  planned: { name: string; startedAt: number | null }[],
  finished: ReviewStepRecord[],
): LiveStep[] {
  const records = new Map(finished.map((record) => [record.name, record]));
  const steps: LiveStep[] = planned.map(({ name, startedAt }) => {
    const record = records.get(name);
    records.delete(name);
    if (record) return { ...record, state: record.status, startedAt };
    return {
      ...emptyStepRecord(name),
      state: startedAt === null ? "queued" : "running",
      startedAt,
    };
  });
  for (const record of records.values()) steps.push({ ...record, state: record.status, startedAt: null });
  return steps;
}
