/**
 * Applies pending migrations. Safe to run from several processes at once: the whole run is one transaction that
 * first takes the migration lock (on PostgreSQL a transaction-scoped advisory lock; on SQLite `BEGIN IMMEDIATE`
 * serialises writers), so one process applies everything pending and the others, waiting on the lock, then find
 * nothing to do. A failed migration rolls the run back: each migration and its version row are applied together
 * or not at all.
 */
import { type Db, sql } from "./mod.ts";
import { type Migration, MIGRATIONS } from "./migrations.ts";

/** An arbitrary constant shared by every Loom process: the advisory lock that serialises migrations. */
const MIGRATION_LOCK_ID = 7_231_000_001;

async function lockForMigrations(tx: Db): Promise<void> {
  if (tx.dialect === "postgres") await tx.query(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`);
}

/** Applies every migration not yet recorded; returns the names applied by this call. */
export async function migrate(db: Db, now: () => number = Date.now): Promise<string[]> {
  return await db.transaction(async (tx) => {
    await lockForMigrations(tx);
    await tx.execScript(
      "create table if not exists schema_migrations (version integer primary key, name text not null, applied_at bigint not null)",
    );
    const rows = await tx.query<{ version: number }>(sql`select version from schema_migrations`);
    const done = new Set(rows.map((row) => Number(row.version)));
    const applied: string[] = [];
    for (const migration of MIGRATIONS[db.dialect]) {
      if (done.has(migration.version)) continue;
      await tx.execScript(migration.text);
      await tx.exec(
        sql`insert into schema_migrations (version, name, applied_at) values (${migration.version}, ${migration.name}, ${now()})`,
      );
      applied.push(migration.name);
    }
    return applied;
  });
}

/** Migrations that the database has not applied yet (used by `/readyz`). */
export async function pendingMigrations(db: Db): Promise<Migration[]> {
  let versions: Set<number>;
  try {
    const rows = await db.query<{ version: number }>(sql`select version from schema_migrations`);
    versions = new Set(rows.map((row) => Number(row.version)));
  } catch {
    // No schema_migrations table yet: every migration is pending.
    versions = new Set();
  }
  return MIGRATIONS[db.dialect].filter((migration) => !versions.has(migration.version));
}
