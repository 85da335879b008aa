/**
 * `deno task db:migrate` run by several processes at the same moment (pods starting together, each with a
 * migration init container) on an empty database: every process succeeds, each migration is applied once, and
 * on PostgreSQL the queue's delivery function of this version is installed once.
 */
import assert from "node:assert/strict";
import { createPostgresDb, createSqliteDb, type Db, sql } from "../../lib/db/mod.ts";
import { pendingMigrations } from "../../lib/db/migrate.ts";
import { MIGRATIONS } from "../../lib/db/migrations.ts";
import { TEST_POSTGRES_URL } from "../../lib/db/testing.ts";
import { deliveryFunction } from "../../lib/queue/delivery_function.ts";

const MIGRATE = new URL("../../tools/migrate.ts", import.meta.url).pathname;

async function migrateFromProcesses(url: string, count: number) {
  return await Promise.all(Array.from({ length: count }, () =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MIGRATE],
      env: { LOOM_DATABASE_URL: url, LOOM_LOG_LEVEL: "info" },
      stdout: "piped",
      stderr: "piped",
    }).output()));
}

async function assertAppliedOnce(db: Db, outputs: Deno.CommandOutput[]) {
  const decoder = new TextDecoder();
  for (const output of outputs) assert.ok(output.success, decoder.decode(output.stderr));
  const logs = outputs.map((output) => decoder.decode(output.stdout));
  assert.equal(logs.filter((line) => line.includes('"Applied migrations"')).length, 1, logs.join("\n"));
  assert.deepEqual(await pendingMigrations(db), []);
  const rows = await db.query<{ version: number }>(
    sql`select version from schema_migrations order by version`,
  );
  assert.deepEqual(
    rows.map((row) => Number(row.version)),
    MIGRATIONS[db.dialect].map((migration) => migration.version),
  );
}

Deno.test("tools/migrate.ts from four processes at once applies each migration once [sqlite]", async () => {
  const directory = await Deno.makeTempDir({ prefix: "loom-migrate-" });
  try {
    const outputs = await migrateFromProcesses(`${directory}/loom.db`, 4);
    const db = createSqliteDb(`${directory}/loom.db`);
    try {
      await assertAppliedOnce(db, outputs);
    } finally {
      await db.close();
    }
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("tools/migrate.ts from four processes at once applies each migration once [postgres]", async () => {
  const name = `loom_migrate_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = createPostgresDb(TEST_POSTGRES_URL, { max: 1 });
  await admin.execScript(`create database ${name}`);
  const url = TEST_POSTGRES_URL.replace(/\/[^/?]+(\?|$)/, `/${name}$1`);
  try {
    const outputs = await migrateFromProcesses(url, 4);
    const db = createPostgresDb(url, { max: 1 });
    try {
      await assertAppliedOnce(db, outputs);
      const functions = await db.query<{ name: string }>(sql`
        select proname as name from pg_proc where proname like 'apply_webhook_delivery%'`);
      assert.deepEqual(functions.map((row) => row.name), [(await deliveryFunction()).name]);
    } finally {
      await db.close();
    }
  } finally {
    await admin.execScript(`drop database ${name} with (force)`);
    await admin.close();
  }
});
