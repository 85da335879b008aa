/**
 * Applies a verified pull-request webhook delivery atomically: records its delivery id (a replay changes nothing),
 * then ignores it, cancels its pull request's jobs, or enqueues a review that supersedes the older heads' reviews.
 * PostgreSQL does it in one statement, the function in `apply_webhook_delivery.sql` (installed by
 * `delivery_function.ts`): one round trip instead of seven (BEGIN, five statements, COMMIT), which is what
 * bounded the web process's webhook rate there. SQLite runs in-process, so the same steps run as separate
 * statements in one transaction (`applyStepByStep` below): a change to what a delivery does is made in both.
 *
 * Replay safety: a delivery that would cancel or supersede a live job first needs the platform's word
 * (`headCheck: "unchecked"` answers `needs_check` and writes nothing); the caller asks the platform for the pull
 * request's current head and state and applies it again with `current`, `stale` or `unknown`.
 */
import { type Db, sql, type SqlStatement } from "../db/mod.ts";
import { type DeliveryOutcome, recordDelivery, setDeliveryOutcome } from "../db/deliveries.ts";
import { confirmRepo, type Repo } from "../db/repos.ts";
import { DEFAULT_MAX_ATTEMPTS, enqueue } from "./enqueue.ts";
import { cancelGroup } from "./settle.ts";
import type { TaskPayloads } from "./job.ts";
import { JOBS_CHANNEL } from "./wakeup.ts";
import {
  callFunction,
  deliveryFunction,
  ensureDeliveryFunction,
  forgetDeliveryFunction,
} from "./delivery_function.ts";

export type DeliveryAction =
  | { kind: "ignore" }
  /** Cancels every live job of the group (a closed pull request). */
  | { kind: "cancel_group"; groupKey: string; reason: string }
  /** Enqueues a review unless the repository is paused or a live job has `dedupeKey`; a new job supersedes. */
  | {
    kind: "enqueue_review";
    payload: TaskPayloads["review_pull_request"];
    dedupeKey: string;
    groupKey: string;
    supersedeReason: string;
  };

export interface WebhookDelivery {
  /**
   * The repository row the signature was verified with, `webhookSecret` being the ciphertext of the secret that
   * verified it (the current one or, within its grace period, the previous one); nothing is written if the
   * database's row differs or is disconnected.
   */
  repo: Pick<Repo, "id" | "platform" | "fullName" | "webhookSecret">;
  deliveryId: string;
  /** What the delivery was, for the record (`pull_request.opened`, `ignored`…). */
  event: string;
  action: DeliveryAction;
  /**
   * What the platform says of the event's pull request: `unchecked` (not asked yet: a delivery that would cancel
   * or supersede a live job answers `needs_check` and writes nothing), `current` (the default: the event is the
   * pull request's present), `stale` (it moved on: record the delivery, change nothing) or `unknown` (the platform
   * could not be asked: enqueue without superseding, cancel nothing).
   */
  headCheck?: HeadCheck;
}

export type HeadCheck = "unchecked" | "current" | "stale" | "unknown";

export interface AppliedDelivery {
  /**
   * `duplicate`: the delivery id was seen before and nothing changed. `stale_repo`: the repository was deleted or
   * its secret, platform or name changed since the caller read it; nothing was written.
   */
  outcome: DeliveryOutcome | "duplicate" | "stale_repo" | "needs_check";
  jobId?: number;
  /** True when a new job was committed (wake a worker). */
  created: boolean;
}

export async function applyWebhookDelivery(
  db: Db,
  delivery: WebhookDelivery,
  now: () => number = Date.now,
): Promise<AppliedDelivery> {
  return db.dialect === "postgres"
    ? await applyInOneStatement(db, delivery, now())
    : await db.transaction((tx) => applyStepByStep(tx, delivery, now));
}

/** The call of the PostgreSQL delivery function `name` for `delivery`, as `applyWebhookDelivery` makes it. */
export function deliveryCall(name: string, delivery: WebhookDelivery, at: number): SqlStatement {
  const { repo, action } = delivery;
  const review = action.kind === "enqueue_review" ? action : undefined;
  const groupKey = action.kind === "ignore" ? null : action.groupKey;
  const reason = action.kind === "cancel_group" ? action.reason : review?.supersedeReason ?? null;
  return callFunction(
    name,
    sql`${repo.platform}, ${delivery.deliveryId}, ${repo.id}, ${repo.webhookSecret}, ${repo.fullName},
      ${delivery.event}, ${at}, ${action.kind}, ${groupKey}, ${reason}, ${"review_pull_request"},
      ${review ? JSON.stringify(review.payload) : null}, ${
      review?.dedupeKey ?? null
    }, ${DEFAULT_MAX_ATTEMPTS},
      ${JOBS_CHANNEL}, ${delivery.headCheck ?? "current"}`,
  );
}

