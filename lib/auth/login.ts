/** Password sign-in with rate limits and no user enumeration, first-run setup, and starting a session. */
import type { Context } from "hono";
import type { AppEnv } from "../http/define.ts";
import type { Db } from "../db/mod.ts";
import { countUsers, createUser, findUserByEmail, replacePasswordHash, type User } from "../db/users.ts";
import {
  addMembership,
  adoptUnownedRepos,
  createOrganization,
  type Organization,
} from "../db/organizations.ts";
import { createSession } from "../db/sessions.ts";
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from "./passwords.ts";
import { type LoginLimits, reserveLoginAttempt, settleSuccessfulLogin } from "./rate_limit.ts";
import { SESSION_TTL_MS, setSessionCookie } from "./session.ts";

export type LoginResult =
  | { status: "ok"; user: User }
  /** One answer for a wrong password and an unknown email, so the form reveals no accounts. */
  | { status: "invalid" }
  | { status: "limited"; retryAfterSeconds: number };

/**
 * Checks a password sign-in. The attempt is reserved before the password is checked (see `rate_limit.ts`); a
 * correct password made at an older scrypt cost is hashed again at today's, transparently.
 */
export async function attemptPasswordLogin(
  db: Db,
  input: { email: string; password: string; address: string },
  options: { limits?: LoginLimits; now?: () => number } = {},
): Promise<LoginResult> {
  const attempt = { address: input.address, email: input.email };
  const reservation = await reserveLoginAttempt(db, attempt, options);
  if (reservation.status === "limited") return reservation;
  const user = await findUserByEmail(db, input.email);
  const valid = user?.passwordHash
    ? await verifyPassword(input.password, user.passwordHash)
    : await verifyAgainstDummy(input.password);
  if (!user || !valid) return { status: "invalid" };
  await settleSuccessfulLogin(db, attempt);
  const stored = user.passwordHash!;
  if (needsRehash(stored)) {
    await replacePasswordHash(db, user.id, { from: stored, to: await hashPassword(input.password) });
  }
  return { status: "ok", user };
}

/** Starts a session for `user` and sets its cookie. */
export async function signIn(c: Context<AppEnv>, user: User): Promise<void> {
  const { token } = await createSession(c.var.deps.db, user.id, {
    ttlMs: SESSION_TTL_MS,
    now: c.var.deps.now,
  });
  setSessionCookie(c, token);
}

/**
 * First run: creates the owner and their organization, and adopts repositories added from the command line.
 * Runs in one transaction that re-checks that there are still no users, so two racing setups make one owner.
 */
export async function setupOwner(
  db: Db,
  input: { email: string; name: string; password: string; organizationName: string },
  now: () => number = Date.now,
): Promise<{ user: User; organization: Organization; adopted: number } | null> {
  const passwordHash = await hashPassword(input.password);
  return await db.transaction(async (tx) => {
    if (await countUsers(tx) > 0) return null;
    const user = await createUser(tx, { email: input.email, name: input.name, passwordHash }, now);
    const organization = await createOrganization(tx, { name: input.organizationName }, now);
    await addMembership(tx, { userId: user.id, organizationId: organization.id, role: "owner" }, now);
    const adopted = await adoptUnownedRepos(tx, organization.id);
    return { user, organization, adopted };
  });
}
