/** The review list shared by the review history and repository pages. Works without JavaScript. */
import type { ReviewRecord } from "../lib/db/reviews.ts";
import { formatCost, kindLabel, statusLabel } from "../lib/dashboard/format.ts";

const time = (epochMs: number) => new Date(epochMs).toISOString().replace("T", " ").slice(0, 16);

export function ReviewTable({ reviews, showRepo = true }: { reviews: ReviewRecord[]; showRepo?: boolean }) {
  if (reviews.length === 0) return <p class="muted" data-testid="no-reviews">No reviews match.</p>;
  return (
    <div class="table-wrap">
      <table data-testid="review-table">
        <thead>
          <tr>
            <th>Pull request</th>
            <th>Kind</th>
            {showRepo && <th>Repository</th>}
            <th>Author</th>
            <th>Status</th>
            <th>Findings</th>
            <th>Tokens</th>
            <th>Cost</th>
            <th>Started (UTC)</th>
          </tr>
        </thead>
        <tbody>
          {reviews.map((review) => (
            <tr data-review-id={review.id}>
              <td>
                <a href={`/reviews/${review.id}`}>#{review.prNumber} {review.title || "(untitled)"}</a>
              </td>
              <td data-testid="run-kind" data-kind={review.kind}>{kindLabel(review.kind)}</td>
              {showRepo && <td>{review.repoFullName}</td>}
              <td>{review.author}</td>
              <td>
                <span class={`pill ${review.status}`}>{statusLabel(review.status)}</span>
              </td>
              <td>{review.findingsCount}</td>
              <td>{(review.inputTokens + review.outputTokens).toLocaleString("en-US")}</td>
              <td>{formatCost(review.costUsd)}</td>
              <td>{time(review.startedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
