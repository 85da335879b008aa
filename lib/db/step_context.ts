/**
 * Where each step's context came from (`review_steps.context`, migration 0018): a JSON list of `{kind, source}`
 * written once the pipeline has run, read by the dashboard's review page. Written on each step's newest row: the
 * attempt that just recorded it, or — when a lease ran out and a later attempt of the same head already recorded
 * the step — that attempt's row, which the page shows and whose context is the same.
 */
import { type Db, sql } from "./mod.ts";

/** One source of context, as `lib/review/prompt_context.ts` names it (`caller`, `src/a.ts:10-24`). */
export interface StepContextSource {
  kind: string;
  source: string;
}

/** Stores each step's sources (the pipeline's step runs as they are); a step without any keeps `null`. */
export async function recordStepContexts(
  db: Db,
  reviewId: number,
  steps: readonly { record: { name: string }; context?: readonly StepContextSource[] }[],
): Promise<void> {
  for (const step of steps) {
    if (!step.context || step.context.length === 0) continue;
    const value = JSON.stringify(step.context.map(({ kind, source }) => ({ kind, source })));
    await db.exec(sql`
      update review_steps set context = ${value}
      where id = (select max(id) from review_steps where review_id = ${reviewId} and name = ${step.record.name})`);
  }
}

/** The stored column read back: the sources, or an empty list for null or a value that is not such a list. */
export function parseStepContext(value: unknown): StepContextSource[] {
  if (typeof value !== "string" || value === "") return [];
  try {
    const parsed = JSON.parse(value);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((item): item is StepContextSource =>
      typeof item?.kind === "string" && typeof item?.source === "string"
    ).map(({ kind, source }) => ({ kind, source }));
  } catch {
    return [];
  }
}
