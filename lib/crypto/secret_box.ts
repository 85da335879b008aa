/**
 * Encrypts tokens, API keys and webhook secrets at rest with AES-256-GCM under a key ring (`key_ring.ts`):
 * the first key encrypts, every key decrypts. Each AES key is derived from its `LOOM_SECRET_KEY` entry with
 * HKDF, so a raw setting is never used as a key directly.
 *
 * Ciphertexts are `v2.<key id>.<base64 iv>.<base64 data>`: the key id (8 hex characters, an HMAC of the key,
 * never the key) picks the one key that can open it, and is bound to the data as GCM additional data, so a
 * ciphertext relabelled with another id fails instead of being tried elsewhere. Ciphertexts from before rings,
 * `v1.<base64 iv>.<base64 data>`, carry no id and are tried against each key of the ring in order.
 */
import { keysProblem, parseKeyRing } from "./key_ring.ts";

export interface SecretBox {
  /** Seals `plaintext` under the ring's first key. */
  encrypt(plaintext: string): Promise<string>;
  /** @throws {Error} when no key of the ring made the ciphertext, or it was altered */
  decrypt(ciphertext: string): Promise<string>;
  /** Whether `ciphertext` is already sealed under the first key in the current format: nothing to rotate. */
  isCurrent(ciphertext: string): boolean;
  /** The id of the encrypting key, as written into new ciphertexts. */
  readonly keyId: string;
}

interface RingKey {
  id: string;
  aes: CryptoKey;
}

const encoder = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * The key's id: 32 bits of an HMAC keyed with it. Enough to tell a ring's few keys apart (two ids colliding is
 * refused below), and it reveals nothing usable about the key.
 */
async function keyIdOf(secretKey: string): Promise<string> {
  const hmac = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secretKey),
    {
      name: "HMAC",
      hash: "SHA-256",
    },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", hmac, encoder.encode("loom secret box key id")),
  );
  return hex(mac.subarray(0, 4));
}

async function deriveKey(secretKey: string): Promise<RingKey> {
  const material = await crypto.subtle.importKey("raw", encoder.encode(secretKey), "HKDF", false, [
    "deriveKey",
  ]);
  // The same derivation as before rings, so `v1` ciphertexts open with the key that made them.
  const aes = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode("loom-secret-box"), info: encoder.encode("v1") },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
  return { id: await keyIdOf(secretKey), aes };
}

async function open(key: CryptoKey, iv: string, data: string, label?: string): Promise<string> {
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64(iv), ...(label ? { additionalData: encoder.encode(label) } : {}) },
    key,
    fromBase64(data),
  );
  return new TextDecoder().decode(plain);
}

/**
 * A secret box over a key ring: `LOOM_SECRET_KEY`'s text (`<newest>,<older>,…`) or its keys, newest first.
 * @throws {RangeError} when the ring is malformed (see `key_ring.ts`) or two keys share an id
 */
export async function createSecretBox(ring: string | readonly string[]): Promise<SecretBox> {
  const secretKeys = typeof ring === "string" ? parseKeyRing(ring) : [...ring];
  const problem = keysProblem(secretKeys);
  if (problem) throw new RangeError(`Cannot use the secret key: ${problem}`);
  const keys = await Promise.all(secretKeys.map(deriveKey));
  const byId = new Map<string, RingKey>();
  for (const [index, key] of keys.entries()) {
    if (byId.has(key.id)) {
      throw new RangeError(
        `Cannot use the secret key: key ${index + 1} of the ring has the id of another key`,
      );
    }
    byId.set(key.id, key);
  }
  const current = keys[0]!;
  return {
    keyId: current.id,
    async encrypt(plaintext) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const label = `v2.${current.id}`;
      const data = new Uint8Array(
        await crypto.subtle.encrypt(
          { name: "AES-GCM", iv, additionalData: encoder.encode(label) },
          current.aes,
          encoder.encode(plaintext),
        ),
      );
      return `${label}.${toBase64(iv)}.${toBase64(data)}`;
    },
    async decrypt(ciphertext) {
      const parts = ciphertext.split(".");
      if (parts[0] === "v2" && parts.length === 4 && parts.every(Boolean)) {
        const [, id, iv, data] = parts as [string, string, string, string];
        const key = byId.get(id);
        if (!key) {
          throw new Error(
            `Cannot decrypt a secret: wrong LOOM_SECRET_KEY: it was sealed with key ${id}, which is not in the ring`,
          );
        }
        try {
          return await open(key.aes, iv, data, `v2.${id}`);
        } catch (error) {
          throw new Error(`Cannot decrypt a secret sealed with key ${id}: altered data`, { cause: error });
        }
      }
      if (parts[0] === "v1" && parts.length === 3 && parts.every(Boolean)) {
        const [, iv, data] = parts as [string, string, string];
        for (const key of keys) {
          try {
            return await open(key.aes, iv, data);
          } catch {
            // Not this key (or altered data): try the next one.
          }
        }
        throw new Error(
          "Cannot decrypt a secret: wrong LOOM_SECRET_KEY (no key of the ring) or altered data",
        );
      }
      throw new Error("Cannot decrypt a secret: unknown format");
    },
    isCurrent(ciphertext) {
      return ciphertext.startsWith(`v2.${current.id}.`);
    },
  };
}

/** A random URL-safe secret (webhook secrets, session ids). */
export function randomSecret(bytes = 32): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(bytes))).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}
