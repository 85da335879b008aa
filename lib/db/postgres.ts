/** PostgreSQL through postgres.js: a connection pool, LISTEN/NOTIFY for queue wake-ups. */
import postgres from "postgres";
import { camelCaseRow, type Db, type Row } from "./types.ts";
import type { SqlStatement } from "./sql.ts";

export interface PostgresOptions {
  /** Pool size per process. */
  max?: number;
  /** Schema to use (`search_path`); tests give each test its own. */
  schema?: string;
  /** Called with notices and connection errors; postgres.js logs to the console otherwise. */
  onNotice?: (notice: unknown) => void;
}

type Sql = postgres.Sql<Record<string, never>>;

function toPostgresValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.getTime();
  if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
    return JSON.stringify(value);
  }
  return value;
}

/**
 * Statements are parameterised and their text is stable, so each connection prepares it once and reuses it: this
 * halves the round-trip work of the queue's claim and complete.
 */
const PREPARED = { prepare: true };

function wrap(client: Sql | postgres.TransactionSql<Record<string, never>>, root: Sql): Db {
  const db: Db = {
    dialect: "postgres",
    async query<T = Row>(statement: SqlStatement): Promise<T[]> {
      const { text, values } = statement.render("postgres");
      const rows = await client.unsafe(
        text,
        values.map(toPostgresValue) as postgres.ParameterOrJSON<never>[],
        PREPARED,
      );
      return rows.map((row) => camelCaseRow(row as Record<string, unknown>)) as T[];
    },
    async exec(statement: SqlStatement): Promise<number> {
      const { text, values } = statement.render("postgres");
      const result = await client.unsafe(
        text,
        values.map(toPostgresValue) as postgres.ParameterOrJSON<never>[],
        PREPARED,
      );
      return result.count;
    },
    transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      if ("savepoint" in client) return fn(db);
      return (client as Sql).begin((tx) => fn(wrap(tx, root))) as Promise<T>;
    },
    async execScript(text: string): Promise<void> {
      await client.unsafe(text).simple();
    },
    async notify(channel: string, payload = ""): Promise<void> {
      // On this connection, not the pool: inside a transaction the notification is sent at commit (so a woken
      // worker sees the row), and a transaction never waits for a second pool connection it may never get.
      await client.unsafe("select pg_notify($1, $2)", [channel, payload]);
    },
    async listen(channel: string, onNotify: (payload: string) => void) {
      const subscription = await root.listen(channel, onNotify);
      return () => subscription.unlisten();
    },
    async close(): Promise<void> {
      await root.end({ timeout: 5 });
    },
  };
  return db;
}

export function createPostgresDb(url: string, options: PostgresOptions = {}): Db {
  const client = postgres(url, {
    max: options.max ?? 10,
    // postgres.js waits 30 s for a connection by default; a worker that cannot reach the database should find
    // out in seconds and retry (web requests have their own, shorter deadline: `lib/db/unavailable.ts`).
    connect_timeout: 5,
    onnotice: options.onNotice ?? (() => {}),
    // Epoch-millisecond columns are BIGINT; they fit a JavaScript number exactly.
    types: {
      bigint: {
        to: 20,
        from: [20],
        parse: (value: string) => Number(value),
        serialize: (value: number) => String(value),
      },
    },
    connection: options.schema ? { search_path: options.schema } : {},
  }) as unknown as Sql;
  return wrap(client, client);
}
