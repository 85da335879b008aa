import type { PlatformId } from "../platform_id.ts";
import { type Db, sql } from "./mod.ts";

export interface Repo {
  id: number;
  organizationId: number | null;
  platform: PlatformId;
  fullName: string;
  /** Encrypted with the deployment's secret box. */
  webhookSecret: string;
  installationId: number | null;
  paused: boolean;
  createdAt: number;
}

function toRepo(row: Record<string, unknown>): Repo {
  return {
    ...(row as unknown as Repo),
    id: Number(row.id),
    organizationId: row.organizationId === null ? null : Number(row.organizationId),
    installationId: row.installationId === null ? null : Number(row.installationId),
    paused: Boolean(row.paused),
    createdAt: Number(row.createdAt),
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
  },
  now: () => number = Date.now,
): Promise<Repo> {
  const rows = await db.query(sql`
    insert into repos (organization_id, platform, full_name, webhook_secret, installation_id, created_at)
    values (${input.organizationId ?? null}, ${input.platform}, ${input.fullName}, ${input.webhookSecret},
            ${input.installationId ?? null}, ${now()})
    returning *`);
  return toRepo(rows[0]!);
}

export async function getRepo(db: Db, id: number): Promise<Repo | null> {
  const rows = await db.query(sql`select * from repos where id = ${id}`);
  return rows[0] ? toRepo(rows[0]) : null;
}

/** Platforms treat repository names case-insensitively, so lookups do too. */
export async function findRepo(db: Db, platform: PlatformId, fullName: string): Promise<Repo | null> {
  const rows = await db.query(
    sql`select * from repos where platform = ${platform} and lower(full_name) = lower(${fullName})`,
  );
  return rows[0] ? toRepo(rows[0]) : null;
}

export async function listRepos(db: Db, organizationId?: number): Promise<Repo[]> {
  const rows = organizationId === undefined
    ? await db.query(sql`select * from repos order by full_name`)
    : await db.query(sql`select * from repos where organization_id = ${organizationId} order by full_name`);
  return rows.map(toRepo);
}

export async function setRepoPaused(db: Db, id: number, paused: boolean): Promise<void> {
  await db.exec(sql`update repos set paused = ${paused} where id = ${id}`);
}

/**
 * The repository's `paused` flag, read in the caller's transaction, if the row still has the secret, platform and
 * name the caller verified a webhook against; `null` when it was deleted or changed since (a rotated secret).
 */
export async function confirmRepo(
  db: Db,
  repo: Pick<Repo, "id" | "platform" | "fullName" | "webhookSecret">,
): Promise<{ paused: boolean } | null> {
  const rows = await db.query<{ paused: unknown }>(sql`
    select paused from repos
    where id = ${repo.id} and platform = ${repo.platform} and webhook_secret = ${repo.webhookSecret}
      and full_name = ${repo.fullName}`);
  return rows[0] ? { paused: Boolean(rows[0].paused) } : null;
}
