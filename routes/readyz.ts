import { defineHandlers } from "../lib/http/define.ts";
import { sql } from "../lib/db/mod.ts";
import { pendingMigrations } from "../lib/db/migrate.ts";

/** Readiness: the database answers and every migration is applied. */
export const handler = defineHandlers({
  async GET(c) {
    try {
      await c.var.deps.db.query(sql`select 1 as ok`);
      const pending = await pendingMigrations(c.var.deps.db);
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
