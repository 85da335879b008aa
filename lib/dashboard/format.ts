/**
 * How the dashboard writes numbers, times and platform values, shared by server pages and islands (nothing
 * server-only here).
 */

export function formatTime(epochMs: number | null): string {
  return epochMs === null ? "—" : new Date(epochMs).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

/** "640 ms", "8.4 s", "3 min 5 s": seconds below a minute, never "0.0 min". */
export function formatDuration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * US dollars with enough precision to stay non-zero: "$12.40", "$0.0017", "$0.000042"; zero is "$0". A
 * review costs fractions of a cent, so rounding to cents would show "$0.00" for real spend.
 */
export function formatCost(usd: number): string {
  if (usd === 0) return "$0";
  if (Math.abs(usd) >= 1) return `$${usd.toFixed(2)}`;
  if (Math.abs(usd) >= 0.0001) return `$${usd.toFixed(4)}`;
  return `$${usd.toPrecision(2)}`;
}

export function formatCount(value: number): string {
  return value.toLocaleString("en-US");
}

/** The platform's review events in words. */
const VERDICT_LABELS: Record<string, string> = {
  REQUEST_CHANGES: "Changes requested",
  APPROVE: "Approved",
  COMMENT: "Commented",
};

export function verdictLabel(verdict: string | null): string {
  if (verdict === null) return "—";
  return VERDICT_LABELS[verdict] ?? verdict.toLowerCase().replaceAll("_", " ");
}

/** Review, job and step states in words; an unknown state shows as written. */
const STATUS_LABELS: Record<string, string> = {
  queued: "Queued",
  pending: "Waiting",
  running: "Running",
  in_progress: "Running",
  completed: "Completed",
  partial: "Partial",
  failed: "Failed",
  skipped: "Skipped",
  cancelled: "Cancelled",
};

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status;
}

const KIND_LABELS: Record<string, string> = {
  review: "Review",
  describe: "Description",
  ask: "Answer",
  converse: "Thread reply",
};

/** What a history row is (`RunKind` in `lib/db/reviews.ts`): a review, a description, an answer, a reply. */
export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind;
}

/** Whether a review in `phase` (`reviewPhase` in `review_live.ts`) may still change, so its page keeps refreshing. */
export function isLivePhase(phase: string): boolean {
  return phase === "queued" || phase === "running";
}
