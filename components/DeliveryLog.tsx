/** A repository's recent webhook deliveries, newest first, like a platform's "Recent deliveries" list. */
import type { DeliveryLogEntry } from "../lib/db/deliveries.ts";
import {
  deliveryReason,
  formatDeliveryTime,
  OUTCOME_LABELS,
  outcomeTone,
} from "../lib/dashboard/delivery_log.ts";

export function DeliveryLog({ entries }: { entries: DeliveryLogEntry[] }) {
  if (entries.length === 0) {
    return (
      <p class="panel muted" data-testid="no-deliveries">
        No deliveries yet. Once the webhook is set up, each delivery is listed here with what Loom did with
        it.
      </p>
    );
  }
  return (
    <div class="table-wrap">
      <table data-testid="delivery-log">
        <thead>
          <tr>
            <th>Received</th>
            <th>Event</th>
            <th>Outcome</th>
            <th>Reason</th>
            <th>Delivery</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr data-outcome={entry.outcome}>
              <td class="small">{formatDeliveryTime(entry.receivedAt)}</td>
              <td>
                <code>{entry.event}</code>
              </td>
              <td>
                <span class={`pill ${outcomeTone(entry.outcome)}`}>
                  {OUTCOME_LABELS[entry.outcome] ?? entry.outcome}
                </span>
              </td>
              <td>
                {deliveryReason(entry)}
                {entry.jobId !== null && <span class="muted small">{` (job ${entry.jobId})`}</span>}
              </td>
              <td class="small muted">
                <code>{entry.deliveryId ?? "—"}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
