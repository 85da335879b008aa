import assert from "node:assert/strict";
import { dbTest } from "./testing.ts";
import { type Db, sql } from "./mod.ts";
import { createOrganization } from "./organizations.ts";
import { readCredential, saveCredential } from "./credentials.ts";
import { createRepo, getRepo, regenerateRepoSecret } from "./repos.ts";
import { rotateSecrets } from "./secret_rotation.ts";
import { createSecretBox, type SecretBox } from "../crypto/secret_box.ts";

const KEY_1 = "rotation-key-one-rotation-key-one-0001";
const KEY_2 = "rotation-key-two-rotation-key-two-0002";

/** Two organizations' credentials and three repositories' webhook secrets, all sealed under `box`. */
async function seed(db: Db, box: SecretBox): Promise<{ organizationIds: number[]; repoIds: number[] }> {
  const organizationIds: number[] = [];
  for (const name of ["Acme", "Globex"]) {
    const organization = await createOrganization(db, { name });
    organizationIds.push(organization.id);
    for (const kind of ["openai", "github"] as const) {
      await saveCredential(db, box, {
        organizationId: organization.id,
        kind,
        name: "default",
        value: `${name}-${kind}`,
      });
    }
  }
  const repoIds: number[] = [];
  for (const fullName of ["acme/api", "acme/web", "globex/app"]) {
    const repo = await createRepo(db, {
      platform: "github",
      fullName,
      webhookSecret: await box.encrypt(`hook-${fullName}`),
    });
    repoIds.push(repo.id);
  }
  return { organizationIds, repoIds };
}

/** Every stored secret, opened with `box`; throws when one does not open. */
async function openAll(db: Db, box: SecretBox, seeded: { organizationIds: number[]; repoIds: number[] }) {
  const opened: string[] = [];
  for (const organizationId of seeded.organizationIds) {
    for (const kind of ["openai", "github"] as const) {
      opened.push((await readCredential(db, box, organizationId, kind, "default"))!);
    }
  }
  for (const id of seeded.repoIds) opened.push(await box.decrypt((await getRepo(db, id))!.webhookSecret));
  return opened;
}

const EXPECTED = [
  "Acme-openai",
  "Acme-github",
  "Globex-openai",
  "Globex-github",
  "hook-acme/api",
  "hook-acme/web",
  "hook-globex/app",
];

dbTest(
  "after a rotation to [key 2, key 1] every secret is under key 2 and opens without key 1",
  async ({ db }) => {
    const seeded = await seed(db, await createSecretBox(KEY_1));
    const ring = await createSecretBox(`${KEY_2},${KEY_1}`);
    assert.deepEqual(await openAll(db, ring, seeded), EXPECTED, "the ring reads what key 1 sealed");
    const onlyKey2 = await createSecretBox(KEY_2);
    await assert.rejects(openAll(db, onlyKey2, seeded), /not in the ring/);

    const counts = await rotateSecrets(db, ring);
    assert.deepEqual(
      counts.map((count) => [count.table, count.rotated, count.current, count.unreadable, count.busy]),
      [
        ["credentials", 4, 0, 0, 0],
        ["repos", 3, 0, 0, 0],
        ["repos", 0, 0, 0, 0],
      ],
    );
    assert.deepEqual(await openAll(db, onlyKey2, seeded), EXPECTED, "no secret is left under key 1");

    const again = await rotateSecrets(db, ring);
    assert.deepEqual(again.map((count) => [count.table, count.rotated, count.current]), [
      ["credentials", 0, 4],
      ["repos", 0, 3],
      ["repos", 0, 0],
    ]);
  },
);

