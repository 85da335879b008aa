import type { SqlDialect, SqlStatement } from "./sql.ts";

/** A row as returned by `Db.query`: column names converted to camelCase. */
export type Row = Record<string, unknown>;

/** One interface over SQLite (`node:sqlite`) and PostgreSQL (postgres.js). */
export interface Db {
  readonly dialect: SqlDialect;
  /** Runs a statement and returns its rows with camelCase keys. */
  query<T = Row>(statement: SqlStatement): Promise<T[]>;
  /** Runs a statement and returns the number of rows it changed. */
  exec(statement: SqlStatement): Promise<number>;
  /** Runs `fn` in one transaction (SQLite: `BEGIN IMMEDIATE`); rolls back when it throws. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Runs SQL text with several statements and no parameters (migrations). */
  execScript(text: string): Promise<void>;
  /**
   * Wakes listeners of `channel`: every process on PostgreSQL (NOTIFY), the listeners of this same handle on
   * SQLite (the embedded worker). Inside a transaction it is delivered at commit.
   */
  notify(channel: string, payload?: string): Promise<void>;
  /**
   * Subscribes to `channel`; resolves to an unsubscribe function. On SQLite it hears only this handle's
   * notifications, so other processes must still poll. `null` when the dialect has no such thing.
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<(() => Promise<void>) | null>;
  close(): Promise<void>;
}

/** Converts `snake_case` column names to camelCase. */
export function camelCaseRow(row: Record<string, unknown>): Row {
  const result: Row = {};
  for (const key in row) {
    result[key.includes("_") ? key.replace(/_([a-z0-9])/g, (_, char: string) => char.toUpperCase()) : key] =
      row[key];
  }
  return result;
}
