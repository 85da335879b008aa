/**
 * Deliveries signed with the GitHub App's secret (one secret for every installation, so the signature proves only
 * that GitHub sent it, not for whom). Guarantee: an App delivery reaches a repository row only when
 * - the installation (`installation.id` on the App's GitHub instance) is active and claimed by an organization,
 * - the row is that platform repository (`repository.id`, the id a rename keeps), belongs to that same
 *   organization, and is connected through that same installation.
 * Anything else is recorded with no repository and ignored (202, outcome `ignored`): never a job for another
 * organization's repository that happens to have the name or id in the payload.
 *
 * `installation` and `installation_repositories` events change the installation (docs/github-app.md): deleted,
 * suspended and removed stop reviews at once — the repositories are paused with the reason and their live reviews
 * cancelled in the same transaction; unsuspend and a repository added back resume only what they paused; created
 * and added offer the repositories for connection in the owning organization.
 */
import type { Db } from "../db/mod.ts";
import { findRepo, findRepoByPlatformId, getRepo, type Repo, setRepoIdentity } from "../db/repos.ts";
import { recordDelivery } from "../db/deliveries.ts";
import {
  getInstallation,
  type InstallationPause,
  offerRepositories,
  pauseInstallationRepos,
  recordInstallation,
  resumeInstallationRepos,
  withdrawRepositories,
} from "../db/github_installations.ts";
import { cancelRepoReviews } from "../queue/mod.ts";
import {
  appDeliveryTarget,
  type AppRepository,
  type InstallationEvent,
  parseInstallationEvent,
} from "../platforms/github/app_events.ts";

export interface AppDeliveryDeps {
  db: Db;
  /** The host of the App's GitHub instance (`github.com`, or the Enterprise Server's). */
  host: string;
  now?: () => number;
}

/** Where an App delivery goes: on to the repository's usual handling, or answered here. */
export type AppRoute =
  | { kind: "repo"; repo: Repo }
  | {
    kind: "answered";
    status: 200 | 202 | 400;
    body: { status: string; message?: string; outcome?: "ignored" | "installation" };
    /** Why, for the log. */
    reason: string;
  };

const STOP_REASONS: Readonly<Record<InstallationPause, string>> = {
  "installation_deleted": "GitHub App uninstalled",
  "installation_suspended": "GitHub App installation suspended",
  "repository_removed": "Repository removed from the GitHub App installation",
};

const DUPLICATE: AppRoute = {
  kind: "answered",
  status: 200,
  body: { status: "duplicate", message: "Delivery already processed" },
  reason: "Delivery already processed",
};

function readFullName(body: unknown): string | null {
  const repository = (body as { repository?: { full_name?: unknown } } | null)?.repository;
  return typeof repository?.full_name === "string" && repository.full_name !== ""
    ? repository.full_name
    : null;
}

/** Records a delivery that reached no repository; a replayed one answers `duplicate`. */
async function ignore(
  deps: AppDeliveryDeps,
  deliveryId: string,
  event: string,
  reason: string,
): Promise<AppRoute> {
  const fresh = await recordDelivery(
    deps.db,
    { platform: "github", deliveryId, repoId: null, event, outcome: "ignored" },
    deps.now,
  );
  if (!fresh) return DUPLICATE;
  return { kind: "answered", status: 202, body: { status: "accepted", outcome: "ignored" }, reason };
}

/**
 * Routes a delivery verified with the App's secret: applies an installation event, or finds the repository row
 * it may act on (see the module's guarantee).
 */
