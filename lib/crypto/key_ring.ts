/**
 * `LOOM_SECRET_KEY` as a key ring: one key, or several separated by commas, the newest first
 * (`LOOM_SECRET_KEY=<new>,<old>`). The first key encrypts; every key of the ring decrypts. A ring that cannot
 * be used (an empty entry, a short key, the same key twice) is refused as a whole with the position of the bad
 * key, never its text, so a typo fails the start instead of sealing new secrets under half a key.
 */

/** Commas never occur in `openssl rand -base64` output nor in `randomSecret` keys, so no key needs escaping. */
export const KEY_RING_SEPARATOR = ",";

/** 32 characters: the shortest key the secret box has always accepted. */
export const MIN_KEY_LENGTH = 32;

/** The reason `text` is not a usable key ring, or `null` when it is. */
export function keyRingProblem(text: string): string | null {
  return keysProblem(splitRing(text));
}

/** The reason a list of keys, the encrypting one first, is not a usable ring, or `null` when it is. */
export function keysProblem(keys: readonly string[]): string | null {
  if (keys.length === 0) return "the ring has no key";
  const several = keys.length > 1;
  for (const [index, key] of keys.entries()) {
    const which = several ? `key ${index + 1} of the ring` : "the key";
    if (key.length === 0) {
      return `${which} is empty: separate keys with single commas, the newest first, and no comma at either end`;
    }
    if (key.length < MIN_KEY_LENGTH) {
      return `${which} must be at least ${MIN_KEY_LENGTH} characters: current length is ${key.length}`;
    }
    const first = keys.indexOf(key);
    if (first !== index) return `key ${index + 1} of the ring repeats key ${first + 1}`;
  }
  return null;
}

/**
 * The keys of a ring, the encrypting one first.
 * @throws {RangeError} naming what is wrong (see `keyRingProblem`)
 */
export function parseKeyRing(text: string): string[] {
  const problem = keyRingProblem(text);
  if (problem) throw new RangeError(`Cannot use LOOM_SECRET_KEY: ${problem}`);
  return splitRing(text);
}

/**
 * Spaces around a comma are dropped; a value without a comma is one key taken exactly as it was before rings
 * existed, so a key that happens to start or end with a space still opens what it sealed.
 */
function splitRing(text: string): string[] {
  if (!text.includes(KEY_RING_SEPARATOR)) return [text];
  return text.split(KEY_RING_SEPARATOR).map((key) => key.trim());
}
