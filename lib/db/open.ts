import { createPostgresDb, type PostgresOptions } from "./postgres.ts";
import { createSqliteDb } from "./sqlite.ts";
import type { Db } from "./types.ts";

/** The file path of a SQLite database URL: a plain path, or `sqlite:path` / `sqlite://path`. */
export function sqlitePath(url: string): string {
  return url.replace(/^sqlite:(\/\/)?/, "");
}

/** Opens PostgreSQL for `postgres://` / `postgresql://` URLs and SQLite for a path or `sqlite:` URL. */
export async function openDb(url: string, options: PostgresOptions = {}): Promise<Db> {
  if (/^postgres(ql)?:\/\//.test(url)) return createPostgresDb(url, options);
  const path = sqlitePath(url);
  if (path !== ":memory:") {
    const directory = path.replace(/[^/]*$/, "");
    if (directory) await Deno.mkdir(directory, { recursive: true });
  }
  return createSqliteDb(path);
}
