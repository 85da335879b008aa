/**
 * Recent reviews and queue health, refreshed from `/api/reviews` without reloading the page: running rows
 * change state as they finish. Every count links to the rows it counts.
 */
import { useEffect, useState } from "preact/hooks";
import type { Overview } from "../lib/dashboard/overview.ts";
import { callApi } from "../lib/dashboard/api_client.ts";
import { formatCost, formatTime, kindLabel, statusLabel } from "../lib/dashboard/format.ts";

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
  const { waiting, reviews } = overview;
  const oldestWaitMs = waiting.length === 0
    ? 0
    : Math.max(0, Date.now() - Math.min(...waiting.map((job) => job.runAt)));
  return (
    <section aria-live="polite" data-live={live ? "on" : "off"}>
      <div class="cards">
        <a class="card" href="#waiting" data-testid="queue-pending">
          <strong>{waiting.length}</strong>waiting in the queue
        </a>
        <a class="card" href="/reviews?status=running" data-testid="queue-running">
          <strong>{overview.running}</strong>reviewing now
        </a>
        <a class="card" href="/reviews?status=failed&days=1" data-testid="failed-today">
          <strong>{overview.failedToday}</strong>failed today
        </a>
        <a class="card" href="#waiting">
          <strong>{Math.round(oldestWaitMs / 1000)}s</strong>oldest waiting
        </a>
      </div>
      {waiting.length > 0 && (
        <>
          <h2 id="waiting">Waiting for a worker</h2>
          <div class="table-wrap">
            <table data-testid="waiting">
              <thead>
                <tr>
                  <th>Pull request</th>
                  <th>Repository</th>
                  <th>Starts</th>
                </tr>
              </thead>
              <tbody>
                {waiting.map((job) => (
                  <tr key={job.jobId} data-job-id={job.jobId}>
                    <td>#{job.prNumber} {job.title}</td>
                    <td>
                      <a href={`/repos/${job.repoId}`}>{job.repo}</a>
                    </td>
                    <td>
                      {job.attempts > 0 ? `retry ${job.attempts + 1}, ` : ""}
                      {job.runAt <= Date.now() ? "as soon as a worker is free" : formatTime(job.runAt)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
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
                      {review.kind !== "review" && (
                        <span class="muted small" data-testid="run-kind">· {kindLabel(review.kind)}</span>
                      )}
                    </td>
                    <td>{review.repo}</td>
                    <td>
                      <span class={`pill ${review.status}`}>{statusLabel(review.status)}</span>
                    </td>
                    <td>{review.findingsCount}</td>
                    <td>{formatCost(review.costUsd)}</td>
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
