/**
 * Encrypts tokens, API keys and webhook secrets at rest with AES-256-GCM. The key is derived from
 * `LOOM_SECRET_KEY` with HKDF, so the raw setting is never used as a key directly. Ciphertexts are
 * `v1.<base64 iv>.<base64 data>`; the version prefix leaves room for key rotation.
 */

export interface SecretBox {
  encrypt(plaintext: string): Promise<string>;
  /** @throws {Error} when the ciphertext was not made with this key or was altered */
  decrypt(ciphertext: string): Promise<string>;
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

export async function createSecretBox(secretKey: string): Promise<SecretBox> {
  if (secretKey.length < 32) {
    throw new RangeError(
      `Cannot use the secret key: it must be at least 32 characters: current length is ${secretKey.length}`,
    );
  }
  const material = await crypto.subtle.importKey("raw", encoder.encode(secretKey), "HKDF", false, [
    "deriveKey",
  ]);
  const key = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode("loom-secret-box"), info: encoder.encode("v1") },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
  return {
    async encrypt(plaintext) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const data = new Uint8Array(
        await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, encoder.encode(plaintext)),
      );
      return `v1.${toBase64(iv)}.${toBase64(data)}`;
    },
    async decrypt(ciphertext) {
      const [version, iv, data] = ciphertext.split(".");
      if (version !== "v1" || !iv || !data) throw new Error("Cannot decrypt a secret: unknown format");
      try {
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: fromBase64(iv) },
          key,
          fromBase64(data),
        );
        return new TextDecoder().decode(plain);
      } catch (error) {
        throw new Error("Cannot decrypt a secret: wrong LOOM_SECRET_KEY or altered data", { cause: error });
      }
    },
  };
}

/** A random URL-safe secret (webhook secrets, session ids). */
export function randomSecret(bytes = 32): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(bytes))).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}
