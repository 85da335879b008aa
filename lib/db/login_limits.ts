/**
 * Sign-in limit counters, one row per key (`ip:…`, `account:…`). Each function is one upsert, atomic in both
 * dialects (PostgreSQL locks the conflicting row; SQLite has one writer), so attempts that arrive together are
 * counted one after another and a parallel burst cannot slip past a limit before it is recorded.
 */
import { type Db, sql } from "./mod.ts";

/**
 * Counts one attempt under `key` in a fixed window of `windowMs` starting at the key's first attempt.
 * @returns the attempts in the current window, this one included, and when the window ends
 */
export async function countAttemptInWindow(
  db: Db,
  key: string,
  options: { now: number; windowMs: number },
): Promise<{ attempts: number; windowEndsAt: number }> {
  const { now, windowMs } = options;
  const expired = now - windowMs;
  const [row] = await db.query<{ attempts: number; windowStartedAt: number }>(sql`
    insert into login_limits (key, attempts, window_started_at, updated_at) values (${key}, 1, ${now}, ${now})
    on conflict (key) do update set
      attempts = case when login_limits.window_started_at <= ${expired} then 1 else login_limits.attempts + 1 end,
      window_started_at = case when login_limits.window_started_at <= ${expired} then ${now}
        else login_limits.window_started_at end,
      updated_at = ${now}
    returning attempts, window_started_at`);
  return { attempts: Number(row!.attempts), windowEndsAt: Number(row!.windowStartedAt) + windowMs };
}

/** Takes back one attempt counted under `key` (a sign-in that succeeded is not held against its address). */
export async function uncountAttempt(db: Db, key: string): Promise<void> {
  await db.exec(sql`update login_limits set attempts = attempts - 1 where key = ${key} and attempts > 0`);
}

export interface BackoffPolicy {
  /** Failures allowed before any wait. */
  freeFailures: number;
  /** The first wait; each further failure doubles it, up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
}

/**
 * Takes the next attempt slot under `key` unless the key is backing off. The attempt is counted as a failure
 * in advance; the `freeFailures`-th and every later one starts a wait (doubling each time) that refuses
 * attempts until it ends. A success undoes it all with `clearBackoff`.
 * @returns whether this caller got the slot, and until when the key is blocked
 */
export async function takeBackoffSlot(
  db: Db,
  key: string,
  options: BackoffPolicy & { now: number },
): Promise<{ granted: boolean; blockedUntil: number }> {
  const { now, freeFailures, firstDelayMs, maxDelayMs } = options;
  const holder = crypto.randomUUID();
  const firstBlockedUntil = freeFailures <= 1 ? now + firstDelayMs : 0;
  const nextDelay = sql`case when login_limits.attempts + 1 < ${freeFailures} then 0
    when login_limits.delay_ms = 0 then ${firstDelayMs}
    when login_limits.delay_ms * 2 > ${maxDelayMs} then ${maxDelayMs}
    else login_limits.delay_ms * 2 end`;
  const [row] = await db.query<{ holder: string; blockedUntil: number }>(sql`
    insert into login_limits (key, attempts, window_started_at, blocked_until, delay_ms, holder, updated_at)
    values (${key}, 1, ${now}, ${firstBlockedUntil}, ${
    freeFailures <= 1 ? firstDelayMs : 0
  }, ${holder}, ${now})
    on conflict (key) do update set
      attempts = case when login_limits.blocked_until > ${now} then login_limits.attempts
        else login_limits.attempts + 1 end,
      delay_ms = case when login_limits.blocked_until > ${now} then login_limits.delay_ms else ${nextDelay} end,
      blocked_until = case when login_limits.blocked_until > ${now} then login_limits.blocked_until
        when login_limits.attempts + 1 < ${freeFailures} then 0
        else ${now} + ${nextDelay} end,
      holder = case when login_limits.blocked_until > ${now} then login_limits.holder else ${holder} end,
      updated_at = ${now}
    returning holder, blocked_until`);
  return { granted: row!.holder === holder, blockedUntil: Number(row!.blockedUntil) };
}

export async function clearBackoff(db: Db, key: string): Promise<void> {
  await db.exec(sql`delete from login_limits where key = ${key}`);
}

/** Drops counters untouched since `before`, so the table holds only recent keys. */
export async function pruneLoginLimits(db: Db, before: number): Promise<void> {
  await db.exec(sql`delete from login_limits where updated_at < ${before}`);
}
