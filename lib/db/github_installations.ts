/**
 * GitHub App installations and the organization that owns each (migration 0015). An installation's webhooks
 * reach only repositories of its owning organization (`lib/webhooks/github_app.ts`), and the owner is written
 * only by `claimInstallation`, which the dashboard calls after GitHub proved the admin may manage the installed
 * account (docs/github-app.md): the `installation` webhook records that an installation exists, never who owns it.
 */
import { type Db, sql } from "./mod.ts";

export type InstallationStatus = "active" | "suspended" | "deleted";

/** Why Loom paused a repository of an installation (`repos.paused_reason`). */
export type InstallationPause = "installation_suspended" | "installation_deleted" | "repository_removed";

export interface GitHubInstallation {
  /** Loom's row id. */
  id: number;
  /** The GitHub instance (`github.com` or an Enterprise Server host). */
  host: string;
  /** GitHub's installation id (`installation.id`). */
  installationId: number;
  accountLogin: string;
  accountId: number | null;
  /** `User`, `Organization` or `Enterprise`. */
  accountType: string;
  /** The organization that claimed it; `null` until an admin claims it. */
  organizationId: number | null;
  claimedBy: number | null;
  status: InstallationStatus;
  createdAt: number;
  updatedAt: number;
}

export interface InstallationAccount {
  host: string;
  installationId: number;
  accountLogin: string;
  accountId: number | null;
  accountType: string;
}

/** A repository an installation can read, as the `installation` webhooks and GitHub's API list it. */
export interface InstallationRepository {
  /** GitHub's repository id. */
  platformRepoId: string;
  fullName: string;
}

function toInstallation(row: Record<string, unknown>): GitHubInstallation {
  const nullableNumber = (value: unknown) => value === null || value === undefined ? null : Number(value);
  return {
    id: Number(row.id),
    host: String(row.host),
    installationId: Number(row.installationId),
    accountLogin: String(row.accountLogin),
    accountId: nullableNumber(row.accountId),
    accountType: String(row.accountType),
    organizationId: nullableNumber(row.organizationId),
    claimedBy: nullableNumber(row.claimedBy),
    status: row.status as InstallationStatus,
    createdAt: Number(row.createdAt),
    updatedAt: Number(row.updatedAt),
  };
}

/**
 * Records an installation and its account, or updates the account of a known one (a renamed account). `status`,
 * when given, replaces the stored one; a deleted installation stays deleted (GitHub never reuses its id).
 */
export async function recordInstallation(
  db: Db,
  account: InstallationAccount,
  options: { status?: InstallationStatus; now?: () => number } = {},
): Promise<GitHubInstallation> {
  const at = (options.now ?? Date.now)();
  // Without a status the stored one stays (a new row starts active); a deleted installation stays deleted.
  const status = options.status ?? "active";
  const keepStatus = options.status === undefined;
  const rows = await db.query(sql`
    insert into github_installations (host, installation_id, account_login, account_id, account_type, status,
                                      created_at, updated_at)
    values (${account.host.toLowerCase()}, ${account.installationId}, ${account.accountLogin},
            ${account.accountId}, ${account.accountType}, ${status}, ${at}, ${at})
    on conflict (host, installation_id) do update set
      account_login = excluded.account_login,
      account_id = coalesce(excluded.account_id, github_installations.account_id),
      account_type = excluded.account_type,
      status = case
        when github_installations.status = 'deleted' then 'deleted'
        when ${keepStatus ? 1 : 0} = 1 then github_installations.status
        else excluded.status end,
      updated_at = excluded.updated_at
    returning *`);
  return toInstallation(rows[0]!);
}

/**
 * Whether the installation on `repo` may act for it: claimed by the repository's own organization and active.
 * An installation id on a repository row is not enough, or a row could borrow another organization's App access.
 */
export async function installationServes(
  db: Db,
  repo: { host: string; installationId: number; organizationId: number | null },
): Promise<boolean> {
  if (repo.organizationId === null) return false;
  const rows = await db.query(sql`
    select 1 as one from github_installations
    where host = ${repo.host.toLowerCase()} and installation_id = ${repo.installationId}
      and organization_id = ${repo.organizationId} and status = 'active'`);
  return rows.length > 0;
}

export async function getInstallation(
  db: Db,
  host: string,
  installationId: number,
): Promise<GitHubInstallation | null> {
  const rows = await db.query(sql`
    select * from github_installations
    where host = ${host.toLowerCase()} and installation_id = ${installationId}`);
  return rows[0] ? toInstallation(rows[0]) : null;
}

/** The installations an organization claimed, newest first. */
export async function listInstallations(db: Db, organizationId: number): Promise<GitHubInstallation[]> {
  const rows = await db.query(sql`
    select * from github_installations where organization_id = ${organizationId}
    order by created_at desc, id desc`);
  return rows.map(toInstallation);
}

/**
 * Makes `organizationId` the owner of the installation, recording it first when no webhook has yet. Only the
 * caller that proved the claim with GitHub may call it. Returns `null`, changing nothing, when another
 * organization owns it already (it must release it first) or it was deleted.
 */
export async function claimInstallation(
  db: Db,
  account: InstallationAccount,
  claim: { organizationId: number; userId: number },
  now: () => number = Date.now,
): Promise<GitHubInstallation | null> {
  return await db.transaction(async (tx) => {
    await recordInstallation(tx, account, { now });
    const rows = await tx.query(sql`
      update github_installations set organization_id = ${claim.organizationId}, claimed_by = ${claim.userId},
        updated_at = ${now()}
      where host = ${account.host.toLowerCase()} and installation_id = ${account.installationId}
        and status <> 'deleted'
        and (organization_id is null or organization_id = ${claim.organizationId})
      returning *`);
    return rows[0] ? toInstallation(rows[0]) : null;
  });
}

