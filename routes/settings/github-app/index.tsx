import type { Context } from "hono";
import type { AppEnv } from "../../../lib/http/define.ts";
import { defineHandlers } from "../../../lib/http/define.ts";
import { hasRole, type Viewer } from "../../../lib/auth/mod.ts";
import { listInstallations, listOfferedRepositories } from "../../../lib/db/github_installations.ts";
import { connectOffered, gitHubAppApi } from "../../../lib/dashboard/github_app.ts";
import {
  CsrfField,
  formatTime,
  formFields,
  Notice,
  page,
  renderDashboard,
} from "../../../lib/dashboard/route.tsx";

/** The organization's GitHub App installations and the repositories they offer for connection. */
export async function GitHubAppPage(
  c: Context<AppEnv>,
  viewer: Viewer,
  extra: { error?: string; status?: number } = {},
) {
  const { db, config } = c.var.deps;
  const [installations, offered] = await Promise.all([
    listInstallations(db, viewer.organization.id),
    listOfferedRepositories(db, viewer.organization.id),
  ]);
  const admin = hasRole(viewer, "admin");
  const configured = gitHubAppApi(config) !== null;
  return renderDashboard(
    c,
    viewer,
    { title: "GitHub App", active: "/settings", status: extra.status },
    (
      <>
        <h1>GitHub App</h1>
        <Notice c={c} error={extra.error} />
        {!configured && (
          <p class="panel muted" data-testid="no-github-app">
            No GitHub App is configured on this server (LOOM_GITHUB_APP_ID, LOOM_GITHUB_APP_PRIVATE_KEY).
          </p>
        )}
        <section class="panel">
          <h2>Installations of {viewer.organization.name}</h2>
          <div class="table-wrap">
            <table data-testid="installations">
              <thead>
                <tr>
                  <th>Account</th>
                  <th>Installation</th>
                  <th>Status</th>
                  <th>Claimed</th>
                </tr>
              </thead>
              <tbody>
                {installations.map((installation) => (
                  <tr data-installation-id={installation.installationId}>
                    <td>
                      {installation.accountLogin} <span class="muted">({installation.accountType})</span>
                    </td>
                    <td>{installation.installationId}</td>
                    <td>
                      <span class={`pill ${installation.status === "active" ? "active" : "paused"}`}>
                        {installation.status}
                      </span>
                    </td>
                    <td>{formatTime(installation.updatedAt)}</td>
                  </tr>
                ))}
                {installations.length === 0 && (
                  <tr>
                    <td colSpan={4} class="muted">None claimed yet.</td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
          {admin && configured && (
            <>
              <p>
                <a href="/settings/github-app/install">Install the GitHub App on GitHub</a>{" "}
                <span class="muted small">
                  GitHub brings you back here; you then confirm with GitHub that you manage the account.
                </span>
              </p>
              <form method="get" action="/settings/github-app/setup" class="inline">
                <label>
                  Claim an installation made earlier (its id is in its GitHub settings URL)
                  <input name="installation_id" required pattern="[1-9][0-9]*" size={12} />
                </label>
                <button type="submit">Confirm with GitHub</button>
              </form>
            </>
          )}
        </section>
        <section class="panel spaced">
          <h2>Repositories offered for connection</h2>
          <ul data-testid="offered-repositories">
            {offered.map((repository) => (
              <li data-platform-repo-id={repository.platformRepoId}>
                {repository.fullName} <span class="muted small">via {repository.accountLogin}</span>{" "}
                {admin && (
                  <form method="post" action="/settings/github-app" class="inline compact">
                    <CsrfField viewer={viewer} />
                    <input type="hidden" name="intent" value="connect" />
                    <input type="hidden" name="host" value={repository.host} />
                    <input type="hidden" name="platformRepoId" value={repository.platformRepoId} />
                    <button type="submit">Connect</button>
                  </form>
                )}
              </li>
            ))}
            {offered.length === 0 && <li class="muted">Nothing waiting.</li>}
          </ul>
        </section>
      </>
    ),
  );
}

export const handler = defineHandlers({
  GET: page((c, viewer) => GitHubAppPage(c, viewer)),
  POST: page(async (c, viewer) => {
    const { db, secretBox, now } = c.var.deps;
    const fields = await formFields(c);
    if (fields.intent !== "connect") {
      return GitHubAppPage(c, viewer, { error: `Unknown action "${fields.intent ?? ""}"`, status: 400 });
    }
    const repo = await connectOffered({ db, secretBox, now }, {
      organizationId: viewer.organization.id,
      host: fields.host ?? "",
      platformRepoId: fields.platformRepoId ?? "",
    });
    if (repo === null) {
      return GitHubAppPage(c, viewer, {
        error: "No installation of this organization offers that repository (or it is connected already)",
        status: 404,
      });
    }
    c.var.log.info("Repository connected through the GitHub App", {
      repoId: repo.id,
      organizationId: viewer.organization.id,
      installationId: repo.installationId,
    });
    return c.redirect(`/repos/${repo.id}?notice=repo-connected`, 303);
  }, { role: "admin" }),
});
