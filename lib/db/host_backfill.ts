/**
 * Gives the rows made before migration 0013 their platform instance: a repository or credential without a
 * `host` is on the server's configured instance of its platform (`LOOM_GITHUB_API_URL`, `LOOM_GITLAB_URL`, …),
 * the only one Loom could talk to then. `openRuntime` runs it at every start, after migrating; it changes only
 * rows whose host is still unset, so several processes starting at once agree and a second run changes nothing.
 */
import type { PlatformId } from "../platform_id.ts";
import { type Db, sql } from "./mod.ts";

/**
 * Fills the missing hosts from `hosts` (the server's configured host of each platform, `null` when it has none:
 * those rows wait for a start with that platform configured). Returns how many rows were changed.
 */
export async function backfillHosts(
  db: Db,
  hosts: Readonly<Record<PlatformId, string | null>>,
): Promise<{ repos: number; credentials: number }> {
  let repos = 0;
  let credentials = 0;
  for (const [platform, host] of Object.entries(hosts)) {
    if (host === null) continue;
    repos += await db.exec(
      sql`update repos set host = ${host} where host is null and platform = ${platform}`,
    );
    // A platform credential's kind is its platform's name; model keys have no host.
    credentials += await db.exec(
      sql`update credentials set host = ${host} where host is null and kind = ${platform}`,
    );
  }
  return { repos, credentials };
}
