import type { Context } from "hono";
import type { AppEnv } from "../../lib/http/define.ts";
import { defineHandlers } from "../../lib/http/define.ts";
import { HttpError } from "../../lib/http/errors.ts";
import { getOrgRepo, getOrgReview } from "../../lib/db/analytics.ts";
import { enqueue, getJob, type TaskPayloads } from "../../lib/queue/mod.ts";
import { pullRequestGroupKey } from "../../lib/pull_request.ts";
import { hasRole, type Viewer } from "../../lib/auth/mod.ts";
import { PLATFORM_LABELS } from "../../components/SetupInstructions.tsx";
import { kindLabel } from "../../lib/dashboard/format.ts";
import { CsrfField, formatTime, idParam, Notice, page, renderDashboard } from "../../lib/dashboard/route.tsx";
import { loadReviewLive } from "../../lib/dashboard/review_live.ts";
import { Island } from "../../lib/http/island.tsx";
import LiveReview from "../../islands/LiveReview.tsx";

async function load(c: Context<AppEnv>, viewer: Viewer) {
  const found = await getOrgReview(c.var.deps.db, viewer.organization.id, idParam(c, "id"));
  if (!found) throw new HttpError(404, `Cannot find review ${c.req.param("id")}`);
  return found;
}

export const handler = defineHandlers({
  GET: page(async (c, viewer) => {
    const { review } = await load(c, viewer);
    const live = await loadReviewLive(c.var.deps.db, c.var.deps.config, viewer.organization.id, review.id);
    if (!live) throw new HttpError(404, `Cannot find review ${review.id}`);
    return renderDashboard(
      c,
      viewer,
      { title: `Review of #${review.prNumber} ${review.title || "(untitled)"}`, active: "/reviews" },
      (
        <>
          <div class="page-head">
            <h1>
              #{review.prNumber} {review.title || "(untitled)"}
            </h1>
            {hasRole(viewer, "admin") && (
              <form method="post" class="inline">
                <CsrfField viewer={viewer} />
                <button type="submit" data-testid="rerun">Re-run review</button>
              </form>
            )}
          </div>
          <Notice c={c} />
          <section class="panel">
            <dl class="facts">
              <dt>Repository</dt>
              <dd>
                <a href={`/repos/${review.repoId}`}>{review.repoFullName}</a>{" "}
                <span class="muted">
                  ({PLATFORM_LABELS[review.platform as keyof typeof PLATFORM_LABELS]})
                </span>
              </dd>
              <dt>Pull request</dt>
              <dd>
                {live.links
                  ? (
                    <a href={live.links.pullRequest} rel="noopener noreferrer" data-testid="pr-link">
                      #{review.prNumber} on {PLATFORM_LABELS[review.platform as keyof typeof PLATFORM_LABELS]}
                    </a>
                  )
                  : `#${review.prNumber}`}
              </dd>
              <dt>Kind</dt>
              <dd data-testid="run-kind">{kindLabel(review.kind)}</dd>
              <dt>Author</dt>
              <dd>{review.author}</dd>
              <dt>Commit</dt>
              <dd>
                {live.links
                  ? (
                    <a href={live.links.commit} rel="noopener noreferrer" data-testid="commit-link">
                      <code>{review.headSha.slice(0, 12)}</code>
                    </a>
                  )
                  : <code>{review.headSha.slice(0, 12)}</code>}
              </dd>
              <dt>Started</dt>
              <dd>{formatTime(review.startedAt)}</dd>
            </dl>
          </section>
          <Island of={LiveReview} name="LiveReview" props={{ initial: live }} />
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
    if (repo.disconnectedAt !== null) {
      throw new HttpError(
        409,
        `${repo.fullName} is disconnected: connect it again to review its pull requests`,
      );
    }
    const previous = review.jobId === null ? null : await getJob(db, review.jobId);
    const base = previous?.type === "review_pull_request"
      ? previous.payload as TaskPayloads["review_pull_request"]
      : null;
    const groupKey = pullRequestGroupKey({
      platform: repo.platform,
      repo: repo.fullName,
      number: review.prNumber,
    });
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
      dedupeKey: `rerun:${groupKey}@${review.headSha}`,
      // The group every review of this pull request runs in, webhook-started ones included: never two at once.
      groupKey,
      priority: 1,
      now,
    });
    c.var.deps.onEnqueued?.();
    return c.redirect(`/reviews/${review.id}?notice=review-queued`, 303);
  }, { role: "admin" }),
});
