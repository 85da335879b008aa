/**
 * Runs the real Loom process (`main.ts`) for end-to-end tests: a fresh database per dialect, the environment
 * pointing at local fakes, and helpers to wait for it, read its logs and kill it like an operator (or the OOM
 * killer) would.
 */
import { createPostgresDb, type Db, openDb } from "../../lib/db/mod.ts";
import { migrate } from "../../lib/db/migrate.ts";
import { TEST_POSTGRES_URL } from "../../lib/db/testing.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

export interface E2eDatabase extends AsyncDisposable {
  dialect: "sqlite" | "postgres";
  url: string;
  db: Db;
}

/** A database a child process can open by URL: a SQLite file, or a new PostgreSQL database. */
export async function createE2eDatabase(dialect: "sqlite" | "postgres"): Promise<E2eDatabase> {
  if (dialect === "sqlite") {
    const directory = await Deno.makeTempDir({ prefix: "loom-e2e-" });
    const url = `${directory}/loom.db`;
    const db = await openDb(url);
    await migrate(db);
    return {
      dialect,
      url,
      db,
      async [Symbol.asyncDispose]() {
        await db.close();
        await Deno.remove(directory, { recursive: true });
      },
    };
  }
  const name = `loom_e2e_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = createPostgresDb(TEST_POSTGRES_URL, { max: 1 });
  await admin.execScript(`create database ${name}`);
  const url = TEST_POSTGRES_URL.replace(/\/[^/?]+(\?|$)/, `/${name}$1`);
  const db = createPostgresDb(url, { max: 2 });
  await migrate(db);
  return {
    dialect,
    url,
    db,
    async [Symbol.asyncDispose]() {
      await db.close();
      await admin.execScript(`drop database ${name} with (force)`);
      await admin.close();
    },
  };
}

export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

export interface LoomProcess extends AsyncDisposable {
  url: string;
  /** The child's process id, to read its memory from `/proc/<pid>/status`. */
  pid: number;
  /** Everything the process printed so far (JSON log lines). */
  logs(): string;
  /**
   * Waits until the process has printed a line matching `pattern`. Its output arrives through a pipe, so a line
   * logged before a job committed may still be in flight when the test sees the job's new state.
   */
  waitForLog(pattern: RegExp): Promise<void>;
  kill(signal: Deno.Signal): Promise<Deno.CommandStatus>;
}

/**
 * Starts `main.ts` on a port the kernel picks (`LOOM_PORT=0`) and reads the address from its "listening" log
 * line: a port chosen by the test and released before the child binds it could be taken by another test's
 * process in between, and the test would then talk to the wrong Loom.
 */
export async function startLoom(env: Record<string, string>, args: string[] = []): Promise<LoomProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: {
      LOOM_PORT: "0",
      LOOM_HOSTNAME: "127.0.0.1",
      LOOM_LOG_LEVEL: "info",
      // A test machine running the suite in parallel can take longer than the 800 ms production deadline for a
      // healthy write; a test that is about the deadline (an outage) sets it explicitly.
      LOOM_DB_REQUEST_TIMEOUT_MS: "10000",
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
    clearEnv: false,
  }).spawn();
  let output = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
  };
  const collecting = Promise.all([collect(child.stdout), collect(child.stderr)]);
  let exited = false;
  const status = child.status.then((value) => {
    exited = true;
    return value;
  });
  const deadline = Date.now() + 60_000;
  let url: string | undefined;
  while (true) {
    if (exited) throw new Error(`Loom exited during start-up:\n${output}`);
    url ??= /"message":"Loom is listening","url":"(http:\/\/[^"]+)"/.exec(output)?.[1];
    if (url) {
      try {
        const response = await fetch(`${url}/readyz`);
        await response.body?.cancel();
        if (response.ok) break;
      } catch {
        // Not answering yet.
      }
    }
    if (Date.now() > deadline) throw new Error(`Loom did not become ready within 60 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const kill = async (signal: Deno.Signal) => {
    if (!exited) child.kill(signal);
    const result = await status;
    await collecting;
    return result;
  };
  return {
    url,
    pid: child.pid,
    logs: () => output,
    waitForLog: async (pattern) => {
      await waitFor(
        () => pattern.test(output) || undefined,
        () => `no log line matching ${pattern}:\n${output}`,
      );
    },
    kill,
    async [Symbol.asyncDispose]() {
      await kill("SIGTERM");
    },
  };
}

/** Polls `check` until it returns a value other than undefined, or fails with `describe()` after the deadline. */
export async function waitFor<T>(
  check: () => T | undefined | Promise<T | undefined>,
  describe: () => string,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
