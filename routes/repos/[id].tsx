import type { Context } from "hono";
import type { AppEnv } from "../../lib/http/define.ts";
import { defineHandlers } from "../../lib/http/define.ts";
import { HttpError } from "../../lib/http/errors.ts";
import { setRepoPaused } from "../../lib/db/repos.ts";
import { cancelRepoReviews } from "../../lib/queue/mod.ts";
import { getOrgRepo, listOrgReviews, repoStats } from "../../lib/db/analytics.ts";
import { hasRole, type Viewer } from "../../lib/auth/mod.ts";
import { PLATFORM_LABELS, SetupInstructions } from "../../components/SetupInstructions.tsx";
import { ReviewTable } from "../../components/ReviewTable.tsx";
import {
  CsrfField,
  formatCost,
  formatTime,
  formFields,
  idParam,
  Notice,
  page,
  renderDashboard,
} from "../../lib/dashboard/route.tsx";

async function loadRepo(c: Context<AppEnv>, viewer: Viewer) {
  const repo = await getOrgRepo(c.var.deps.db, viewer.organization.id, idParam(c, "id"));
  if (!repo) throw new HttpError(404, `Cannot find repository ${c.req.param("id")}`);
  return repo;
}

export const handler = defineHandlers({
  GET: page(async (c, viewer) => {
    const { db, config, secretBox } = c.var.deps;
    const repo = await loadRepo(c, viewer);
    const [stats, reviews] = await Promise.all([
      repoStats(db, viewer.organization.id),
      listOrgReviews(db, viewer.organization.id, { repoId: repo.id, limit: 20 }),
    ]);
    const stat = stats.get(repo.id) ?? { reviews: 0, findings: 0, costUsd: 0, lastReviewAt: null };
    const admin = hasRole(viewer, "admin");
    const secret = admin ? await secretBox.decrypt(repo.webhookSecret).catch(() => null) : null;
    const webhookUrl = `${config.publicUrl.replace(/\/$/, "")}/api/webhooks/${repo.platform}?repo=${repo.id}`;
    return renderDashboard(
      c,
      viewer,
      { title: `Repository ${repo.fullName}`, active: "/repos" },
      (
        <>
          <div class="page-head">
            <h1>
              {repo.fullName}{" "}
              <span class={`pill ${repo.paused ? "paused" : "active"}`} data-testid="repo-status">
                {repo.paused ? "paused" : "active"}
              </span>
            </h1>
            {admin && (
              <form method="post" class="inline">
                <CsrfField viewer={viewer} />
                <input type="hidden" name="paused" value={repo.paused ? "0" : "1"} />
                <button type="submit" class="secondary">
                  {repo.paused ? "Resume reviews" : "Pause reviews"}
                </button>
              </form>
            )}
          </div>
          <Notice c={c} />
          <div class="cards">
            <a class="card" href={`/reviews?repo=${repo.id}`} data-testid="repo-review-count">
              <strong>{stat.reviews}</strong>reviews
            </a>
            <a class="card" href={`/reviews?repo=${repo.id}`}>
              <strong>{stat.findings}</strong>findings
            </a>
            <a class="card" href={`/reviews?repo=${repo.id}`}>
              <strong>{formatCost(stat.costUsd)}</strong>spent
            </a>
            <div class="card">
              <strong class="small">{formatTime(stat.lastReviewAt)}</strong>last review
            </div>
          </div>
          <details class="panel" open={c.req.query("notice") === "repo-connected" || stat.reviews === 0}>
            <summary>
              <strong>Webhook setup on {PLATFORM_LABELS[repo.platform]}</strong>
            </summary>
            <SetupInstructions platform={repo.platform} webhookUrl={webhookUrl} secret={secret} />
            <p class="muted small">
              Reviews follow <code>.loom/config.yaml</code>{" "}
              on the base branch; prompts from the library are used as{" "}
              <code>prompt: library:&lt;name&gt;</code>.
            </p>
          </details>
          <h2>Recent reviews</h2>
          <ReviewTable reviews={reviews} showRepo={false} />
        </>
      ),
    );
  }),
  POST: page(async (c, viewer) => {
    const repo = await loadRepo(c, viewer);
    const paused = (await formFields(c)).paused === "1";
    await setRepoPaused(c.var.deps.db, repo.id, paused);
    if (paused) await cancelRepoReviews(c.var.deps.db, repo.id, "Repository paused");
    return c.redirect(`/repos/${repo.id}?notice=${paused ? "repo-paused" : "repo-resumed"}`, 303);
  }, { role: "admin" }),
});
