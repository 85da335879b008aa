/**
 * Connected repositories. A repository is one platform repository on one platform instance: `platform`, `host`
 * and the platform's stable `platformRepoId`, unique together (migration 0013), so a rename keeps its history
 * and two organizations cannot both connect it. `fullName` is the name it had when last seen.
 */
import type { PlatformId } from "../platform_id.ts";
import { type Db, sql } from "./mod.ts";

export interface Repo {
  id: number;
  organizationId: number | null;
  platform: PlatformId;
  /**
   * The platform instance (`github.com`, `ghe.example.com`, `gitlab.example.com:8443`); see
   * `lib/platforms/hosts.ts`. Empty for a row made without one (before migration 0013, or by a caller that gave
   * none) until a process starts: it stands for the server's configured instance.
   */
  host: string;
  /** The platform's stable id of the repository; `null` for a legacy row until the platform tells it. */
  platformRepoId: string | null;
  fullName: string;
  /** Encrypted with the deployment's secret box. */
  webhookSecret: string;
  installationId: number | null;
  paused: boolean;
  /**
   * Why Loom paused it for its GitHub App installation (`InstallationPause` in `github_installations.ts`); null
   * when a person paused it or it runs.
   */
  pausedReason?: string | null;
  createdAt: number;
  /** When an admin disconnected it; null while connected. The row stays for its history. */
  disconnectedAt: number | null;
  /** The secret before the last regeneration (encrypted), accepted until `previousSecretExpiresAt`. */
  previousWebhookSecret: string | null;
  previousSecretExpiresAt: number | null;
}

/**
 * How long the old webhook secret keeps working after a regeneration: a day leaves time to paste the new one into
 * the platform, and a platform's redelivery of an older delivery (signed anew with whatever secret the platform
 * has) still verifies meanwhile.
 */
export const SECRET_GRACE_MS = 24 * 60 * 60 * 1000;

function toRepo(row: Record<string, unknown>): Repo {
  return {
    ...(row as unknown as Repo),
    id: Number(row.id),
    organizationId: row.organizationId === null ? null : Number(row.organizationId),
    installationId: row.installationId === null ? null : Number(row.installationId),
    host: row.host === null || row.host === undefined ? "" : String(row.host),
    platformRepoId: row.platformRepoId === null || row.platformRepoId === undefined
      ? null
      : String(row.platformRepoId),
    paused: Boolean(row.paused),
    pausedReason: (row.pausedReason as string | null | undefined) ?? null,
    createdAt: Number(row.createdAt),
    disconnectedAt: row.disconnectedAt === null || row.disconnectedAt === undefined
      ? null
      : Number(row.disconnectedAt),
    previousWebhookSecret: (row.previousWebhookSecret as string | null | undefined) ?? null,
    previousSecretExpiresAt: row.previousSecretExpiresAt === null || row.previousSecretExpiresAt === undefined
      ? null
      : Number(row.previousSecretExpiresAt),
  };
}

export async function createRepo(
  db: Db,
  input: {
    platform: PlatformId;
    fullName: string;
    webhookSecret: string;
    organizationId?: number | null;
    installationId?: number | null;
    /**
     * The platform instance; unset, the server's configured instance of the platform (recorded by
     * `backfillHosts` at the next start), as for a row made before hosts were stored.
     */
    host?: string;
    platformRepoId?: string | null;
  },
  now: () => number = Date.now,
): Promise<Repo> {
  const host = input.host?.toLowerCase() ?? null;
  const rows = await db.query(sql`
    insert into repos (organization_id, platform, host, platform_repo_id, full_name, webhook_secret,
                       installation_id, created_at)
    values (${input.organizationId ?? null}, ${input.platform}, ${host}, ${input.platformRepoId ?? null},
            ${input.fullName}, ${input.webhookSecret}, ${input.installationId ?? null}, ${now()})
    returning *`);
  return toRepo(rows[0]!);
}

export async function getRepo(db: Db, id: number): Promise<Repo | null> {
  const rows = await db.query(sql`select * from repos where id = ${id}`);
  return rows[0] ? toRepo(rows[0]) : null;
}

/**
 * The repository connected under this name, on `host` when given. Platforms treat repository names
 * case-insensitively, so lookups do too. A name is only what the repository was last called: prefer
 * `findRepoByPlatformId` when the platform's id is known.
 */
export async function findRepo(
  db: Db,
  platform: PlatformId,
  fullName: string,
  host?: string,
): Promise<Repo | null> {
  const rows = host === undefined
    ? await db.query(
      sql`select * from repos where platform = ${platform} and lower(full_name) = lower(${fullName})
          order by id`,
    )
    : await db.query(sql`
      select * from repos
      where platform = ${platform} and lower(host) = lower(${host}) and lower(full_name) = lower(${fullName})`);
  return rows[0] ? toRepo(rows[0]) : null;
}

