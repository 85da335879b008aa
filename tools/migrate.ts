/**
 * `deno task db:migrate`: applies pending migrations and installs this version's queue function (PostgreSQL).
 * Safe to run from several processes at once.
 */
import { loadServerConfig } from "../lib/config/env.ts";
import { openDb } from "../lib/db/mod.ts";
import { migrate } from "../lib/db/migrate.ts";
import { ensureDeliveryFunction } from "../lib/queue/mod.ts";
import { createLogger } from "../lib/log.ts";

const config = loadServerConfig(Deno.env.toObject());
const log = createLogger({ level: config.logLevel });
const db = await openDb(config.databaseUrl);
try {
  const applied = await migrate(db);
  await ensureDeliveryFunction(db);
  log.info(applied.length > 0 ? "Applied migrations" : "Database is up to date", {
    dialect: db.dialect,
    migrations: applied,
  });
} finally {
  await db.close();
}
