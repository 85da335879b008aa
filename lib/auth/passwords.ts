/**
 * Password hashing with scrypt from `node:crypto` at OWASP's recommended cost (N=2^17, r=8, p=1; 16-byte random
 * salt, 32-byte key). Stored as `scrypt$<N>$<r>$<p>$<salt b64>$<key b64>`, so a hash made at an older, lower
 * cost still verifies and `needsRehash` tells the sign-in to replace it.
 *
 * One derivation at this cost takes 128 MiB (128·N·r bytes) and about 0.3–1 s of CPU, and Deno runs each on its
 * own blocking thread: 40 parallel sign-ins would take 5 GiB. So at most two derive at once and the rest queue.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { createLimiter } from "../concurrency.ts";

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

export const SCRYPT_COST: ScryptCost = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });
const KEY_LENGTH = 32;
/** Derivations running at once (2 × 128 MiB). */
const MAX_CONCURRENT_DERIVATIONS = 2;
/** A stored hash asking for more than this (1 GiB of memory) is refused rather than computed. */
const MAX_N_TIMES_R = 2 ** 20 * 8;
export const MIN_PASSWORD_LENGTH = 10;

/** The derivation slots; a finishing derivation hands its slot straight to the longest waiter (`createLimiter`). */
const derivations = createLimiter(MAX_CONCURRENT_DERIVATIONS);

/**
 * Runs `run` in one of the derivation slots (exported for its test). The limiter passes a freed slot to the
 * longest waiter without freeing it first, so a caller arriving before the waiter resumes cannot take it too
 * (three at once).
 */
export async function withDerivationSlot<T>(run: () => Promise<T>): Promise<T> {
  const release = await derivations.acquire();
  try {
    return await run();
  } finally {
    release();
  }
}

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return withDerivationSlot(() =>
    new Promise((resolve, reject) => {
      // Node's default `maxmem` (32 MiB) is below the 128·N·r bytes scrypt needs at N=2^17: allow twice that.
      scrypt(
        password.normalize("NFKC"),
        salt,
        KEY_LENGTH,
        { ...cost, maxmem: 256 * cost.N * cost.r },
        (error, key) => error ? reject(error) : resolve(key),
      );
    })
  );
}

/** Hashes `password` at `cost` (OWASP's by default; a lower one only to make hashes as older versions did). */
export async function hashPassword(password: string, cost: ScryptCost = SCRYPT_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

function parseHash(stored: string): { cost: ScryptCost; salt: Buffer; key: Buffer } | null {
  const [scheme, n, r, p, salt, key] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !salt || !key) return null;
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (![cost.N, cost.r, cost.p].every(Number.isSafeInteger) || cost.N * cost.r > MAX_N_TIMES_R) return null;
  return { cost, salt: Buffer.from(salt, "base64"), key: Buffer.from(key, "base64") };
}

/** Constant-time comparison; a malformed stored hash never verifies. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const actual = await derive(password, parsed.salt, parsed.cost).catch(() => null);
  return actual !== null && actual.length === parsed.key.length && timingSafeEqual(actual, parsed.key);
}

/** True when `stored` was made at a lower cost than today's, so a successful sign-in should hash it again. */
export function needsRehash(stored: string): boolean {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const { N, r, p } = parsed.cost;
  return N < SCRYPT_COST.N || r < SCRYPT_COST.r || p < SCRYPT_COST.p;
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real verification, for logins naming an account that does not exist or has no
 * password, so response times do not reveal which emails are registered.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword("loom-dummy-password");
  await verifyPassword(password, await dummyHash);
  return false;
}

/** A problem with a new password, or `null` when it is acceptable. */
export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > 1024) return "Use at most 1024 characters";
  return null;
}
