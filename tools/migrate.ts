/** `deno task db:migrate`: applies pending migrations. Safe to run from several processes at once. */
import { loadServerConfig } from "../lib/config/env.ts";
import { openDb } from "../lib/db/mod.ts";
import { migrate } from "../lib/db/migrate.ts";
import { createLogger } from "../lib/log.ts";

/**
 * Opening a new SQLite file switches it to WAL mode, which fails with "database is locked" while another
 * process does the same at that moment (several migrations started together); such an open is retried.
 */
async function openWhenUnlocked(url: string) {
  const deadline = Date.now() + 10_000;
  while (true) {
    try {
      return await openDb(url);
    } catch (error) {
      if (!/database is locked/.test(String(error)) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
    }
  }
}

const config = loadServerConfig(Deno.env.toObject());
const log = createLogger({ level: config.logLevel });
const db = await openWhenUnlocked(config.databaseUrl);
try {
  const applied = await migrate(db);
  log.info(applied.length > 0 ? "Applied migrations" : "Database is up to date", {
    dialect: db.dialect,
    migrations: applied,
  });
} finally {
  await db.close();
}
