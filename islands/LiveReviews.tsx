/** Recent reviews and queue health, refreshed from `/api/reviews` without reloading the page. */
import { useEffect, useState } from "preact/hooks";
import type { Overview } from "../lib/dashboard/overview.ts";
import { callApi } from "../lib/dashboard/api_client.ts";

export default function LiveReviews(props: { initial: Overview; refreshMs?: number }) {
  const [overview, setOverview] = useState(props.initial);
  const [live, setLive] = useState(false);
  useEffect(() => {
    let stopped = false;
    const refresh = async () => {
      try {
        const next = await callApi("GET /api/reviews", undefined);
        if (!stopped) {
          setOverview(next);
          setLive(true);
        }
      } catch {
        if (!stopped) setLive(false);
      }
    };
    const timer = setInterval(refresh, props.refreshMs ?? 2000);
    refresh();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  const { queue, reviews } = overview;
  return (
    <section aria-live="polite" data-live={live ? "on" : "off"}>
      <div class="cards">
        <div class="card">
          <strong data-testid="queue-pending">{queue.pending}</strong>waiting in the queue
        </div>
        <div class="card">
          <strong data-testid="queue-running">{queue.inProgress}</strong>reviewing now
        </div>
        <div class="card">
          <strong>{queue.failed}</strong>failed today
        </div>
        <div class="card">
          <strong>{Math.round(queue.oldestPendingAgeMs / 1000)}s</strong>oldest waiting
        </div>
      </div>
      <h2>
        Recent reviews <span class="muted small">{live ? "· live" : ""}</span>
      </h2>
      {reviews.length === 0
        ? (
          <p class="muted panel" data-testid="no-reviews">
            No reviews yet. Connect a repository and open a pull request.
          </p>
        )
        : (
          <div class="table-wrap">
            <table data-testid="reviews">
              <thead>
                <tr>
                  <th>Pull request</th>
                  <th>Repository</th>
                  <th>Status</th>
                  <th>Findings</th>
                  <th>Cost</th>
                  <th>Started (UTC)</th>
                </tr>
              </thead>
              <tbody>
                {reviews.map((review) => (
                  <tr key={review.id} data-review-id={review.id}>
                    <td>
                      <a href={`/reviews/${review.id}`}>#{review.prNumber} {review.title}</a>
                    </td>
                    <td>{review.repo}</td>
                    <td>
                      <span class={`pill ${review.status}`}>{review.status}</span>
                    </td>
                    <td>{review.findingsCount}</td>
                    <td>${review.costUsd.toFixed(4)}</td>
                    <td>{new Date(review.startedAt).toISOString().replace("T", " ").slice(0, 16)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  );
}
