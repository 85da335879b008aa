/**
 * Runs database tests on both dialects: every `dbTest` registers one test on SQLite (a temporary file, so a
 * second connection can be opened) and one on PostgreSQL (a fresh schema in `LOOM_TEST_DATABASE_URL`, default
 * the local `test` database), each fully migrated.
 */
import { createPostgresDb, createSqliteDb, type Db, type SqlDialect } from "./mod.ts";
import { migrate } from "./migrate.ts";

export const TEST_POSTGRES_URL = Deno.env.get("LOOM_TEST_DATABASE_URL") ??
  "postgres://postgres@127.0.0.1:5432/test";

export interface TestDatabase {
  dialect: SqlDialect;
  db: Db;
  /** Opens another connection to the same database (another "process"). The harness closes it. */
  connect(): Db;
  /** The URL a child process can open (`openDb`); for PostgreSQL the schema is passed separately. */
  url: string;
  schema?: string;
}

export async function createTestDatabase(dialect: SqlDialect): Promise<TestDatabase & AsyncDisposable> {
  const extra: Db[] = [];
  if (dialect === "sqlite") {
    const directory = await Deno.makeTempDir({ prefix: "loom-test-" });
    const path = `${directory}/loom.db`;
    const db = createSqliteDb(path);
    await migrate(db);
    return {
      dialect,
      db,
      url: path,
      connect() {
        const another = createSqliteDb(path);
        extra.push(another);
        return another;
      },
      async [Symbol.asyncDispose]() {
        for (const another of extra) await another.close();
        await db.close();
        await Deno.remove(directory, { recursive: true });
      },
    };
  }
  const schema = `t_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = createPostgresDb(TEST_POSTGRES_URL, { max: 1 });
  await admin.execScript(`create schema ${schema}`);
  const db = createPostgresDb(TEST_POSTGRES_URL, { schema, max: 4 });
  await migrate(db);
  return {
    dialect,
    db,
    url: TEST_POSTGRES_URL,
    schema,
    connect() {
      const another = createPostgresDb(TEST_POSTGRES_URL, { schema, max: 4 });
      extra.push(another);
      return another;
    },
    async [Symbol.asyncDispose]() {
      for (const another of extra) await another.close();
      await db.close();
      await admin.execScript(`drop schema ${schema} cascade`);
      await admin.close();
    },
  };
}

/** Registers `name [sqlite]` and `name [postgres]`, each with its own migrated database. */
export function dbTest(name: string, fn: (database: TestDatabase) => Promise<void>): void {
  for (const dialect of ["sqlite", "postgres"] as const) {
    Deno.test(`${name} [${dialect}]`, async () => {
      await using database = await createTestDatabase(dialect);
      await fn(database);
    });
  }
}
