/** The data behind the dashboard home page and its live island, as plain JSON. */
import type { Db } from "../db/mod.ts";
import { listRecentReviews } from "../db/reviews.ts";
import { queueStats } from "../queue/mod.ts";

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
  queue: { pending: number; inProgress: number; failed: number; oldestPendingAgeMs: number };
}

export async function loadOverview(db: Db, now: () => number = Date.now): Promise<Overview> {
  const [reviews, stats] = await Promise.all([listRecentReviews(db, { limit: 25 }), queueStats(db, now)]);
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
    queue: {
      pending: stats.byStatus.pending ?? 0,
      inProgress: stats.byStatus.in_progress ?? 0,
      failed: stats.byStatus.failed ?? 0,
      oldestPendingAgeMs: stats.oldestPendingAgeMs,
    },
  };
}
