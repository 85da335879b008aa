/**
 * The one-time set-up token: until the owner exists, `/setup` creates them for whoever comes first, and a fresh
 * Loom on a public address would otherwise hand the whole instance to the first visitor. The token is printed
 * in the log at start-up (only while there is no owner), so only someone who can read the server's output can
 * finish the set-up. It is derived from the secret key (HMAC-SHA256), so every web process behind a load
 * balancer prints and accepts the same one; once the owner exists, `/setup` is closed and the token is useless.
 */
import { timingSafeEqual } from "node:crypto";

export async function deriveSetupToken(secretKey: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secretKey),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new TextEncoder().encode("loom setup token")),
  );
  // 128 bits: nothing to gain from guessing, even without a rate limit.
  return Array.from(mac.subarray(0, 16), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Constant-time check of a submitted token; no expected token (not configured) matches nothing. */
export function setupTokenMatches(given: string, expected: string | undefined): boolean {
  if (!expected) return false;
  const left = new TextEncoder().encode(given.trim());
  const right = new TextEncoder().encode(expected);
  return left.length === right.length && timingSafeEqual(left, right);
}
