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
