import assert from "node:assert/strict";
import { dbTest } from "./testing.ts";
import { sql } from "./mod.ts";
import { createOrganization } from "./organizations.ts";
import { deleteCredential, listCredentials, readCredential, saveCredential } from "./credentials.ts";
import { createSecretBox } from "../crypto/secret_box.ts";

dbTest(
  "saveCredential() stores only ciphertext and a hint, and replaces a key of the same name",
  async ({ db }) => {
    const box = await createSecretBox("credentials-test-key-credentials-test-key");
    const acme = await createOrganization(db, { name: "Acme" });
    const other = await createOrganization(db, { name: "Other" });
    await saveCredential(db, box, {
      organizationId: acme.id,
      kind: "openai",
      name: "default",
      value: "sk-first-value-0000",
    });
    const saved = await saveCredential(db, box, {
      organizationId: acme.id,
      kind: "openai",
      name: "default",
      value: "sk-second-value-1234",
    });
    const stored = await db.query<{ ciphertext: string }>(sql`select ciphertext from credentials`);
    assert.equal(stored.length, 1);
    assert.doesNotMatch(stored[0]!.ciphertext, /second-value/);
    assert.deepEqual((await listCredentials(db, acme.id)).map((info) => [info.kind, info.name, info.hint]), [
      ["openai", "default", "1234"],
    ]);
    assert.equal(await readCredential(db, box, acme.id, "openai", "default"), "sk-second-value-1234");
    assert.equal(await readCredential(db, box, other.id, "openai", "default"), null);
    assert.equal(await deleteCredential(db, other.id, saved.id), false);
    assert.equal(await deleteCredential(db, acme.id, saved.id), true);
  },
);

dbTest(
  "saveCredential() keeps no hint for short values, which would reveal too much of them",
  async ({ db }) => {
    const box = await createSecretBox("credentials-test-key-credentials-test-key");
    const acme = await createOrganization(db, { name: "Acme" });
    const saved = await saveCredential(db, box, {
      organizationId: acme.id,
      kind: "gitea",
      name: "bot",
      value: "short",
    });
    assert.equal(saved.hint, "");
  },
);
