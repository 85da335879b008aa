/**
 * `deno task secrets:rotate` as an operator runs it, against a database a running Loom filled under the old key:
 * it reports per table, re-running changes nothing, and afterwards the new key alone opens every secret.
 */
import assert from "node:assert/strict";
import { createE2eDatabase } from "../tests/support/loom_process.ts";
import { createSecretBox } from "../lib/crypto/secret_box.ts";
import { createOrganization } from "../lib/db/organizations.ts";
import { readCredential, saveCredential } from "../lib/db/credentials.ts";
import { createRepo, getRepo } from "../lib/db/repos.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const OLD_KEY = "task-old-key-task-old-key-task-old-key";
const NEW_KEY = "task-new-key-task-new-key-task-new-key";

async function rotate(databaseUrl: string, ring: string): Promise<{ code: number; output: string }> {
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["task", "secrets:rotate"],
    cwd: ROOT,
    env: { LOOM_DATABASE_URL: databaseUrl, LOOM_SECRET_KEY: ring, LOOM_LOG_LEVEL: "warn" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: result.code, output: decoder.decode(result.stdout) + decoder.decode(result.stderr) };
}

for (const dialect of ["sqlite", "postgres"] as const) {
  Deno.test({
    name:
      `deno task secrets:rotate moves every secret to the new key and says when the old one can go [${dialect}]`,
    sanitizeResources: false,
    async fn() {
      await using database = await createE2eDatabase(dialect);
      const old = await createSecretBox(OLD_KEY);
      const acme = await createOrganization(database.db, { name: "Acme" });
      await saveCredential(database.db, old, {
        organizationId: acme.id,
        kind: "anthropic",
        name: "default",
        value: "sk-ant-acme",
      });
      const repo = await createRepo(database.db, {
        platform: "gitlab",
        fullName: "acme/api",
        webhookSecret: await old.encrypt("hook"),
      });

      const first = await rotate(database.url, `${NEW_KEY},${OLD_KEY}`);
      assert.equal(first.code, 0, first.output);
      assert.match(first.output, /credentials\.ciphertext: 1 rotated, 0 already under the key, 0 unreadable/);
      assert.match(first.output, /repos\.webhook_secret: 1 rotated, 0 already under the key, 0 unreadable/);
      const newOnly = await createSecretBox(NEW_KEY);
      assert.match(first.output, new RegExp(`under key ${newOnly.keyId}: the older keys can leave`));
      assert.equal(
        await readCredential(database.db, newOnly, acme.id, "anthropic", "default"),
        "sk-ant-acme",
      );
      assert.equal(await newOnly.decrypt((await getRepo(database.db, repo.id))!.webhookSecret), "hook");

      const again = await rotate(database.url, `${NEW_KEY},${OLD_KEY}`);
      assert.equal(again.code, 0, again.output);
      assert.match(again.output, /credentials\.ciphertext: 0 rotated, 1 already under the key/);

      // A secret sealed with a key that is not in the ring: reported, kept, and the task fails.
      const stranger = await createSecretBox("a-key-nobody-has-a-key-nobody-has-0000");
      await createRepo(database.db, {
        platform: "gitlab",
        fullName: "acme/lost",
        webhookSecret: await stranger.encrypt("x"),
      });
      const unreadable = await rotate(database.url, `${NEW_KEY},${OLD_KEY}`);
      assert.equal(unreadable.code, 1, unreadable.output);
      assert.match(
        unreadable.output,
        /repos\.webhook_secret: 0 rotated, 1 already under the key, 1 unreadable/,
      );
      assert.match(unreadable.output, /keep the older keys in LOOM_SECRET_KEY/);

      const malformed = await rotate(database.url, `${NEW_KEY},`);
      assert.notEqual(malformed.code, 0);
      assert.match(malformed.output, /LOOM_SECRET_KEY: key 2 of the ring is empty/);
    },
  });
}
