import { type Db, joinSql, rawSql, sql, type SqlStatement } from "../db/mod.ts";
import { type Job, toJob } from "./job.ts";

export interface ClaimOptions {
  /** How many jobs to take at most. */
  limit?: number;
  /** Lease length: the job is claimable again when the worker stops heartbeating for this long. */
  leaseMs: number;
  now?: () => number;
}

const SKIP_LOCKED = rawSql("for update skip locked");
const NO_LOCK = rawSql("");

/**
 * Two jobs of one pull request never run at once: a job is not taken while another job of its group holds a
 * live lease — one in progress, or one cancelled whose worker is still stopping it (`cancel` keeps the lease
 * until then). Read from `jobs_leased_group_key`, which holds only leased rows.
 */
function noOtherLease(now: number): SqlStatement {
  return sql`(group_key is null or not exists (
    select 1 from jobs as running where running.group_key = jobs.group_key and running.id <> jobs.id
      and running.locked_until is not null and running.locked_until >= ${now}))`;
}

/**
 * The jobs to take, best first: pending jobs that are due, and jobs in progress whose lease ran out (their worker
 * died). They are two branches because one `status = 'pending' … or status = 'in_progress' …` condition cannot
 * be read in claim order from any index: PostgreSQL then read and sorted every pending job on each claim (1.5 ms
 * at 2,000 pending jobs, against 0.2 ms this way). Pending jobs come from `jobs_pending_order` already in claim
 * order; late leases are few. On PostgreSQL each branch locks what it takes, skipping rows another claimer has
 * locked; a row a branch locked but the final choice leaves out is free again when the statement commits.
 * The final choice keeps one job of each pull request, so a claim of several never takes two of one group.
 */
function chosenJobs(now: number, limit: number, lock: SqlStatement): SqlStatement {
  return sql`
    with pending as (
      select id, priority, run_at, group_key from jobs where status = 'pending' and run_at <= ${now}
        and ${noOtherLease(now)}
      order by priority desc, run_at, id limit ${limit} ${lock}
    ), expired as (
      select id, priority, run_at, group_key from jobs
      where status = 'in_progress' and locked_until < ${now} and attempts < max_attempts
        and ${noOtherLease(now)}
      order by priority desc, run_at, id limit ${limit} ${lock}
    ), chosen as (
      select id from (
        select id, priority, run_at, row_number() over (
          partition by coalesce(group_key, 'job:' || id) order by priority desc, run_at, id) as place
        from (select * from pending union all select * from expired) as candidate
      ) as ranked
      where place = 1
      order by priority desc, run_at, id limit ${limit}
    )`;
}

/**
 * Atomically takes up to `limit` jobs for `workerId`. Two workers never receive the same job: PostgreSQL skips
 * rows another transaction has locked; SQLite runs the single `UPDATE … RETURNING` under `BEGIN IMMEDIATE`.
 */
export async function claim(db: Db, workerId: string, options: ClaimOptions): Promise<Job[]> {
  const now = (options.now ?? Date.now)();
  const limit = options.limit ?? 1;
  const lockedUntil = now + options.leaseMs;
  const statement = sql`
    ${chosenJobs(now, limit, db.dialect === "postgres" ? SKIP_LOCKED : NO_LOCK)}
    update jobs set status = 'in_progress', locked_by = ${workerId}, locked_until = ${lockedUntil},
      attempts = attempts + 1, updated_at = ${now}
    where id in (select id from chosen)
    returning *`;
  // PostgreSQL: the one statement is atomic and SKIP LOCKED keeps claimers apart, so an explicit transaction
  // would only add two round trips. SQLite: BEGIN IMMEDIATE takes the write lock up front, so two processes never
  // both read the same candidates.
  const rows = db.dialect === "postgres"
    ? await db.query(statement)
    : await db.transaction((tx) => tx.query(statement));
  const claimed = rows.map(toJob);
  const yielded = db.dialect === "postgres"
    ? await yieldContendedGroups(db, claimed, workerId, now)
    : new Set();
  return claimed.filter((job) => !yielded.has(job.id))
    .sort((a, b) => b.priority - a.priority || a.runAt - b.runAt || a.id - b.id);
}

/**
 * Hands back every job of `jobs` whose pull request another worker also holds, without spending an attempt.
 * Needed on PostgreSQL only: two claims running at the same instant each read the other's group as free (neither
 * sees the other's uncommitted lease), so both can take a job of one pull request. Once both claims have
 * committed, each sees the other's lease here; a claimer that sees one yields. If both look at the same time,
 * both yield and the jobs wait for the next claim — never two at once. SQLite needs none of this: `BEGIN
 * IMMEDIATE` runs claims one after the other.
 */
export async function yieldContendedGroups(
  db: Db,
  jobs: readonly Job[],
  workerId: string,
  now: number,
): Promise<Set<number>> {
  const grouped = jobs.filter((job) => job.groupKey !== null).map((job) => job.id);
  if (grouped.length === 0) return new Set();
  const released = await db.query<{ id: number }>(sql`
    update jobs set status = 'pending', locked_by = null, locked_until = null,
      attempts = case when attempts > 0 then attempts - 1 else 0 end, updated_at = ${now}
    where id in (${joinSql(grouped)}) and locked_by = ${workerId} and status = 'in_progress'
      and exists (select 1 from jobs as running where running.group_key = jobs.group_key
        and running.id <> jobs.id and running.locked_until is not null and running.locked_until >= ${now})
    returning id`);
  return new Set(released.map((row) => Number(row.id)));
}
