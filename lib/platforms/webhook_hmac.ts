/**
 * HMAC-SHA256 over the exact bytes a platform sent. A signature is computed over bytes, never over text decoded
 * from them: decoding replaces every invalid UTF-8 sequence with U+FFFD, so a genuine payload carrying such bytes
 * would fail to verify, and two different bodies that decode alike would share one signature.
 */
import { timingSafeEqual } from "node:crypto";

/** HMAC-SHA256 of the concatenated `parts` under `key` (a string is taken as its UTF-8 bytes). */
export async function hmacSha256(key: string | Uint8Array, ...parts: Uint8Array[]): Promise<Uint8Array> {
  const keyBytes = typeof key === "string" ? new TextEncoder().encode(key) : key;
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    new Uint8Array(keyBytes),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const message = new Uint8Array(parts.reduce((length, part) => length + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    message.set(part, offset);
    offset += part.byteLength;
  }
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, message));
}

/** Constant-time equality of two byte strings (a length difference answers at once: lengths are public). */
export function equalBytes(left: Uint8Array, right: Uint8Array): boolean {
  return left.byteLength === right.byteLength && left.byteLength > 0 && timingSafeEqual(left, right);
}

/** The bytes of a lowercase or uppercase hex string, or `null` when it is not one. */
export function hexBytes(hex: string): Uint8Array | null {
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(hex)) return null;
  return Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16));
}

/**
 * The raw bytes of form field `name` in an `application/x-www-form-urlencoded` body, percent-decoded to bytes
 * (`+` is a space), or `null` when the field is missing or its escapes are malformed.
 */
export function formFieldBytes(body: Uint8Array, name: string): Uint8Array | null {
  const prefix = new TextEncoder().encode(`${name}=`);
  let start = 0;
  while (start <= body.byteLength) {
    let end = body.indexOf(0x26, start); // "&"
    if (end < 0) end = body.byteLength;
    if (prefix.every((byte, index) => body[start + index] === byte)) {
      return percentDecode(body.subarray(start + prefix.byteLength, end));
    }
    start = end + 1;
  }
  return null;
}

function percentDecode(encoded: Uint8Array): Uint8Array | null {
  const out = new Uint8Array(encoded.byteLength);
  let length = 0;
  for (let index = 0; index < encoded.byteLength; index++) {
    const byte = encoded[index]!;
    if (byte === 0x25) { // "%"
      const value = hexBytes(String.fromCharCode(encoded[index + 1] ?? 0, encoded[index + 2] ?? 0));
      if (!value) return null;
      out[length++] = value[0]!;
      index += 2;
    } else {
      out[length++] = byte === 0x2b ? 0x20 : byte; // "+" is a space
    }
  }
  return out.subarray(0, length);
}
