/**
 * Login rate limits, per client address and per account, counted in the database so every web process shares
 * them. Only failures count; a successful login clears the account's counter.
 */
import type { Db } from "../db/mod.ts";
import {
  clearLoginFailures,
  countLoginFailures,
  normalizeEmail,
  pruneLoginFailures,
  recordLoginFailure,
} from "../db/users.ts";

export interface LoginLimits {
  perAddress: { max: number; windowMs: number };
  perAccount: { max: number; windowMs: number };
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perAddress: { max: 20, windowMs: 15 * 60_000 },
  perAccount: { max: 5, windowMs: 15 * 60_000 },
};

export interface LoginAttempt {
  address: string;
  email: string;
}

const keys = (attempt: LoginAttempt) => ({
  address: `ip:${attempt.address}`,
  account: `account:${normalizeEmail(attempt.email)}`,
});

/** `null` when the attempt may proceed, otherwise the seconds to wait. */
export async function loginRetryAfter(
  db: Db,
  attempt: LoginAttempt,
  options: { limits?: LoginLimits; now?: () => number } = {},
): Promise<number | null> {
  const limits = options.limits ?? DEFAULT_LOGIN_LIMITS;
  const now = (options.now ?? Date.now)();
  const { address, account } = keys(attempt);
  const [byAddress, byAccount] = await Promise.all([
    countLoginFailures(db, address, now - limits.perAddress.windowMs),
    countLoginFailures(db, account, now - limits.perAccount.windowMs),
  ]);
  if (byAddress >= limits.perAddress.max) return Math.ceil(limits.perAddress.windowMs / 1000);
  if (byAccount >= limits.perAccount.max) return Math.ceil(limits.perAccount.windowMs / 1000);
  return null;
}

export async function recordFailedLogin(
  db: Db,
  attempt: LoginAttempt,
  options: { limits?: LoginLimits; now?: () => number } = {},
): Promise<void> {
  const limits = options.limits ?? DEFAULT_LOGIN_LIMITS;
  const now = options.now ?? Date.now;
  const { address, account } = keys(attempt);
  await recordLoginFailure(db, address, now);
  await recordLoginFailure(db, account, now);
  await pruneLoginFailures(db, now() - Math.max(limits.perAddress.windowMs, limits.perAccount.windowMs));
}

export async function recordSuccessfulLogin(db: Db, attempt: LoginAttempt): Promise<void> {
  await clearLoginFailures(db, keys(attempt).account);
}
