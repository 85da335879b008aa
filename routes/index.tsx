import { defineHandlers } from "../lib/http/define.ts";
import { Island } from "../lib/http/island.tsx";
import { loadOverview } from "../lib/dashboard/overview.ts";
import { countUsers } from "../lib/db/users.ts";
import { listRepos } from "../lib/db/repos.ts";
import { loadViewer, type Viewer } from "../lib/auth/mod.ts";
import { renderDashboard, renderHtml } from "../lib/dashboard/route.tsx";
import LiveReviews from "../islands/LiveReviews.tsx";
import { type DoctorFinding, runDoctor } from "../lib/doctor.ts";
import { listOrgReviews } from "../lib/db/analytics.ts";
import type { ReviewRecord } from "../lib/db/reviews.ts";
import { platformLinks } from "../lib/dashboard/links.ts";
import { formatTime } from "../lib/dashboard/format.ts";
import type { ServerConfig } from "../lib/config/env.ts";
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

/** What stops reviews, from the set-up doctor; nothing when all is well. */
function SetupChecks({ findings }: { findings: DoctorFinding[] }) {
  if (findings.length === 0) return null;
  return (
    <section class="panel attention" data-testid="doctor" aria-labelledby="doctor-title">
      <h2 id="doctor-title">Before Loom can review pull requests</h2>
      <ul class="checks">
        {findings.map((finding) => (
          <li key={finding.check + finding.message} data-check={finding.check} class={finding.level}>
            <strong>{finding.level === "error" ? "✗" : "!"} {finding.message}</strong>
            <span class="muted">
              {finding.fix} {finding.href && <a href={finding.href}>Fix it</a>}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Failed reviews of the last week, newest first: the reason, what to do, the pull request. */
function NeedsAttention(
  { reviews, config, total }: { reviews: ReviewRecord[]; config: ServerConfig; total: string },
) {
  if (reviews.length === 0) return null;
  return (
    <section class="panel attention" data-testid="needs-attention" aria-labelledby="attention-title">
      <h2 id="attention-title">
        Needs attention{" "}
        <a class="small" href="/reviews?status=failed" data-testid="failed-count">
          {total} failed this week · all failed reviews
        </a>
      </h2>
      <ul class="checks">
        {reviews.map((review) => {
          const links = platformLinks(config, {
            platform: review.platform ?? "",
            repo: review.repoFullName ?? "",
            prNumber: review.prNumber,
            headSha: review.headSha,
          });
          return (
            <li key={review.id} data-review-id={review.id} class="error">
              <strong>
                <a href={`/reviews/${review.id}`}>
                  {review.repoFullName} #{review.prNumber} {review.title || "(untitled)"}
                </a>
              </strong>
              <span>{review.error ?? "The review failed without a recorded reason."}</span>
              {review.nextStep && <span data-testid="next-step">What to do: {review.nextStep}</span>}
              <span class="muted small">
                {formatTime(review.finishedAt ?? review.startedAt)} ·{" "}
                <a href={`/reviews/${review.id}`}>What happened and what to do</a>
                {links && (
                  <>
                    {" "}· <a href={links.pullRequest} rel="noopener noreferrer">Pull request</a>
                  </>
                )}
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

const WEEK_MS = 7 * 86_400_000;

async function Home(c: Context<AppEnv>, viewer: Viewer) {
  const { db, now, config } = c.var.deps;
  const since = (now ?? Date.now)() - WEEK_MS;
  const [overview, repos, findings, failed] = await Promise.all([
    loadOverview(db, viewer.organization.id, now),
    listRepos(db, viewer.organization.id),
    runDoctor({ config, db, organizationId: viewer.organization.id, now }),
    listOrgReviews(db, viewer.organization.id, { status: "failed", since, limit: 51 }),
  ]);
  return renderDashboard(
    c,
    viewer,
    { title: "Dashboard", active: "/" },
    (
      <>
        <NeedsAttention
          reviews={failed.slice(0, 5)}
          config={config}
          total={failed.length > 50 ? "50+" : String(failed.length)}
        />
        <SetupChecks findings={findings} />
        <div class="page-head">
          <h1>Hello, {viewer.user.name || viewer.user.email}</h1>
          <p class="muted">
            {repos.length} {repos.length === 1 ? "repository" : "repositories"} in {viewer.organization.name}
            {" "}
            · <a href="/reviews">All reviews</a>
          </p>
        </div>
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
