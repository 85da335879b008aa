import { defineHandlers } from "../lib/http/define.ts";
import { Island } from "../lib/http/island.tsx";
import { loadOverview } from "../lib/dashboard/overview.ts";
import { countUsers } from "../lib/db/users.ts";
import { listRepos } from "../lib/db/repos.ts";
import { loadViewer, type Viewer } from "../lib/auth/mod.ts";
import { renderDashboard, renderHtml } from "../lib/dashboard/route.tsx";
import LiveReviews from "../islands/LiveReviews.tsx";
import type { Context } from "hono";
import type { AppEnv } from "../lib/http/define.ts";

function Landing() {
  return (
    <>
      <section class="hero">
        <h1>Code review that never sleeps</h1>
        <p>
          Loom reviews every pull request on GitHub, GitLab, Gitea, Bitbucket and Azure DevOps with the models
          you choose, and posts precise inline comments — on your own servers.
        </p>
        <a class="button" href="/login">Sign in</a>
      </section>
      <section class="features">
        <div class="card">
          <h2>Your pipeline</h2>
          <p class="muted">
            Chain review steps in{" "}
            <code>.loom/config.yaml</code>: security, style, tests — each with its own prompt and model.
          </p>
        </div>
        <div class="card">
          <h2>Your models, your keys</h2>
          <p class="muted">
            OpenAI, Anthropic, Google or any OpenAI-compatible server. Keys stay encrypted in your database.
          </p>
        </div>
        <div class="card">
          <h2>Comments that land</h2>
          <p class="muted">
            Findings are anchored to changed lines, deduplicated across pushes, with suggestions you can
            apply.
          </p>
        </div>
        <div class="card">
          <h2>See what it costs</h2>
          <p class="muted">
            Tokens, cost and time per review and per step, with analytics for your whole organization.
          </p>
        </div>
      </section>
    </>
  );
}

async function Home(c: Context<AppEnv>, viewer: Viewer) {
  const { db, now } = c.var.deps;
  const [overview, repos] = await Promise.all([
    loadOverview(db, viewer.organization.id, now),
    listRepos(db, viewer.organization.id),
  ]);
  return renderDashboard(
    c,
    viewer,
    { title: "Reviews", active: "/" },
    (
      <>
        <div class="page-head">
          <h1>Hello, {viewer.user.name || viewer.user.email}</h1>
          <p class="muted">
            {repos.length} {repos.length === 1 ? "repository" : "repositories"} in {viewer.organization.name}
            {" "}
            · <a href="/reviews">All reviews</a>
          </p>
        </div>
        {repos.length === 0 && (
          <p class="notice">
            Start by{" "}
            <a href="/repos">connecting a repository</a>: Loom shows the webhook to add on your platform.
          </p>
        )}
        <Island of={LiveReviews} name="LiveReviews" props={{ initial: overview }} />
      </>
    ),
  );
}

export const handler = defineHandlers({
  /** Signed out: the landing page (or first-run setup); signed in: the organization's dashboard. */
  async GET(c) {
    const viewer = await loadViewer(c);
    if (viewer?.organization) return Home(c, viewer as Viewer);
    if (await countUsers(c.var.deps.db) === 0) return c.redirect("/setup", 303);
    return renderHtml(c, "Welcome", <Landing />);
  },
});
