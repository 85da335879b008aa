/**
 * A review's live part: where it stands, its steps (queued, running, done, with tokens, cost and time), then its
 * findings and the posted summary. While the review is queued or running it re-reads `/api/reviews/:id`
 * every `refreshMs` (default 1.5 s) and stops once the review has finished; without JavaScript the page still
 * shows the state it was rendered with.
 */
import { useEffect, useState } from "preact/hooks";
import type { ReviewLive } from "../lib/dashboard/review_live.ts";
import type { LiveStep } from "../lib/db/review_progress.ts";
import { callApi } from "../lib/dashboard/api_client.ts";
import {
  formatCost,
  formatCount,
  formatDuration,
  formatTime,
  isLivePhase,
  statusLabel,
  verdictLabel,
} from "../lib/dashboard/format.ts";
import { Markdown } from "../components/Markdown.tsx";

function describePhase(review: ReviewLive): string {
  const done = review.steps.filter((step) => step.state !== "queued" && step.state !== "running").length;
  const job = review.job;
  switch (review.phase) {
    case "queued":
      return job && job.attempts > 0
        ? `Waiting for attempt ${job.attempts + 1} of ${job.maxAttempts} (not before ${
          formatTime(job.runAt)
        }).`
        : "Waiting for a worker to pick it up.";
    case "running":
      return review.steps.length === 0
        ? "Reading the pull request and the repository's configuration…"
        : `${done} of ${review.steps.length} steps done.`;
    default:
      return review.finishedAt === null
        ? ""
        : `Finished ${formatTime(review.finishedAt)} after ${
          formatDuration(review.finishedAt - review.startedAt)
        }.`;
  }
}

function stepDuration(step: LiveStep, now: number): string {
  if (step.state === "running" && step.startedAt !== null) return `${formatDuration(now - step.startedAt)}…`;
  if (step.state === "queued") return "—";
  return formatDuration(step.durationMs);
}

