import { type Db, sql, type SqlStatement } from "../db/mod.ts";
import { type Job, toJob } from "./job.ts";

export interface ClaimOptions {
  /** How many jobs to take at most. */
  limit?: number;
  /** Lease length: the job is claimable again when the worker stops heartbeating for this long. */
  leaseMs: number;
  now?: () => number;
}

/** Jobs ready to run: pending and due, or in progress with a lease that ran out (its worker died). */
function claimable(now: number): SqlStatement {
  return sql`((status = 'pending' and run_at <= ${now})
    or (status = 'in_progress' and locked_until < ${now} and attempts < max_attempts))`;
}

/**
 * Atomically takes up to `limit` jobs for `workerId`. Two workers never receive the same job: PostgreSQL skips
 * rows another transaction has locked; SQLite runs the single `UPDATE … RETURNING` under `BEGIN IMMEDIATE`.
 */
export async function claim(db: Db, workerId: string, options: ClaimOptions): Promise<Job[]> {
  const now = (options.now ?? Date.now)();
  const limit = options.limit ?? 1;
  const lockedUntil = now + options.leaseMs;
  const statement = db.dialect === "postgres"
    ? sql`
      update jobs set status = 'in_progress', locked_by = ${workerId}, locked_until = ${lockedUntil},
        attempts = attempts + 1, updated_at = ${now}
      where id in (
        select id from jobs where ${claimable(now)}
        order by priority desc, run_at, id limit ${limit}
        for update skip locked)
      returning *`
    : sql`
      update jobs set status = 'in_progress', locked_by = ${workerId}, locked_until = ${lockedUntil},
        attempts = attempts + 1, updated_at = ${now}
      where id in (
        select id from jobs where ${claimable(now)}
        order by priority desc, run_at, id limit ${limit})
      returning *`;
  // PostgreSQL: the one UPDATE is atomic and SKIP LOCKED keeps claimers apart, so an explicit transaction would
  // only add two round trips. SQLite: BEGIN IMMEDIATE takes the write lock up front, so two processes never both
  // read the same candidates.
  const rows = db.dialect === "postgres"
    ? await db.query(statement)
    : await db.transaction((tx) => tx.query(statement));
  return rows.map(toJob).sort((a, b) => b.priority - a.priority || a.runAt - b.runAt || a.id - b.id);
}
