/**
 * SQLite through Deno's built-in `node:sqlite` (no native download). WAL mode lets readers run beside one
 * writer; `busy_timeout` makes concurrent writers (several worker processes) wait instead of failing.
 */
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { camelCaseRow, type Db, type Row } from "./types.ts";
import type { SqlStatement } from "./sql.ts";

export interface SqliteOptions {
  /** Milliseconds a writer waits for the lock before giving up with "database is locked". */
  busyTimeoutMs?: number;
}

function isBusy(error: unknown): boolean {
  const code = (error as { errcode?: number }).errcode;
  return code === 5 || code === 6 ||
    (error instanceof Error && /database is (locked|busy)/.test(error.message));
}

/**
 * Waits for another connection's write lock without blocking the event loop. SQLite's own `busy_timeout`
 * sleeps synchronously, which would freeze every task of this process — including the one holding the lock when
 * two connections live in the same process — so the connection uses `busy_timeout = 0` and retries here.
 */
async function retryWhileBusy<T>(fn: () => T, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0;; attempt++) {
    try {
      return fn();
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1 + attempt, 20) * (0.5 + Math.random())));
    }
  }
}

function toSqliteValue(value: unknown): SQLInputValue {
  if (value === undefined || value === null) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return value.getTime();
  if (typeof value === "object" && !(value instanceof Uint8Array)) return JSON.stringify(value);
  return value as SQLInputValue;
}

/**
 * One connection serialises its callers: a transaction holds the connection until it ends, so statements
 * from other async callers never slip into it.
 */
class ConnectionLock {
  #tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.then(() => {}, () => {});
    return result;
  }
}

export function createSqliteDb(path: string, options: SqliteOptions = {}): Db {
  const database = new DatabaseSync(path);
  const busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
  // Switching a new file to WAL needs an exclusive lock, which several processes opening it at once (web,
  // workers, migrations) contend for; SQLite's own blocking wait is acceptable here, once, at start-up.
  database.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
  if (path !== ":memory:") database.exec("PRAGMA journal_mode = WAL");
  database.exec("PRAGMA busy_timeout = 0");
  database.exec("PRAGMA foreign_keys = ON");
  database.exec("PRAGMA synchronous = NORMAL");
  const lock = new ConnectionLock();
  // In-process NOTIFY: the embedded worker shares this handle with the web server. A notification sent inside a
  // transaction is delivered after COMMIT (and dropped on ROLLBACK), like PostgreSQL's.
  const listeners = new Map<string, Set<(payload: string) => void>>();
  let held: [string, string][] = [];
  const deliver = (channel: string, payload: string) => {
    for (const listener of listeners.get(channel) ?? []) queueMicrotask(() => listener(payload));
  };
  const statements = new Map<string, ReturnType<DatabaseSync["prepare"]>>();

  const prepare = (text: string) => {
    let statement = statements.get(text);
    if (!statement) {
      statement = database.prepare(text);
      statements.set(text, statement);
    }
    return statement;
  };

  function listen(channel: string, onNotify: (payload: string) => void) {
    const set = listeners.get(channel) ?? new Set();
    listeners.set(channel, set);
    set.add(onNotify);
    return Promise.resolve(() => {
      set.delete(onNotify);
      return Promise.resolve();
    });
  }

  const direct = {
    query<T>(statement: SqlStatement): T[] {
      const { text, values } = statement.render("sqlite");
      const rows = prepare(text).all(...values.map(toSqliteValue)) as Record<string, unknown>[];
      return rows.map(camelCaseRow) as T[];
    },
    exec(statement: SqlStatement): number {
      const { text, values } = statement.render("sqlite");
      return Number(prepare(text).run(...values.map(toSqliteValue)).changes);
    },
  };

  const inTransaction: Db = {
    dialect: "sqlite",
    query: <T = Row>(statement: SqlStatement) => Promise.resolve(direct.query<T>(statement)),
    exec: (statement) => Promise.resolve(direct.exec(statement)),
    transaction: (fn) => fn(inTransaction),
    execScript: (text) => Promise.resolve(database.exec(text)),
    notify: (channel, payload = "") => {
      held.push([channel, payload]);
      return Promise.resolve();
    },
    listen: (channel, onNotify) => listen(channel, onNotify),
    close: () => Promise.reject(new Error("Cannot close the database inside a transaction")),
  };

  return {
    dialect: "sqlite",
    query: <T = Row>(statement: SqlStatement) =>
      lock.run(() => retryWhileBusy(() => direct.query<T>(statement), busyTimeoutMs)),
    exec: (statement) => lock.run(() => retryWhileBusy(() => direct.exec(statement), busyTimeoutMs)),
    transaction: (fn) =>
      lock.run(async () => {
        await retryWhileBusy(() => database.exec("BEGIN IMMEDIATE"), busyTimeoutMs);
        held = [];
        try {
          const result = await fn(inTransaction);
          await retryWhileBusy(() => database.exec("COMMIT"), busyTimeoutMs);
          for (const [channel, payload] of held) deliver(channel, payload);
          return result;
        } catch (error) {
          if (database.isTransaction) database.exec("ROLLBACK");
          throw error;
        } finally {
          held = [];
        }
      }),
    execScript: (text) => lock.run(() => retryWhileBusy(() => database.exec(text), busyTimeoutMs)),
    notify: (channel, payload = "") => {
      deliver(channel, payload);
      return Promise.resolve();
    },
    listen: (channel, onNotify) => listen(channel, onNotify),
    close: () =>
      lock.run(() => {
        if (database.isOpen) database.close();
        return Promise.resolve();
      }),
  };
}