/** The repository connected for this platform repository (its stable id on `host`), whatever it is called now. */
export async function findRepoByPlatformId(
  db: Db,
  platform: PlatformId,
  host: string,
  platformRepoId: string,
): Promise<Repo | null> {
  const rows = await db.query(sql`
    select * from repos
    where platform = ${platform} and host = ${host.toLowerCase()} and platform_repo_id = ${platformRepoId}`);
  return rows[0] ? toRepo(rows[0]) : null;
}

/**
 * Records what the platform says the repository is: its stable id (learned for a row connected before ids were
 * kept) and its current name (after a rename). Returns `false`, changing nothing, when another row already
 * holds that id on the same platform instance (the unique index of migration 0013 settles a race the same way).
 */
export async function setRepoIdentity(
  db: Db,
  id: number,
  identity: { platformRepoId: string; fullName: string },
): Promise<boolean> {
  try {
    return (await db.exec(sql`
      update repos set platform_repo_id = ${identity.platformRepoId}, full_name = ${identity.fullName}
      where id = ${id} and not exists (
        select 1 from repos other
        where other.id <> ${id} and other.platform = repos.platform and other.host = repos.host
          and other.platform_repo_id = ${identity.platformRepoId})`)) > 0;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

/** Whether `error` is a unique-constraint violation, in either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${(error as { code?: unknown }).code ?? ""}` : "";
  return /UNIQUE constraint failed|duplicate key value|23505/i.test(text);
}

export async function listRepos(db: Db, organizationId?: number): Promise<Repo[]> {
  const rows = organizationId === undefined
    ? await db.query(sql`select * from repos order by full_name`)
    : await db.query(sql`select * from repos where organization_id = ${organizationId} order by full_name`);
  return rows.map(toRepo);
}

/** A person pauses or resumes the repository; what they chose replaces a pause Loom made for its GitHub App. */
export async function setRepoPaused(db: Db, id: number, paused: boolean): Promise<void> {
  await db.exec(sql`update repos set paused = ${paused}, paused_reason = null where id = ${id}`);
}

/**
 * Replaces the webhook secret with `webhookSecret` (encrypted); the old one stays accepted for `SECRET_GRACE_MS`.
 * Only one previous secret is kept: regenerating twice within the grace period retires the first one at once.
 * Returns the row as changed, or null when the repository is missing or disconnected.
 */
export async function regenerateRepoSecret(
  db: Db,
  id: number,
  webhookSecret: string,
  now: () => number = Date.now,
): Promise<Repo | null> {
  const rows = await db.query(sql`
    update repos set previous_webhook_secret = webhook_secret,
      previous_secret_expires_at = ${now() + SECRET_GRACE_MS}, webhook_secret = ${webhookSecret}
    where id = ${id} and disconnected_at is null
    returning *`);
  return rows[0] ? toRepo(rows[0]) : null;
}

/**
 * Marks the repository disconnected: its webhooks are refused from now on (the delivery transaction checks it),
 * while its reviews and deliveries stay. The caller cancels its live jobs in the same transaction. False when it
 * was already disconnected.
 */
export async function disconnectRepo(db: Db, id: number, now: () => number = Date.now): Promise<boolean> {
  const changed = await db.exec(sql`
    update repos set disconnected_at = ${now()}, previous_webhook_secret = null, previous_secret_expires_at = null
    where id = ${id} and disconnected_at is null`);
  return changed === 1;
}

/**
 * Connects a disconnected repository again with a new secret (encrypted), keeping its id, organization and
 * history. Returns null when it is not disconnected.
 */
export async function reconnectRepo(db: Db, id: number, webhookSecret: string): Promise<Repo | null> {
  const rows = await db.query(sql`
    update repos set disconnected_at = null, webhook_secret = ${webhookSecret}, previous_webhook_secret = null,
      previous_secret_expires_at = null
    where id = ${id} and disconnected_at is not null
    returning *`);
  return rows[0] ? toRepo(rows[0]) : null;
}

/**
 * The repository's `paused` flag, read in the caller's transaction, if the row is still connected and has the
 * platform and name the caller verified a webhook against, and `repo.webhookSecret` — the ciphertext of the
 * secret that verified it — is its current secret or its previous one still within its grace period at `now`;
 * `null` otherwise (deleted, disconnected, the secret rotated again or its grace ran out since).
 */
export async function confirmRepo(
  db: Db,
  repo: Pick<Repo, "id" | "platform" | "fullName" | "webhookSecret">,
  now: number,
): Promise<{ paused: boolean } | null> {
  // PostgreSQL: a pause committing meanwhile waits for the caller's transaction, or this read waits and sees it
  // (SQLite runs one writing transaction at a time).
  const lock = db.dialect === "postgres" ? sql`for share` : sql``;
  const rows = await db.query<{ paused: unknown }>(sql`
    select paused from repos
    where id = ${repo.id} and platform = ${repo.platform} and full_name = ${repo.fullName}
      and disconnected_at is null
      and (webhook_secret = ${repo.webhookSecret}
        or (previous_webhook_secret = ${repo.webhookSecret} and previous_secret_expires_at > ${now}))
    ${lock}`);
  return rows[0] ? { paused: Boolean(rows[0].paused) } : null;
}
