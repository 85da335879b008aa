import assert from "node:assert/strict";
import { createSecretBox, randomSecret } from "./secret_box.ts";

Deno.test("createSecretBox() round-trips and never stores the plaintext", async () => {
  const box = await createSecretBox("k".repeat(40));
  const sealed = await box.encrypt("ghp_supersecret");
  assert.ok(!sealed.includes("supersecret"));
  assert.notEqual(await box.encrypt("ghp_supersecret"), sealed, "a fresh IV every time");
  assert.equal(await box.decrypt(sealed), "ghp_supersecret");
});

Deno.test("createSecretBox() rejects another key, altered data and short keys", async () => {
  const sealed = await (await createSecretBox("a".repeat(32))).encrypt("token");
  await assert.rejects((await createSecretBox("b".repeat(32))).decrypt(sealed), /wrong LOOM_SECRET_KEY/);
  const altered = sealed.slice(0, -4) + (sealed.endsWith("AAAA") ? "BBBB" : "AAAA");
  await assert.rejects((await createSecretBox("a".repeat(32))).decrypt(altered), /Cannot decrypt/);
  await assert.rejects(createSecretBox("short"), RangeError);
  assert.match(randomSecret(), /^[A-Za-z0-9_-]{43}$/);
});

const KEY_1 = "first-key-first-key-first-key-first-key";
const KEY_2 = "second-key-second-key-second-key-second-key";

/** A ciphertext as Loom wrote it before key rings: `v1.<iv>.<data>`, no key id. */
async function sealV1(secretKey: string, plaintext: string): Promise<string> {
  const encoder = new TextEncoder();
  const material = await crypto.subtle.importKey("raw", encoder.encode(secretKey), "HKDF", false, [
    "deriveKey",
  ]);
  const key = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode("loom-secret-box"), info: encoder.encode("v1") },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt"],
  );
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, encoder.encode(plaintext)),
  );
  const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
  return `v1.${base64(iv)}.${base64(data)}`;
}

Deno.test("a key ring encrypts with its first key and decrypts what any of its keys sealed", async () => {
  const old = await createSecretBox(KEY_1);
  const sealedByOld = await old.encrypt("sk-old");
  const legacy = await sealV1(KEY_1, "sk-legacy");
  const ring = await createSecretBox(`${KEY_2}, ${KEY_1}`);
  assert.equal(await ring.decrypt(sealedByOld), "sk-old");
  assert.equal(await ring.decrypt(legacy), "sk-legacy", "pre-ring ciphertexts are tried against each key");
  const sealedByRing = await ring.encrypt("sk-new");
  assert.equal(sealedByRing.split(".")[1], ring.keyId);
  assert.notEqual(ring.keyId, old.keyId);
  assert.equal(ring.keyId, (await createSecretBox(KEY_2)).keyId, "a key's id depends on the key alone");
  assert.ok(!sealedByRing.includes(KEY_2.slice(0, 8)));
  assert.ok(ring.isCurrent(sealedByRing));
  assert.ok(!ring.isCurrent(sealedByOld) && !ring.isCurrent(legacy));
  // A process still on the old key cannot read the new key's secrets, and says which key it lacks.
  await assert.rejects(
    old.decrypt(sealedByRing),
    new RegExp(`sealed with key ${ring.keyId}, which is not in`),
  );
  const newOnly = await createSecretBox([KEY_2]);
  await assert.rejects(newOnly.decrypt(sealedByOld), /not in the ring/);
  await assert.rejects(newOnly.decrypt(legacy), /wrong LOOM_SECRET_KEY/);
  assert.equal(await newOnly.decrypt(sealedByRing), "sk-new");
});

Deno.test("a ciphertext relabelled with another key's id does not open", async () => {
  const ring = await createSecretBox([KEY_2, KEY_1]);
  const old = await createSecretBox(KEY_1);
  const [, , iv, data] = (await old.encrypt("sk-old")).split(".");
  await assert.rejects(ring.decrypt(`v2.${ring.keyId}.${iv}.${data}`), /altered data/);
  await assert.rejects(ring.decrypt(`v2.${ring.keyId}.${iv}`), /unknown format/);
});

Deno.test("a malformed key ring is refused with the position of the bad key, never its text", async () => {
  await assert.rejects(createSecretBox(`${KEY_2},`), /key 2 of the ring is empty/);
  await assert.rejects(createSecretBox(`${KEY_2},,${KEY_1}`), /key 2 of the ring is empty/);
  await assert.rejects(
    createSecretBox(`${KEY_2},too-short`),
    /key 2 of the ring must be at least 32 characters/,
  );
  await assert.rejects(createSecretBox(`${KEY_1},${KEY_1}`), /key 2 of the ring repeats key 1/);
  await assert.rejects(createSecretBox([]), /no key/);
  const error = await createSecretBox(`${KEY_2},too-short`).catch((caught: Error) => caught);
  assert.ok(error instanceof RangeError && !error.message.includes("too-short"));
});
