/**
 * The data behind the dashboard home page and its live island, as plain JSON, scoped to one organization. Each
 * count comes with the rows it counts (or the filter that lists them), so every figure on the page is a link.
 */
import type { Db } from "../db/mod.ts";
import { countOrgReviews, listOrgReviews, rangeStart } from "../db/analytics.ts";
import { listWaitingReviews, orgQueueHealth, type QueueHealth, type WaitingReview } from "../queue/mod.ts";

export interface ReviewRow {
  id: number;
  /** `RunKind`: a review, or a description, an answer or a thread reply. */
  kind: string;
  repo: string;
  platform: string;
  prNumber: number;
  title: string;
  status: string;
  findingsCount: number;
  costUsd: number;
  startedAt: number;
}

export interface Overview {
  reviews: ReviewRow[];
  queue: QueueHealth;
  /** Review jobs waiting for a worker (the "waiting" count lists these). */
  waiting: WaitingReview[];
  /** Reviews running now (`/reviews?status=running`). */
  running: number;
  /** Reviews started today (UTC) that failed (`/reviews?status=failed&days=1`). */
  failedToday: number;
}

export async function loadOverview(
  db: Db,
  organizationId: number,
  now: () => number = Date.now,
): Promise<Overview> {
  const [reviews, queue, waiting, running, failedToday] = await Promise.all([
    listOrgReviews(db, organizationId, { limit: 15 }),
    orgQueueHealth(db, organizationId, now),
    listWaitingReviews(db, organizationId),
    countOrgReviews(db, organizationId, { status: "running" }),
    countOrgReviews(db, organizationId, { status: "failed", since: rangeStart(1, now()) }),
  ]);
  return {
    reviews: reviews.map((review) => ({
      id: review.id,
      kind: review.kind,
      repo: review.repoFullName ?? "",
      platform: review.platform ?? "",
      prNumber: review.prNumber,
      title: review.title,
      status: review.status,
      findingsCount: review.findingsCount,
      costUsd: review.costUsd,
      startedAt: review.startedAt,
    })),
    queue,
    waiting,
    running,
    failedToday,
  };
}
