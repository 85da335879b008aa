import { createPostgresDb, type PostgresOptions } from "./postgres.ts";
import { createSqliteDb } from "./sqlite.ts";
import type { Db } from "./types.ts";

/** The file path of a SQLite database URL: a plain path, or `sqlite:path` / `sqlite://path`. */
export function sqlitePath(url: string): string {
  return url.replace(/^sqlite:(\/\/)?/, "");
}

/**
 * Makes the SQLite file (and its `-wal`/`-shm` companions, if present) readable and writable by the owner only.
 * The file holds password hashes, session tokens and encrypted credentials beside the key file; SQLite creates
 * it with the process umask (usually 0644, readable by every local user) and gives the companions the same mode
 * as the main file, so creating it 0600 first keeps all three private.
 */
async function restrictSqliteFile(path: string): Promise<void> {
  try {
    using _file = await Deno.open(path, { createNew: true, write: true, mode: 0o600 });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    const info = await Deno.stat(file).catch(() => null);
    // An older Loom (or a copy) left it wider open: narrow it, never widen.
    if (info?.mode !== null && info?.mode !== undefined && (info.mode & 0o077) !== 0) {
      await Deno.chmod(file, info.mode & 0o700);
    }
  }
}

/** Opens PostgreSQL for `postgres://` / `postgresql://` URLs and SQLite for a path or `sqlite:` URL. */
export async function openDb(url: string, options: PostgresOptions = {}): Promise<Db> {
  if (/^postgres(ql)?:\/\//.test(url)) return createPostgresDb(url, options);
  const path = sqlitePath(url);
  if (path !== ":memory:") {
    const directory = path.replace(/[^/]*$/, "");
    if (directory) await Deno.mkdir(directory, { recursive: true, mode: 0o700 });
    await restrictSqliteFile(path);
  }
  return createSqliteDb(path);
}
