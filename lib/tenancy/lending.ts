/**
 * Which organizations may use the server's own credentials (`LOOM_GITHUB_TOKEN`, `LOOM_LLM_API_KEY`, …): the
 * instance default the operator lends explicitly with `LOOM_SHARE_SERVER_CREDENTIALS` — `all`, or organization
 * slugs separated by commas. Unset, only the first organization (the one made at set-up, lowest id) may: a second
 * team on the same Loom brings its own, so its admins cannot spend the operator's tokens or read what the
 * server's token can read. A repository of no organization (connected by `repo:add` before set-up) is the
 * operator's own and uses them too.
 */
import type { ServerConfig } from "../config/env.ts";
import { type Db, sql } from "../db/mod.ts";

/** Whether the organization `organizationId` (`null`: none) may use the server's credentials. */
export async function serverCredentialsLent(
  db: Db,
  server: Pick<ServerConfig, "shareServerCredentials">,
  organizationId: number | null,
): Promise<boolean> {
  if (organizationId === null) return true;
  const shared = server.shareServerCredentials;
  if (shared.some((entry) => entry.toLowerCase() === "all")) return true;
  if (shared.length > 0) {
    const rows = await db.query<{ slug: string }>(
      sql`select slug from organizations where id = ${organizationId}`,
    );
    const slug = rows[0]?.slug.toLowerCase();
    return slug !== undefined && shared.some((entry) => entry.toLowerCase() === slug);
  }
  const first = await db.query<{ id: unknown }>(sql`select min(id) as id from organizations`);
  return first[0]?.id !== null && first[0]?.id !== undefined && Number(first[0].id) === organizationId;
}
