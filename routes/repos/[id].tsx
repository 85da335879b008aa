import type { Context } from "hono";
import type { AppEnv } from "../../lib/http/define.ts";
import { defineHandlers, routeDeps } from "../../lib/http/define.ts";
import type { WebhookRouteDeps } from "../../lib/webhooks/route_deps.ts";
import { HttpError } from "../../lib/http/errors.ts";
import {
  disconnectRepo,
  reconnectRepo,
  regenerateRepoSecret,
  type Repo,
  SECRET_GRACE_MS,
  setRepoPaused,
} from "../../lib/db/repos.ts";
import { listDeliveryLog } from "../../lib/db/deliveries.ts";
import { cancelRepoJobs, cancelRepoReviews } from "../../lib/queue/mod.ts";
import { getOrgRepo, listOrgReviews, repoStats } from "../../lib/db/analytics.ts";
import { randomSecret } from "../../lib/crypto/secret_box.ts";
import { hasRole, type Viewer } from "../../lib/auth/mod.ts";
import { PLATFORM_LABELS, SetupInstructions } from "../../components/SetupInstructions.tsx";
import { ReviewTable } from "../../components/ReviewTable.tsx";
import { DeliveryLog } from "../../components/DeliveryLog.tsx";
import { Island } from "../../lib/http/island.tsx";
import CopyField from "../../islands/CopyField.tsx";
import { DELIVERY_LOG_ROWS } from "../../lib/dashboard/delivery_log.ts";
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
import { INSTALLATION_PAUSES } from "../../lib/dashboard/github_app.ts";

async function loadRepo(c: Context<AppEnv>, viewer: Viewer) {
  const repo = await getOrgRepo(c.var.deps.db, viewer.organization.id, idParam(c, "id"));
  if (!repo) throw new HttpError(404, `Cannot find repository ${c.req.param("id")}`);
  return repo;
}

function statusOf(repo: Repo): "disconnected" | "paused" | "active" {
  return repo.disconnectedAt !== null ? "disconnected" : repo.paused ? "paused" : "active";
}

/** A new secret, shown once right after it was made (regenerated, or the repository connected again). */
interface FreshSecret {
  secret: string;
  message: string;
}

async function RepoPage(c: Context<AppEnv>, viewer: Viewer, repo: Repo, fresh?: FreshSecret) {
  const { db, config, secretBox } = c.var.deps;
  const now = (c.var.deps.now ?? Date.now)();
  const [stats, reviews, deliveries] = await Promise.all([
    repoStats(db, viewer.organization.id),
    listOrgReviews(db, viewer.organization.id, { repoId: repo.id, limit: 20 }),
    listDeliveryLog(db, repo.id, DELIVERY_LOG_ROWS),
  ]);
  const stat = stats.get(repo.id) ?? { reviews: 0, findings: 0, costUsd: 0, lastReviewAt: null };
  const admin = hasRole(viewer, "admin");
  const connected = repo.disconnectedAt === null;
  const secret = admin && connected ? await secretBox.decrypt(repo.webhookSecret).catch(() => null) : null;
  const webhookUrl = `${config.publicUrl.replace(/\/$/, "")}/api/webhooks/${repo.platform}?repo=${repo.id}`;
  const graceUntil = repo.previousSecretExpiresAt !== null && repo.previousSecretExpiresAt > now
    ? repo.previousSecretExpiresAt
    : null;
  const status = statusOf(repo);
  return renderDashboard(
    c,
    viewer,
    { title: `Repository ${repo.fullName}`, active: "/repos" },
    (
      <>
        <div class="page-head">
          <h1>
            {repo.fullName}{" "}
            <span class={`pill ${status === "disconnected" ? "failed" : status}`} data-testid="repo-status">
              {status}
            </span>
          </h1>
          {admin && connected && (
            <form method="post" class="inline">
              <CsrfField viewer={viewer} />
              <input type="hidden" name="action" value={repo.paused ? "resume" : "pause"} />
              <button type="submit" class="secondary">
                {repo.paused ? "Resume reviews" : "Pause reviews"}
              </button>
            </form>
          )}
        </div>
        <Notice c={c} />
        {repo.paused && repo.pausedReason && repo.pausedReason in INSTALLATION_PAUSES && (
          <p class="notice" data-testid="installation-pause">
            {INSTALLATION_PAUSES[repo.pausedReason as keyof typeof INSTALLATION_PAUSES]}
          </p>
        )}
        {graceUntil !== null && !fresh && (
          <p class="notice" data-testid="secret-grace">
            The previous secret is still accepted until{" "}
            {formatTime(graceUntil)}; after that, deliveries signed with it are refused.
          </p>
        )}
        {fresh && (
          <section class="panel attention" data-testid="new-secret">
            <p class="notice ok" role="status">{fresh.message}</p>
            <p>
              New webhook secret — shown only now. Paste it into the webhook on{" "}
              {PLATFORM_LABELS[repo.platform]}:
            </p>
            <Island
              of={CopyField}
              name="CopyField"
              props={{ value: fresh.secret.replace(/^basic:loom:/, ""), label: "the new secret" }}
            />
          </section>
        )}
        {!connected && (
          <section class="panel attention" data-testid="disconnected">
            <p>
              Disconnected {formatTime(repo.disconnectedAt)}. Its webhooks are refused with{" "}
              <code>410 Gone</code> and listed below; its reviews and deliveries are kept.
            </p>
            {admin && (
              <form method="post" class="inline">
                <CsrfField viewer={viewer} />
                <input type="hidden" name="action" value="reconnect" />
                <button type="submit">Connect again</button>
              </form>
            )}
          </section>
        )}
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
        {connected && (
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
        )}
        <h2>Recent reviews</h2>
        <ReviewTable reviews={reviews} showRepo={false} />
        <h2>Recent deliveries</h2>
        <DeliveryLog entries={deliveries} />
        {admin && connected && (
          <section data-testid="repo-manage">
            <h2>Manage</h2>
            <div class="panel">
              <form method="post" class="inline">
                <CsrfField viewer={viewer} />
                <input type="hidden" name="action" value="regenerate" />
                <button type="submit" class="secondary">Regenerate webhook secret</button>
                <span class="muted small">
                  The current secret keeps working for {SECRET_GRACE_MS / 3_600_000}{" "}
                  hours, so deliveries sent before you update the platform are not lost.
                </span>
              </form>
              <details>
                <summary>Disconnect this repository…</summary>
                <form method="post" class="inline">
                  <CsrfField viewer={viewer} />
                  <input type="hidden" name="action" value="disconnect" />
                  <p class="muted small">
                    Queued and running reviews are cancelled and nothing more is posted; webhooks are refused
                    until it is connected again. Reviews and deliveries stay in the history.
                  </p>
                  <button type="submit" class="danger">Disconnect</button>
                </form>
              </details>
            </div>
          </section>
        )}
      </>
    ),
  );
}

