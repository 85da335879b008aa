import { defineHandlers } from "../lib/http/define.ts";
import { sql } from "../lib/db/mod.ts";
import { pendingMigrations } from "../lib/db/migrate.ts";
import { withinDatabaseDeadline } from "../lib/db/unavailable.ts";

/** Readiness: the database answers within `LOOM_DB_REQUEST_TIMEOUT_MS` and every migration is applied. */
export const handler = defineHandlers({
  async GET(c) {
    try {
      // An unreachable database is a prompt 503, not a request that waits for a connection.
      const pending = await withinDatabaseDeadline(
        c.var.deps.db.query(sql`select 1 as ok`).then(() => pendingMigrations(c.var.deps.db)),
        c.var.deps.config.databaseRequestTimeoutMs,
      );
      if (pending.length > 0) {
        return c.json(
          { status: "not ready", pendingMigrations: pending.map((migration) => migration.name) },
          503,
        );
      }
      return c.json({ status: "ready" });
    } catch (error) {
      c.var.log.warn("Readiness check failed", { error });
      return c.json({ status: "not ready", error: "database unreachable" }, 503);
    }
  },
});
