/**
 * The repository page's delivery log in words: what each outcome means and why a delivery did nothing. Accepted
 * deliveries store only their outcome and event (the webhook path stays one statement on PostgreSQL), so their
 * reason is read off those two here; refusals carry the reason they were refused with.
 */
import type { DeliveryLogEntry } from "../db/deliveries.ts";

/** The newest deliveries the repository page lists. */
export const DELIVERY_LOG_ROWS = 50;

export const OUTCOME_LABELS: Record<DeliveryLogEntry["outcome"], string> = {
  enqueued: "queued",
  duplicate_job: "duplicate",
  ignored: "ignored",
  paused: "refused: paused",
  cancelled: "cancelled reviews",
  stale: "stale",
  unverified: "unverified",
  installation: "installation",
  bad_signature: "refused: bad signature",
  disconnected: "refused: disconnected",
  malformed: "refused: malformed",
  wrong_repository: "refused: other repository",
  too_large: "refused: too large",
  duplicate: "repeated",
};

/** The pill colour of an outcome, from the shared stylesheet's classes. */
export function outcomeTone(outcome: DeliveryLogEntry["outcome"]): string {
  if (outcome === "enqueued") return "completed";
  if (outcome === "paused") return "paused";
  if (OUTCOME_LABELS[outcome]?.startsWith("refused")) return "failed";
  return "queued";
}

/** Why the delivery ended as it did, in one sentence. */
export function deliveryReason(entry: Pick<DeliveryLogEntry, "outcome" | "event" | "reason">): string {
  if (entry.reason) return entry.reason;
  const comment = entry.event === "comment";
  switch (entry.outcome) {
    case "enqueued":
      return comment ? "The command was queued." : "A review was queued.";
    case "duplicate_job":
      return comment
        ? "The same command is already queued or running."
        : "A review of this head is already queued or running.";
    case "ignored":
      if (comment) return "No @loom command, or written by a bot or by Loom itself.";
      if (entry.event.startsWith("pull_request.")) {
        return `Loom reviews pull requests opened, reopened, pushed to or marked ready; not "${
          entry.event.slice("pull_request.".length)
        }".`;
      }
      return "Not an event Loom acts on.";
    case "paused":
      return "Reviews of this repository are paused: nothing was queued.";
    case "cancelled":
      return "The pull request was closed: its queued and running reviews were cancelled.";
    case "stale":
      return "The platform says the pull request has moved on since: nothing changed.";
    case "unverified":
      return "The platform could not confirm the close: nothing was cancelled.";
    case "installation":
      return "A GitHub App installation event, applied to its installation.";
    default:
      return "—";
  }
}

/** "2026-12-06 09:41:07 UTC": deliveries come seconds apart, so seconds count here. */
export function formatDeliveryTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace("T", " ").slice(0, 19) + " UTC";
}
