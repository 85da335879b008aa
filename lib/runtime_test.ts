import assert from "node:assert/strict";
import { loadServerConfig } from "./config/env.ts";
import { openRuntime } from "./runtime.ts";
import { silentLogger } from "./log.ts";
import { createSecretBox } from "./crypto/secret_box.ts";
import { deriveSetupToken } from "./auth/setup_token.ts";

const OLD_KEY = "runtime-old-key-runtime-old-key-0001";
const NEW_KEY = "runtime-new-key-runtime-new-key-0002";

Deno.test("a key ring in LOOM_SECRET_KEY or in secret.key: the first key seals and derives the set-up token", async () => {
  const directory = await Deno.makeTempDir({ prefix: "loom-runtime-" });
  try {
    const sealedByOld = await (await createSecretBox(OLD_KEY)).encrypt("sk-old");
    const newOnly = await createSecretBox(NEW_KEY);
    const fromEnv = await openRuntime(
      loadServerConfig({
        LOOM_DATABASE_URL: `${directory}/env.db`,
        LOOM_SECRET_KEY: `${NEW_KEY},${OLD_KEY}`,
      }),
      silentLogger,
    );
    try {
      assert.equal(await fromEnv.secretBox.decrypt(sealedByOld), "sk-old");
      assert.equal(fromEnv.secretBox.keyId, newOnly.keyId);
      assert.equal(await newOnly.decrypt(await fromEnv.secretBox.encrypt("sk-new")), "sk-new");
      assert.equal(fromEnv.setupToken, await deriveSetupToken(NEW_KEY));
    } finally {
      await fromEnv.close();
    }
    // Without LOOM_SECRET_KEY, the file beside the SQLite database holds the ring.
    await Deno.writeTextFile(`${directory}/secret.key`, `${NEW_KEY},${OLD_KEY}\n`);
    const fromFile = await openRuntime(
      loadServerConfig({ LOOM_DATABASE_URL: `${directory}/file.db` }),
      silentLogger,
    );
    try {
      assert.equal(await fromFile.secretBox.decrypt(sealedByOld), "sk-old");
      assert.equal(fromFile.secretBox.keyId, newOnly.keyId);
      assert.equal(fromFile.setupToken, await deriveSetupToken(NEW_KEY));
    } finally {
      await fromFile.close();
    }
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});