export default function LiveReview(props: { initial: ReviewLive; refreshMs?: number }) {
  const [review, setReview] = useState(props.initial);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!isLivePhase(review.phase)) return;
    let stopped = false;
    const timer = setTimeout(async () => {
      try {
        const next = await callApi("GET /api/reviews/:id", { id: review.id });
        if (!stopped) setReview(next);
      } catch {
        // A failed refresh (a restart, a network blip) is retried on the next tick.
        if (!stopped) setReview({ ...review });
      }
      if (!stopped) setNow(Date.now());
    }, props.refreshMs ?? 1500);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [review]);
  const findingsCount = review.findings.length;
  return (
    <section data-live={isLivePhase(review.phase) ? "on" : "off"} aria-live="polite">
      <p class="status-line">
        <span class={`pill ${review.phase}`} data-testid="review-status" data-phase={review.phase}>
          {statusLabel(review.phase)}
        </span>{" "}
        <span class="muted" data-testid="phase-detail">{describePhase(review)}</span>
      </p>
      <div class="grid2">
        <section class="panel">
          <dl class="facts">
            <dt>Verdict</dt>
            <dd data-testid="verdict">{verdictLabel(review.verdict)}</dd>
            <dt>Findings</dt>
            <dd data-testid="findings-count">{findingsCount}</dd>
            <dt>Tokens</dt>
            <dd>
              {formatCount(review.inputTokens)} in · {formatCount(review.outputTokens)} out
            </dd>
            <dt>Cost</dt>
            <dd data-testid="cost">{formatCost(review.costUsd)}</dd>
            <dt>Job</dt>
            <dd data-testid="job">
              {review.job
                ? (
                  <>
                    #{review.job.id}{" "}
                    <span class={`pill ${review.job.status}`}>{statusLabel(review.job.status)}</span>{" "}
                    · attempt {review.job.attempts} of {review.job.maxAttempts}
                  </>
                )
                : "—"}
            </dd>
          </dl>
        </section>
        {(review.error || review.job?.error) && (
          <section class="notice error" data-testid="errors">
            {review.error && <p>Review error: {review.error}</p>}
            {review.nextStep && <p data-testid="next-step">What to do: {review.nextStep}</p>}
            {review.job?.error && review.job.error !== review.error && (
              <p>Last job error: {review.job.error}</p>
            )}
          </section>
        )}
      </div>
      <h2>Steps</h2>
      <div class="table-wrap">
        <table data-testid="steps">
          <thead>
            <tr>
              <th>Step</th>
              <th>Model</th>
              <th>State</th>
              <th>Input tokens</th>
              <th>Output tokens</th>
              <th>Cost</th>
              <th>Time</th>
            </tr>
          </thead>
          <tbody>
            {review.steps.map((step) => (
              <tr key={step.name} data-step={step.name} data-state={step.state}>
                <td>{step.name}</td>
                <td>
                  {step.model ? `${step.provider}/${step.model}` : "—"}
                  {step.cached && <span class="muted small">(cached)</span>}
                </td>
                <td>
                  <span class={`pill ${step.state}`}>{statusLabel(step.state)}</span>
                  {step.error && <div class="small muted">{step.error}</div>}
                </td>
                <td>
                  {step.state === "queued" || step.state === "running" ? "—" : formatCount(step.inputTokens)}
                </td>
                <td>
                  {step.state === "queued" || step.state === "running" ? "—" : formatCount(step.outputTokens)}
                </td>
                <td>
                  {step.state === "queued" || step.state === "running" ? "—" : formatCost(step.costUsd)}
                </td>
                <td>{stepDuration(step, now)}</td>
              </tr>
            ))}
            {review.steps.length === 0 && (
              <tr>
                <td colSpan={7} class="muted">
                  {isLivePhase(review.phase) ? "The steps appear once the diff is read." : "No steps ran."}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {review.steps.some((step) => (step.context?.length ?? 0) > 0) && (
        <>
          <h2>Context given</h2>
          <p class="muted small">
            Code and guidelines from the repository each step's model calls saw beside the diff.
          </p>
          {review.steps.filter((step) => (step.context?.length ?? 0) > 0).map((step) => (
            <section class="panel" key={step.name} data-testid="step-context" data-step={step.name}>
              <h3>{step.name}</h3>
              <ul>
                {step.context!.map((source) => (
                  <li key={`${source.kind}:${source.source}`} data-kind={source.kind}>
                    <span class="pill">{source.kind}</span> <code>{source.source}</code>
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </>
      )}
      <h2>Findings ({findingsCount})</h2>
      {findingsCount === 0 && (
        <p class="muted">
          {isLivePhase(review.phase) ? "Findings appear when the review finishes." : "No findings."}
        </p>
      )}
      {review.findings.map((finding) => {
        const place = `${finding.path}:${finding.line}${
          finding.endLine !== undefined && finding.endLine !== finding.line ? `-${finding.endLine}` : ""
        }`;
        return (
          <article class={`finding ${finding.severity}`} data-testid="finding">
            <p class="small muted">
              <span class={`pill ${finding.severity}`}>{finding.severity}</span> {finding.url
                ? (
                  <a href={finding.url} rel="noopener noreferrer" data-testid="finding-link">
                    <code>{place}</code>
                  </a>
                )
                : <code>{place}</code>} · {finding.step} ·{" "}
              {finding.placement === "inline" ? "inline comment" : "in the summary"}
            </p>
            <h3>{finding.title}</h3>
            <Markdown text={finding.body} />
            {finding.suggestion && (
              <pre>
                <code>{finding.suggestion}</code>
              </pre>
            )}
          </article>
        );
      })}
      {review.summary && (
        <>
          <h2>Posted summary</h2>
          <div class="panel" data-testid="summary">
            <Markdown text={review.summary} />
          </div>
        </>
      )}
    </section>
  );
}
