/**
 * Where each step's context came from (`review_steps.context`, migration 0018): a JSON list of `{kind, source}`
 * written once the pipeline has run, read by the dashboard's review page. Written on the step rows of the
 * review's current attempt, so a retried review shows what its last attempt gave.
 */
import { type Db, sql } from "./mod.ts";

/** One source of context, as `lib/review/prompt_context.ts` names it (`caller`, `src/a.ts:10-24`). */
export interface StepContextSource {
  kind: string;
  source: string;
}

/** Stores each named step's sources; a step without any keeps `null`. */
export async function recordStepContexts(
  db: Db,
  reviewId: number,
  steps: readonly { name: string; context?: readonly StepContextSource[] }[],
): Promise<void> {
  for (const step of steps) {
    if (!step.context || step.context.length === 0) continue;
    const value = JSON.stringify(step.context.map(({ kind, source }) => ({ kind, source })));
    await db.exec(sql`
      update review_steps set context = ${value}
      where review_id = ${reviewId} and name = ${step.name}
        and attempt = (select attempts from reviews where id = ${reviewId})`);
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
