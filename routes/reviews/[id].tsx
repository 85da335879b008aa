import type { Context } from "hono";
import type { AppEnv } from "../../lib/http/define.ts";
import { defineHandlers } from "../../lib/http/define.ts";
import { HttpError } from "../../lib/http/errors.ts";
import { getOrgRepo, getOrgReview } from "../../lib/db/analytics.ts";
import { enqueue, getJob, type TaskPayloads } from "../../lib/queue/mod.ts";
import { hasRole, type Viewer } from "../../lib/auth/mod.ts";
import { PLATFORM_LABELS } from "../../components/SetupInstructions.tsx";
import {
  CsrfField,
  formatCost,
  formatDuration,
  formatTime,
  idParam,
  Notice,
  page,
  renderDashboard,
} from "../../lib/dashboard/route.tsx";

async function load(c: Context<AppEnv>, viewer: Viewer) {
  const found = await getOrgReview(c.var.deps.db, viewer.organization.id, idParam(c, "id"));
  if (!found) throw new HttpError(404, `Cannot find review ${c.req.param("id")}`);
  return found;
}

export const handler = defineHandlers({
  GET: page(async (c, viewer) => {
    const { review, steps, findings } = await load(c, viewer);
    const job = review.jobId === null ? null : await getJob(c.var.deps.db, review.jobId);
    const visible = findings.filter((finding) => finding.placement !== "duplicate");
    const duration = review.finishedAt === null ? null : review.finishedAt - review.startedAt;
    return renderDashboard(
      c,
      viewer,
      { title: `Review #${review.prNumber}`, active: "/reviews" },
      (
        <>
          <div class="page-head">
            <h1>
              #{review.prNumber} {review.title || "(untitled)"}{" "}
              <span class={`pill ${review.status}`} data-testid="review-status">{review.status}</span>
            </h1>
            {hasRole(viewer, "admin") && (
              <form method="post" class="inline">
                <CsrfField viewer={viewer} />
                <button type="submit" data-testid="rerun">Re-run review</button>
              </form>
            )}
          </div>
          <Notice c={c} />
          <div class="grid2">
            <section class="panel">
              <dl class="facts">
                <dt>Repository</dt>
                <dd>
                  <a href={`/repos/${review.repoId}`}>{review.repoFullName}</a>{" "}
                  <span class="muted">
                    ({PLATFORM_LABELS[review.platform as keyof typeof PLATFORM_LABELS]})
                  </span>
                </dd>
                <dt>Author</dt>
                <dd>{review.author}</dd>
                <dt>Head</dt>
                <dd>
                  <code>{review.headSha.slice(0, 12)}</code>
                </dd>
                <dt>Verdict</dt>
                <dd>{review.verdict ?? "—"}</dd>
                <dt>Started</dt>
                <dd>{formatTime(review.startedAt)}</dd>
                <dt>Duration</dt>
                <dd>{formatDuration(duration)}</dd>
              </dl>
            </section>
            <section class="panel">
              <dl class="facts">
                <dt>Findings</dt>
                <dd data-testid="findings-count">{review.findingsCount}</dd>
                <dt>Input tokens</dt>
                <dd>{review.inputTokens.toLocaleString("en-US")}</dd>
                <dt>Output tokens</dt>
                <dd>{review.outputTokens.toLocaleString("en-US")}</dd>
                <dt>Cost</dt>
                <dd>{formatCost(review.costUsd)}</dd>
                <dt>Job</dt>
                <dd data-testid="job">
                  {job
                    ? (
                      <>
                        #{job.id} <span class={`pill ${job.status}`}>{job.status}</span> · attempt{" "}
                        {job.attempts} of {job.maxAttempts}
                      </>
                    )
                    : "—"}
                </dd>
              </dl>
            </section>
          </div>
          {(review.error || job?.error) && (
            <section class="notice error" data-testid="errors">
              {review.error && <p>Review error: {review.error}</p>}
              {job?.error && job.error !== review.error && <p>Last job error: {job.error}</p>}
            </section>
          )}
          <h2>Steps</h2>
          <div class="table-wrap">
            <table data-testid="steps">
              <thead>
                <tr>
                  <th>Step</th>
                  <th>Model</th>
                  <th>Status</th>
                  <th>Input tokens</th>
                  <th>Output tokens</th>
                  <th>Cost</th>
                  <th>Duration</th>
                </tr>
              </thead>
              <tbody>
                {steps.map((step) => (
                  <tr>
                    <td>{step.name}</td>
                    <td>
                      {step.model ? `${step.provider}/${step.model}` : "—"}
                      {step.cached && <span class="muted small">(cached)</span>}
                    </td>
                    <td>
                      <span class={`pill ${step.status}`}>{step.status}</span>
                      {step.error && <div class="small muted">{step.error}</div>}
                    </td>
                    <td>{step.inputTokens.toLocaleString("en-US")}</td>
                    <td>{step.outputTokens.toLocaleString("en-US")}</td>
                    <td>{formatCost(step.costUsd)}</td>
                    <td>{formatDuration(step.durationMs)}</td>
                  </tr>
                ))}
                {steps.length === 0 && (
                  <tr>
                    <td colSpan={7} class="muted">No steps ran.</td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
          <h2>Findings ({visible.length})</h2>
          {visible.length === 0 && <p class="muted">No findings.</p>}
          {visible.map((finding) => (
            <article class={`finding ${finding.severity}`} data-testid="finding">
              <p class="small muted">
                <span class={`pill ${finding.severity}`}>{finding.severity}</span>{" "}
                <code>
                  {finding.path}:{finding.line}
                  {finding.endLine !== undefined && finding.endLine !== finding.line
                    ? `-${finding.endLine}`
                    : ""}
                </code>{" "}
                · {finding.step} · {finding.placement === "inline" ? "inline comment" : "in the summary"}
              </p>
              <h3>{finding.title}</h3>
              <p>{finding.body}</p>
              {finding.suggestion && <pre>{finding.suggestion}</pre>}
            </article>
          ))}
          {review.summary && (
            <>
              <h2>Posted summary</h2>
              <pre data-testid="summary">{review.summary.replace(/<!--[\s\S]*?-->/g, "").trim()}</pre>
            </>
          )}
        </>
      ),
    );
  }),
  /** Re-run: a manual `review_pull_request` job for the same head, which reviews even an already-reviewed head. */
  POST: page(async (c, viewer) => {
    const { db, now } = c.var.deps;
    const { review } = await load(c, viewer);
    const repo = await getOrgRepo(db, viewer.organization.id, review.repoId);
    if (!repo) throw new HttpError(404, `Cannot find repository ${review.repoId}`);
    const previous = review.jobId === null ? null : await getJob(db, review.jobId);
    const base = previous?.type === "review_pull_request"
      ? previous.payload as TaskPayloads["review_pull_request"]
      : null;
    await enqueue(db, "review_pull_request", {
      platform: repo.platform,
      repoId: repo.id,
      repo: repo.fullName,
      number: review.prNumber,
      headSha: review.headSha,
      baseSha: review.baseSha ?? base?.baseSha ?? "",
      baseRef: base?.baseRef ?? "",
      headRef: base?.headRef ?? "",
      title: review.title,
      author: review.author,
      authorIsBot: base?.authorIsBot ?? false,
      draft: false,
      action: "manual",
    }, {
      dedupeKey: `rerun:${repo.platform}:${repo.fullName}#${review.prNumber}@${review.headSha}`,
      groupKey: `${repo.platform}:${repo.fullName}#${review.prNumber}`,
      priority: 1,
      now,
    });
    c.var.deps.onEnqueued?.();
    return c.redirect(`/reviews/${review.id}?notice=review-queued`, 303);
  }, { role: "admin" }),
});