export async function routeAppDelivery(
  deps: AppDeliveryDeps,
  headers: Headers,
  body: unknown,
  deliveryId: string,
): Promise<AppRoute> {
  const name = headers.get("x-github-event") ?? "unknown";
  let installationEvent: InstallationEvent | null;
  try {
    installationEvent = parseInstallationEvent(headers, body);
  } catch (error) {
    const message = `Malformed webhook payload: ${(error as Error).message}`;
    return { kind: "answered", status: 400, body: { status: "rejected", message }, reason: message };
  }
  if (installationEvent) return await applyInstallationEvent(deps, deliveryId, installationEvent);

  const target = appDeliveryTarget(body);
  if (target === null) return await ignore(deps, deliveryId, name, "App delivery without an installation");
  if (target.repositoryId === null) {
    return await ignore(deps, deliveryId, name, "App delivery without a repository");
  }
  const installation = await getInstallation(deps.db, deps.host, target.installationId);
  if (!installation || installation.organizationId === null) {
    return await ignore(deps, deliveryId, name, `Installation ${target.installationId} is not claimed`);
  }
  if (installation.status !== "active") {
    return await ignore(
      deps,
      deliveryId,
      name,
      `Installation ${target.installationId} is ${installation.status}`,
    );
  }
  const fullName = readFullName(body);
  let repo = await findRepoByPlatformId(deps.db, "github", deps.host, target.repositoryId);
  if (!repo && fullName !== null) {
    // A row connected before repository ids were kept is known by name until its first App delivery tells its id;
    // it is adopted only if it is already bound to this installation.
    const legacy = await findRepo(deps.db, "github", fullName, deps.host);
    if (legacy && legacy.platformRepoId === null && legacy.installationId === target.installationId) {
      repo = legacy;
    }
  }
  if (
    !repo || repo.organizationId !== installation.organizationId ||
    repo.installationId !== installation.installationId
  ) {
    return await ignore(
      deps,
      deliveryId,
      name,
      `No repository of installation ${target.installationId}'s organization matches repository ` +
        target.repositoryId,
    );
  }
  // The id is the repository; its name is only what it is called now (a rename or a legacy row learns it).
  if (repo.platformRepoId === null || (fullName !== null && fullName !== repo.fullName)) {
    await setRepoIdentity(deps.db, repo.id, {
      platformRepoId: target.repositoryId,
      fullName: fullName ?? repo.fullName,
    });
    repo = await getRepo(deps.db, repo.id) ?? repo;
  }
  return { kind: "repo", repo };
}

/**
 * Applies an installation event in one transaction with its delivery record; a replay changes nothing. A delivery
 * applied meanwhile cannot slip a job past the pause: it reads the repository under a share lock
 * (`apply_webhook_delivery.sql`, `confirmRepo`), so it either waits for this transaction and sees the pause, or
 * its job is committed before the pause takes the row and is cancelled here.
 */
async function applyInstallationEvent(
  deps: AppDeliveryDeps,
  deliveryId: string,
  event: InstallationEvent,
): Promise<AppRoute> {
  const eventName = `${event.kind}.${event.action}`;
  const applied = await deps.db.transaction(async (tx) => {
    const fresh = await recordDelivery(
      tx,
      { platform: "github", deliveryId, repoId: null, event: eventName, outcome: "installation" },
      deps.now,
    );
    if (!fresh) return null;
    return await changeInstallation(tx, deps, event);
  });
  if (applied === null) return DUPLICATE;
  return {
    kind: "answered",
    status: 202,
    body: { status: "accepted", outcome: "installation" },
    reason: `${eventName}: ${applied.stopped.length} repositories stopped`,
  };
}

async function changeInstallation(
  db: Db,
  deps: AppDeliveryDeps,
  event: InstallationEvent,
): Promise<{ stopped: number[] }> {
  const ref = { host: deps.host, installationId: event.installation.installationId };
  const known = await getInstallation(db, deps.host, ref.installationId);
  const account = {
    ...ref,
    accountLogin: event.installation.accountLogin ?? known?.accountLogin ??
      `installation ${ref.installationId}`,
    accountId: event.installation.accountId,
    accountType: event.installation.accountType,
  };
  const options = { now: deps.now };
  const stop = async (reason: InstallationPause, repositories?: AppRepository[]) => {
    const stopped = await pauseInstallationRepos(
      db,
      ref,
      reason,
      repositories?.map((repository) => repository.platformRepoId),
    );
    for (const repoId of stopped) await cancelRepoReviews(db, repoId, STOP_REASONS[reason], deps.now);
    return { stopped };
  };
  if (event.kind === "installation") {
    switch (event.action) {
      case "created": {
        const installation = await recordInstallation(db, account, { ...options, status: "active" });
        await offerRepositories(db, installation, event.repositories, deps.now);
        return { stopped: [] };
      }
      case "deleted": {
        const installation = await recordInstallation(db, account, { ...options, status: "deleted" });
        await withdrawRepositories(db, installation);
        return await stop("installation_deleted");
      }
      case "suspend":
        await recordInstallation(db, account, { ...options, status: "suspended" });
        return await stop("installation_suspended");
      case "unsuspend":
        await recordInstallation(db, account, { ...options, status: "active" });
        await resumeInstallationRepos(db, ref, "installation_suspended");
        return { stopped: [] };
      case "new_permissions_accepted":
        await recordInstallation(db, account, options);
        return { stopped: [] };
    }
  }
  const installation = await recordInstallation(db, account, options);
  if (event.action === "added") {
    await offerRepositories(db, installation, event.added, deps.now);
    if (installation.status === "active") {
      await resumeInstallationRepos(
        db,
        ref,
        "repository_removed",
        event.added.map((repository) => repository.platformRepoId),
      );
    }
    return { stopped: [] };
  }
  await withdrawRepositories(db, installation, event.removed.map((repository) => repository.platformRepoId));
  return await stop("repository_removed", event.removed);
}