function newSecret(repo: Repo): string {
  return repo.platform === "azure_devops" ? `basic:loom:${randomSecret()}` : randomSecret();
}

export const handler = defineHandlers({
  GET: page(async (c, viewer) => RepoPage(c, viewer, await loadRepo(c, viewer))),
  POST: page(async (c, viewer) => {
    const { db, secretBox, now, webhookCache } = routeDeps<WebhookRouteDeps>(c);
    const log = c.var.log;
    const repo = await loadRepo(c, viewer);
    const fields = await formFields(c);
    // `paused=1|0` is what this form posted before it had several actions.
    const action = fields.action ?? (fields.paused === "1" ? "pause" : fields.paused === "0" ? "resume" : "");
    const context = { repoId: repo.id, organizationId: viewer.organization.id, userId: viewer.user.id };
    if (action === "reconnect") {
      const secret = newSecret(repo);
      const changed = await reconnectRepo(db, repo.id, await secretBox.encrypt(secret));
      if (!changed) return c.redirect(`/repos/${repo.id}`, 303);
      webhookCache?.forgetRepo(repo.id);
      log.info("Repository connected again", context);
      return RepoPage(c, viewer, changed, {
        secret,
        message: "Connected again. Update the webhook's secret on the platform; the old one no longer works.",
      });
    }
    if (repo.disconnectedAt !== null) {
      throw new HttpError(409, `${repo.fullName} is disconnected: connect it again first`);
    }
    if (action === "pause" || action === "resume") {
      const paused = action === "pause";
      await setRepoPaused(db, repo.id, paused);
      if (paused) await cancelRepoReviews(db, repo.id, "Repository paused");
      return c.redirect(`/repos/${repo.id}?notice=${paused ? "repo-paused" : "repo-resumed"}`, 303);
    }
    if (action === "regenerate") {
      const secret = newSecret(repo);
      const changed = await regenerateRepoSecret(db, repo.id, await secretBox.encrypt(secret), now);
      if (!changed) throw new HttpError(409, `${repo.fullName} is disconnected: connect it again first`);
      webhookCache?.forgetRepo(repo.id);
      log.info("Repository webhook secret regenerated", context);
      return RepoPage(c, viewer, changed, {
        secret,
        message: `Secret regenerated. The previous secret is still accepted until ${
          formatTime(changed.previousSecretExpiresAt)
        }.`,
      });
    }
    if (action === "disconnect") {
      const cancelled = await db.transaction(async (tx) => {
        if (!await disconnectRepo(tx, repo.id, now)) return null;
        return await cancelRepoJobs(tx, repo.id, "Repository disconnected", now);
      });
      webhookCache?.forgetRepo(repo.id);
      if (cancelled !== null) {
        log.info("Repository disconnected", { ...context, cancelledJobs: cancelled.length });
      }
      return c.redirect(`/repos/${repo.id}?notice=repo-disconnected`, 303);
    }
    throw new HttpError(400, `Unknown repository action "${action}"`);
  }, { role: "admin" }),
});