/** Adds repositories the installation can read to what it offers for connection. */
export async function offerRepositories(
  db: Db,
  installation: Pick<GitHubInstallation, "id">,
  repositories: readonly InstallationRepository[],
  now: () => number = Date.now,
): Promise<void> {
  for (const repository of repositories) {
    await db.exec(sql`
      insert into github_installation_repos (installation_ref, platform_repo_id, full_name, created_at)
      values (${installation.id}, ${repository.platformRepoId}, ${repository.fullName}, ${now()})
      on conflict (installation_ref, platform_repo_id) do update set full_name = excluded.full_name`);
  }
}

/** Stops offering repositories the installation can no longer read (or, without ids, all of them). */
export async function withdrawRepositories(
  db: Db,
  installation: Pick<GitHubInstallation, "id">,
  platformRepoIds?: readonly string[],
): Promise<void> {
  if (platformRepoIds === undefined) {
    await db.exec(sql`delete from github_installation_repos where installation_ref = ${installation.id}`);
    return;
  }
  for (const platformRepoId of platformRepoIds) {
    await db.exec(sql`
      delete from github_installation_repos
      where installation_ref = ${installation.id} and platform_repo_id = ${platformRepoId}`);
  }
}

/** A repository an organization's active installation can read and that no repository row holds yet. */
export interface OfferedRepository extends InstallationRepository {
  installationId: number;
  host: string;
  accountLogin: string;
}

/** What the organization's active installations offer for connection, by name. */
export async function listOfferedRepositories(db: Db, organizationId: number): Promise<OfferedRepository[]> {
  const rows = await db.query<Record<string, unknown>>(sql`
    select offered.platform_repo_id, offered.full_name, installation.installation_id, installation.host,
      installation.account_login
    from github_installation_repos offered
    join github_installations installation on installation.id = offered.installation_ref
    where installation.organization_id = ${organizationId} and installation.status = 'active'
      and not exists (
        select 1 from repos
        where repos.platform = 'github' and repos.host = installation.host
          and repos.platform_repo_id = offered.platform_repo_id)
    order by lower(offered.full_name)`);
  return rows.map((row) => ({
    platformRepoId: String(row.platformRepoId),
    fullName: String(row.fullName),
    installationId: Number(row.installationId),
    host: String(row.host),
    accountLogin: String(row.accountLogin),
  }));
}

/** One offered repository of the organization, or `null` when it offers no such repository. */
export async function findOfferedRepository(
  db: Db,
  organizationId: number,
  host: string,
  platformRepoId: string,
): Promise<OfferedRepository | null> {
  const offered = await listOfferedRepositories(db, organizationId);
  return offered.find((item) => item.host === host.toLowerCase() && item.platformRepoId === platformRepoId) ??
    null;
}

/**
 * Pauses the repositories connected through the installation (only `platformRepoIds` when given) that run, with
 * `reason`; returns their ids so their queued reviews can be cancelled.
 */
export async function pauseInstallationRepos(
  db: Db,
  installation: { host: string; installationId: number },
  reason: InstallationPause,
  platformRepoIds?: readonly string[],
): Promise<number[]> {
  const rows = await db.query<{ id: unknown; platformRepoId: unknown }>(sql`
    select id, platform_repo_id from repos
    where platform = 'github' and host = ${installation.host.toLowerCase()}
      and installation_id = ${installation.installationId}`);
  const chosen = rows.filter((row) =>
    platformRepoIds === undefined || platformRepoIds.includes(String(row.platformRepoId))
  ).map((row) => Number(row.id));
  for (const id of chosen) {
    // A repository a person paused keeps its null reason: resuming the installation must not resume it.
    await db.exec(sql`
      update repos set paused = ${true}, paused_reason = ${reason} where id = ${id} and paused = ${false}`);
    await db.exec(sql`
      update repos set paused_reason = ${reason}
      where id = ${id} and paused = ${true} and paused_reason is not null`);
  }
  return chosen;
}

/**
 * Resumes the repositories of the installation that Loom paused for `reason` (a suspension lifted, a repository
 * added back); returns how many.
 */
export async function resumeInstallationRepos(
  db: Db,
  installation: { host: string; installationId: number },
  reason: InstallationPause,
  platformRepoIds?: readonly string[],
): Promise<number> {
  const rows = await db.query<{ id: unknown; platformRepoId: unknown }>(sql`
    select id, platform_repo_id from repos
    where platform = 'github' and host = ${installation.host.toLowerCase()}
      and installation_id = ${installation.installationId} and paused = ${true} and paused_reason = ${reason}`);
  let resumed = 0;
  for (const row of rows) {
    if (platformRepoIds !== undefined && !platformRepoIds.includes(String(row.platformRepoId))) continue;
    resumed += await db.exec(
      sql`update repos set paused = ${false}, paused_reason = null where id = ${Number(row.id)}`,
    );
  }
  return resumed;
}

/**
 * Binds the organization's repositories that an uninstalled installation left paused to `installation`, which
 * the same organization claimed and which can read them again, and resumes them; returns how many.
 */
export async function adoptInstallationRepos(
  db: Db,
  installation: Pick<GitHubInstallation, "id" | "host" | "installationId" | "organizationId">,
): Promise<number> {
  if (installation.organizationId === null) return 0;
  return await db.exec(sql`
    update repos set installation_id = ${installation.installationId}, paused = ${false}, paused_reason = null
    where platform = 'github' and host = ${installation.host} and organization_id = ${installation.organizationId}
      and paused_reason = 'installation_deleted'
      and platform_repo_id in (
        select platform_repo_id from github_installation_repos where installation_ref = ${installation.id})`);
}