dbTest("a rotation killed midway leaves every secret readable, and a re-run finishes it", async ({ db }) => {
  const seeded = await seed(db, await createSecretBox(KEY_1));
  const ring = await createSecretBox([KEY_2, KEY_1]);
  let handled = 0;
  await assert.rejects(
    rotateSecrets(db, ring, {
      onRow: () => {
        if (++handled === 3) throw new Error("killed");
      },
    }),
    /killed/,
  );
  assert.deepEqual(await openAll(db, ring, seeded), EXPECTED);
  const counts = await rotateSecrets(db, ring);
  assert.deepEqual(counts.map((count) => [count.table, count.rotated, count.current]), [
    ["credentials", 1, 3],
    ["repos", 3, 0],
    ["repos", 0, 0],
  ]);
  assert.deepEqual(await openAll(db, await createSecretBox(KEY_2), seeded), EXPECTED);
});

dbTest(
  "a secret replaced while the rotation runs keeps its new value and still ends under the new key",
  async ({ db }) => {
    const old = await createSecretBox(KEY_1);
    const seeded = await seed(db, old);
    const ring = await createSecretBox([KEY_2, KEY_1]);
    const [acme] = seeded.organizationIds;
    // A process not yet restarted saves a new API key under key 1 between the rotation's read and its write.
    let raced = false;
    const racing: Db = {
      ...db,
      dialect: db.dialect,
      query: (statement) => db.query(statement),
      transaction: (fn) => db.transaction(fn),
      async exec(statement) {
        if (!raced && statement.render(db.dialect).text.includes("update credentials")) {
          raced = true;
          await saveCredential(db, old, {
            organizationId: acme!,
            kind: "openai",
            name: "default",
            value: "Acme-new",
          });
        }
        return await db.exec(statement);
      },
    };
    const counts = await rotateSecrets(racing, ring);
    assert.ok(raced);
    assert.deepEqual(counts.map((count) => [count.table, count.rotated, count.busy]), [
      ["credentials", 4, 0],
      ["repos", 3, 0],
      ["repos", 0, 0],
    ]);
    const onlyKey2 = await createSecretBox(KEY_2);
    assert.equal(await readCredential(db, onlyKey2, acme!, "openai", "default"), "Acme-new");
    const stored = await db.query<{ ciphertext: string }>(sql`select ciphertext from credentials`);
    assert.ok(stored.every((row) => onlyKey2.isCurrent(row.ciphertext)));
  },
);

dbTest("a secret no key of the ring opens is reported and left as it is", async ({ db }) => {
  const stranger = await createSecretBox("a-key-nobody-has-a-key-nobody-has-0000");
  const repo = await createRepo(db, {
    platform: "gitea",
    fullName: "x/y",
    webhookSecret: await stranger.encrypt("s"),
  });
  const counts = await rotateSecrets(db, await createSecretBox([KEY_2, KEY_1]));
  assert.deepEqual(counts.map((count) => [count.table, count.unreadable]), [
    ["credentials", 0],
    ["repos", 1],
    ["repos", 0],
  ]);
  assert.equal((await getRepo(db, repo.id))!.webhookSecret.split(".")[1], stranger.keyId);
});

dbTest(
  "a regenerated secret's predecessor is re-sealed too, so it keeps opening in its grace period",
  async ({ db }) => {
    const before = await createSecretBox(KEY_1);
    const repo = await createRepo(db, {
      platform: "github",
      fullName: "acme/rotated",
      webhookSecret: await before.encrypt("old-hook"),
    });
    await regenerateRepoSecret(db, repo.id, await before.encrypt("new-hook"));
    const ring = await createSecretBox(`${KEY_2},${KEY_1}`);
    const counts = await rotateSecrets(db, ring);
    assert.equal(counts.find((count) => count.column === "previous_webhook_secret")?.rotated, 1);
    const rotated = (await getRepo(db, repo.id))!;
    const onlyKey2 = await createSecretBox(KEY_2);
    assert.equal(await onlyKey2.decrypt(rotated.webhookSecret), "new-hook");
    assert.equal(await onlyKey2.decrypt(rotated.previousWebhookSecret!), "old-hook");
  },
);
