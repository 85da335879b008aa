import type { Context } from "hono";
import type { AppEnv } from "../../lib/http/define.ts";
import { defineHandlers, routeDeps } from "../../lib/http/define.ts";
import type { WebhookRouteDeps } from "../../lib/webhooks/route_deps.ts";
import { findRepo, listRepos, reconnectRepo } from "../../lib/db/repos.ts";
import { ConnectError, connectRepo, parseRepoName } from "../../lib/tenancy/connect.ts";
import { configuredHost } from "../../lib/platforms/hosts.ts";
import { repoStats } from "../../lib/db/analytics.ts";
import { randomSecret } from "../../lib/crypto/secret_box.ts";
import { hasRole, type Viewer } from "../../lib/auth/mod.ts";
import type { PlatformId } from "../../lib/platforms/types.ts";
import { PLATFORM_LABELS } from "../../components/SetupInstructions.tsx";
import {
  CsrfField,
  formatCost,
  formatTime,
  formFields,
  Notice,
  page,
  renderDashboard,
} from "../../lib/dashboard/route.tsx";

async function ReposPage(
  c: Context<AppEnv>,
  viewer: Viewer,
  form: { error?: string; platform?: string; fullName?: string; status?: number } = {},
) {
  const { db } = c.var.deps;
  const [repos, stats] = await Promise.all([
    listRepos(db, viewer.organization.id),
    repoStats(db, viewer.organization.id),
  ]);
  const canManage = hasRole(viewer, "admin");
  return renderDashboard(
    c,
    viewer,
    { title: "Repositories", active: "/repos", status: form.status },
    (
      <>
        <div class="page-head">
          <h1>Repositories</h1>
          <p class="muted">{repos.filter((repo) => repo.disconnectedAt === null).length} connected</p>
        </div>
        <Notice c={c} error={form.error} />
        {repos.length === 0
          ? (
            <p class="panel muted" data-testid="no-repos">
              No repositories yet. Connect one below to start reviewing.
            </p>
          )
          : (
            <div class="table-wrap">
              <table data-testid="repo-table">
                <thead>
                  <tr>
                    <th>Repository</th>
                    <th>Platform</th>
                    <th>Status</th>
                    <th>Reviews</th>
                    <th>Findings</th>
                    <th>Cost</th>
                    <th>Last review</th>
                  </tr>
                </thead>
                <tbody>
                  {repos.map((repo) => {
                    const stat = stats.get(repo.id);
                    return (
                      <tr data-repo-id={repo.id}>
                        <td>
                          <a href={`/repos/${repo.id}`}>{repo.fullName}</a>
                        </td>
                        <td>{PLATFORM_LABELS[repo.platform]}</td>
                        <td>
                          {repo.disconnectedAt !== null
                            ? <span class="pill failed">disconnected</span>
                            : (
                              <span class={`pill ${repo.paused ? "paused" : "active"}`}>
                                {repo.paused ? "paused" : "active"}
                              </span>
                            )}
                        </td>
                        <td>
                          <a href={`/reviews?repo=${repo.id}`} data-testid="repo-reviews">
                            {stat?.reviews ?? 0}
                          </a>
                        </td>
                        <td>
                          <a href={`/reviews?repo=${repo.id}`}>{stat?.findings ?? 0}</a>
                        </td>
                        <td>{formatCost(stat?.costUsd ?? 0)}</td>
                        <td>{formatTime(stat?.lastReviewAt ?? null)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        {canManage && (
          <section class="panel spaced">
            <h2>Connect a repository</h2>
            <p class="muted">
              Loom generates a webhook secret and shows the setup steps for the platform. API tokens for the
              platform go under <a href="/settings">Settings</a>.
            </p>
            <form method="post" class="inline">
              <CsrfField viewer={viewer} />
              <label>
                Platform
                <select name="platform">
                  {Object.entries(PLATFORM_LABELS).map(([id, label]) => (
                    <option value={id} selected={form.platform === id}>{label}</option>
                  ))}
                </select>
              </label>
              <label>
                Repository (owner/name)
                <input
                  name="fullName"
                  required
                  placeholder="acme/api"
                  value={form.fullName ?? ""}
                  size={32}
                />
              </label>
              <button type="submit">Connect</button>
            </form>
          </section>
        )}
      </>
    ),
  );
}

export const handler = defineHandlers({
  GET: page((c, viewer) => ReposPage(c, viewer)),
  POST: page(async (c, viewer) => {
    const { db, secretBox, now, config } = c.var.deps;
    const fields = await formFields(c);
    const platform = fields.platform as PlatformId;
    const typed = (fields.fullName ?? "").trim();
    if (!(platform in PLATFORM_LABELS)) {
      return ReposPage(c, viewer, { error: `Unknown platform "${fields.platform}"`, status: 400 });
    }
    let fullName: string;
    try {
      fullName = parseRepoName(typed);
    } catch (error) {
      if (!(error instanceof ConnectError)) throw error;
      return ReposPage(c, viewer, { error: error.message, platform, fullName: typed, status: error.status });
    }
    const host = configuredHost(platform, config) ?? undefined;
    // A row saved without a host (added before this start filled hosts in) is on the configured instance too.
    const unhosted = await findRepo(db, platform, fullName);
    const existing = await findRepo(db, platform, fullName, host) ??
      (unhosted?.host === "" ? unhosted : null);
    if (existing && existing.disconnectedAt !== null && existing.organizationId === viewer.organization.id) {
      // Connecting a disconnected repository again keeps its id, organization and history, with a new secret.
      const secret = existing.platform === "azure_devops" ? `basic:loom:${randomSecret()}` : randomSecret();
      await reconnectRepo(db, existing.id, await secretBox.encrypt(secret));
      routeDeps<WebhookRouteDeps>(c).webhookCache?.forgetRepo(existing.id);
      c.var.log.info("Repository connected again", {
        repoId: existing.id,
        platform,
        organizationId: viewer.organization.id,
      });
      return c.redirect(`/repos/${existing.id}?notice=repo-connected`, 303);
    }
    const secret = platform === "azure_devops" ? `basic:loom:${randomSecret()}` : randomSecret();
    let repo;
    try {
      ({ repo } = await connectRepo({ db, secretBox, server: config, log: c.var.log, now }, {
        organizationId: viewer.organization.id,
        platform,
        fullName: typed,
        webhookSecret: secret,
      }));
    } catch (error) {
      if (!(error instanceof ConnectError)) throw error;
      return ReposPage(c, viewer, { error: error.message, platform, fullName: typed, status: error.status });
    }
    c.var.log.info("Repository connected", {
      repoId: repo.id,
      platform,
      organizationId: viewer.organization.id,
    });
    return c.redirect(`/repos/${repo.id}?notice=repo-connected`, 303);
  }, { role: "admin" }),
});
