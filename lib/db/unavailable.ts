/**
 * "The database cannot answer now" as an answer, not a hang: a request that needs the database gets its answer
 * within `ms` (503 from the routes), whether the database refuses connections, drops them, or blackholes them.
 * postgres.js queues a query until it has a connection and would keep a request waiting for its connect timeout
 * or longer; the platforms give up on a webhook after 10 s and then count a failure. The abandoned work still
 * runs if the database comes back, which is harmless: delivery ids and dedupe keys make a webhook's redelivery
 * change nothing twice.
 */

/** Thrown when the database did not answer within a request's deadline or could not be reached at all. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DatabaseUnavailableError";
  }
}

/** Error codes of a lost or refused connection (postgres.js, Node-style sockets) and of a locked SQLite file. */
const UNAVAILABLE_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "57P01", // admin_shutdown: the server is restarting
  "57P03", // cannot_connect_now: the server is starting up
]);

/** Whether `error` says the database is out of reach (as opposed to a bad statement or a bug). */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (current instanceof DatabaseUnavailableError) return true;
    if (current instanceof Deno.errors.ConnectionRefused || current instanceof Deno.errors.ConnectionReset) {
      return true;
    }
    const code = (current as { code?: unknown; errcode?: unknown }).code;
    if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return true;
    if (current instanceof Error && /database is (locked|busy)/.test(current.message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Resolves with `work`, or rejects with `DatabaseUnavailableError` after `ms` or as soon as `work` fails because
 * the database is out of reach.
 */
export function withinDatabaseDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  return createDatabaseDeadline(ms).within(work);
}

/**
 * The database deadline of one request whose work also waits on something else: time spent in `excluding` (a
 * platform request, which has its own deadline — 3 s for the webhook head check) is not charged to the database,
 * so a slow platform is not answered as "the database is unavailable".
 */
export interface DatabaseDeadline {
  /** Resolves with `work`, or rejects with `DatabaseUnavailableError` as `withinDatabaseDeadline` does. */
  within<T>(work: Promise<T>): Promise<T>;
  /** Waits for `other` with the deadline's clock stopped. */
  excluding<T>(other: Promise<T>): Promise<T>;
}

export function createDatabaseDeadline(ms: number): DatabaseDeadline {
  let remaining = ms;
  let startedAt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let expire: (() => void) | undefined;
  let outside = 0;
  const start = () => {
    startedAt = Date.now();
    timer = setTimeout(() => expire?.(), Math.max(0, remaining));
  };
  const stop = () => {
    clearTimeout(timer);
    remaining -= Date.now() - startedAt;
  };
  return {
    within(work) {
      return new Promise((resolve, reject) => {
        expire = () =>
          reject(new DatabaseUnavailableError(`Cannot reach the database: no answer within ${ms} ms`));
        if (outside === 0) start();
        work.then(resolve, (error) => {
          reject(
            isDatabaseUnavailable(error)
              ? new DatabaseUnavailableError("Cannot reach the database", { cause: error })
              : error,
          );
        }).finally(() => {
          clearTimeout(timer);
          expire = undefined;
        });
      });
    },
    async excluding(other) {
      if (outside++ === 0 && expire) stop();
      try {
        return await other;
      } finally {
        if (--outside === 0 && expire) start();
      }
    },
  };
}
