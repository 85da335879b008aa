/** The data behind the dashboard home page and its live island, as plain JSON, scoped to one organization. */
import type { Db } from "../db/mod.ts";
import { listOrgReviews, orgQueueHealth, type QueueHealth } from "../db/analytics.ts";

export interface ReviewRow {
  id: number;
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
}

export async function loadOverview(
  db: Db,
  organizationId: number,
  now: () => number = Date.now,
): Promise<Overview> {
  const [reviews, queue] = await Promise.all([
    listOrgReviews(db, organizationId, { limit: 15 }),
    orgQueueHealth(db, organizationId, now),
  ]);
  return {
    reviews: reviews.map((review) => ({
      id: review.id,
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
  };
}
