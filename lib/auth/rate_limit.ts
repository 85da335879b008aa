/**
 * Sign-in limits, counted in the database so every web process shares them, and reserved before the password
 * is checked, so a parallel burst is counted in full (40 wrong passwords at once get 401 up to the limit and
 * 429 after it, not 40 × 401):
 * - per client address (`clientLimitKey`: the real client behind trusted proxies, an IPv6 client by its /64):
 *   20 attempts per 15 minutes, whatever the accounts;
 * - per account: an exponential back-off instead of a lockout — 5 failures are free, then each further attempt
 *   waits 1 s, 2 s, 4 s … up to 15 minutes after the previous one. Anyone can make the owner wait, nobody can
 *   lock them out: the right password after the wait signs in and resets the count.
 */
import type { Db } from "../db/mod.ts";
import { normalizeEmail } from "../db/users.ts";
import {
  type BackoffPolicy,
  clearBackoff,
  countAttemptInWindow,
  pruneLoginLimits,
  takeBackoffSlot,
  uncountAttempt,
} from "../db/login_limits.ts";
import { clientLimitKey } from "../client_address.ts";

export interface LoginLimits {
  perAddress: { max: number; windowMs: number };
  perAccount: BackoffPolicy;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perAddress: { max: 20, windowMs: 15 * 60_000 },
  perAccount: { freeFailures: 5, firstDelayMs: 1000, maxDelayMs: 15 * 60_000 },
};

/** Counters untouched for a day are dropped, which also forgets an account's old failures. */
const FORGET_AFTER_MS = 24 * 3_600_000;

export interface LoginAttempt {
  address: string;
  email: string;
}

export type LoginReservation = { status: "reserved" } | { status: "limited"; retryAfterSeconds: number };

interface LimitOptions {
  limits?: LoginLimits;
  now?: () => number;
}

function keys(attempt: LoginAttempt) {
  return {
    address: `ip:${clientLimitKey(attempt.address)}`,
    account: `account:${normalizeEmail(attempt.email)}`,
  };
}

function secondsUntil(time: number, now: number): number {
  return Math.max(1, Math.ceil((time - now) / 1000));
}

/**
 * Reserves one sign-in attempt, counted as a failure until `settleSuccessfulLogin` says otherwise. Refused when
 * the address has used its window or the account is backing off.
 */
export async function reserveLoginAttempt(
  db: Db,
  attempt: LoginAttempt,
  options: LimitOptions = {},
): Promise<LoginReservation> {
  const limits = options.limits ?? DEFAULT_LOGIN_LIMITS;
  const now = (options.now ?? Date.now)();
  const { address, account } = keys(attempt);
  const byAddress = await countAttemptInWindow(db, address, { now, windowMs: limits.perAddress.windowMs });
  if (byAddress.attempts > limits.perAddress.max) {
    return { status: "limited", retryAfterSeconds: secondsUntil(byAddress.windowEndsAt, now) };
  }
  const slot = await takeBackoffSlot(db, account, { ...limits.perAccount, now });
  if (!slot.granted) return { status: "limited", retryAfterSeconds: secondsUntil(slot.blockedUntil, now) };
  await pruneLoginLimits(db, now - FORGET_AFTER_MS);
  return { status: "reserved" };
}

/** A reserved attempt succeeded: the account's back-off resets and the address gets its attempt back. */
export async function settleSuccessfulLogin(db: Db, attempt: LoginAttempt): Promise<void> {
  const { address, account } = keys(attempt);
  await clearBackoff(db, account);
  await uncountAttempt(db, address);
}
