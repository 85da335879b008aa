import assert from "node:assert/strict";
import { loadOrCreateSecretKey } from "./secret_key_file.ts";
import { createSecretBox } from "./secret_box.ts";

Deno.test("the secret key file is created once and may hold a key ring while keys rotate", async () => {
  const directory = await Deno.makeTempDir({ prefix: "loom-key-" });
  try {
    const path = `${directory}/data/secret.key`;
    const created = await loadOrCreateSecretKey(path);
    assert.equal(await loadOrCreateSecretKey(path), created);
    const sealed = await (await createSecretBox(created)).encrypt("sk-file");
    const newKey = "new-file-key-new-file-key-new-file-key";
    await Deno.writeTextFile(path, `${newKey},${created}\n`);
    const ring = await loadOrCreateSecretKey(path);
    assert.equal(ring, `${newKey},${created}`);
    assert.equal(await (await createSecretBox(ring)).decrypt(sealed), "sk-file");
    await Deno.writeTextFile(path, `${newKey},\n`);
    await assert.rejects(
      loadOrCreateSecretKey(path),
      /secret key file .*secret\.key: key 2 of the ring is empty/,
    );
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});