async function applyInOneStatement(db: Db, delivery: WebhookDelivery, at: number): Promise<AppliedDelivery> {
  const call = (name: string) => deliveryCall(name, delivery, at);
  const fn = await deliveryFunction();
  await ensureDeliveryFunction(db);
  let rows: DeliveryRow[];
  try {
    rows = await db.query<DeliveryRow>(call(fn.name));
  } catch (error) {
    // The function vanished after this process checked (a restored or recreated schema): install it again.
    if ((error as { code?: unknown }).code !== UNDEFINED_FUNCTION) throw error;
    forgetDeliveryFunction(db);
    await ensureDeliveryFunction(db);
    rows = await db.query<DeliveryRow>(call(fn.name));
  }
  const row = rows[0];
  if (!row) throw new Error(`Cannot apply a webhook delivery: ${fn.name} returned no row`);
  const applied: AppliedDelivery = {
    outcome: row.appliedOutcome as AppliedDelivery["outcome"],
    created: row.jobCreated,
  };
  if (row.appliedJobId !== null) applied.jobId = Number(row.appliedJobId);
  return applied;
}

interface DeliveryRow {
  appliedOutcome: string;
  appliedJobId: number | null;
  jobCreated: boolean;
}

/** PostgreSQL's SQLSTATE for a call to a function that does not exist. */
const UNDEFINED_FUNCTION = "42883";

async function applyStepByStep(
  db: Db,
  delivery: WebhookDelivery,
  now: () => number,
): Promise<AppliedDelivery> {
  const { repo, action } = delivery;
  const current = await confirmRepo(db, repo, now());
  if (!current) return { outcome: "stale_repo", created: false };
  const headCheck = delivery.headCheck ?? "current";
  if (headCheck === "unchecked" && action.kind !== "ignore" && await wouldReplaceLiveJob(db, action)) {
    return { outcome: "needs_check", created: false };
  }
  const key = { platform: repo.platform, deliveryId: delivery.deliveryId };
  const fresh = await recordDelivery(
    db,
    { ...key, repoId: repo.id, event: delivery.event, outcome: "ignored" },
    now,
  );
  if (!fresh) return { outcome: "duplicate", created: false };
  if (headCheck === "stale" || (headCheck === "unknown" && action.kind === "cancel_group")) {
    const outcome = headCheck === "stale" ? "stale" : "unverified";
    await setDeliveryOutcome(db, { ...key, outcome });
    return { outcome, created: false };
  }
  if (action.kind === "ignore") return { outcome: "ignored", created: false };
  if (action.kind === "cancel_group") {
    await cancelGroup(db, action.groupKey, { reason: action.reason, now });
    await setDeliveryOutcome(db, { ...key, outcome: "cancelled" });
    return { outcome: "cancelled", created: false };
  }
  if (current.paused) {
    await setDeliveryOutcome(db, { ...key, outcome: "paused" });
    return { outcome: "paused", created: false };
  }
  const job = await enqueue(db, "review_pull_request", action.payload, {
    dedupeKey: action.dedupeKey,
    groupKey: action.groupKey,
    now,
  });
  // An event the platform could not confirm supersedes nothing: the older review's own checks keep it silent.
  if (job.created && headCheck !== "unknown") {
    await cancelGroup(db, action.groupKey, { keepJobId: job.id, reason: action.supersedeReason, now });
  }
  const outcome = job.created ? "enqueued" : "duplicate_job";
  await setDeliveryOutcome(db, { ...key, outcome, jobId: job.id });
  return { outcome, jobId: job.id, created: job.created };
}

/** Whether applying `action` would cancel a live job: any of a closed pull request's, another head's review. */
async function wouldReplaceLiveJob(
  db: Db,
  action: Exclude<DeliveryAction, { kind: "ignore" }>,
): Promise<boolean> {
  const dedupeKey = action.kind === "enqueue_review" ? action.dedupeKey : null;
  const rows = await db.query<{ dedupeKey: string | null }>(sql`
    select dedupe_key from jobs where group_key = ${action.groupKey} and status in ('pending', 'in_progress')`);
  return rows.some((row) => dedupeKey === null || row.dedupeKey !== dedupeKey);
}
