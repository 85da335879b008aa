/**
 * Migration 0013 (repositories known by platform, host and the platform's stable id) on a database filled by the
 * schema before it: earlier repositories and credentials keep working, get the host of the server's configured
 * instance at start, and the new identity rules hold afterwards.
 */
import assert from "node:assert/strict";
import { migrate } from "./migrate.ts";
import { MIGRATIONS } from "./migrations.ts";
import { createPostgresDb, createSqliteDb, type Db, sql, type SqlDialect } from "./mod.ts";
import { createRepo, findRepo, findRepoByPlatformId, getRepo, listRepos, setRepoIdentity } from "./repos.ts";
import { backfillHosts } from "./host_backfill.ts";
import { TEST_POSTGRES_URL } from "./testing.ts";

async function withDatabaseBefore(
  dialect: SqlDialect,
  before: number,
  fn: (db: Db) => Promise<void>,
): Promise<void> {
  let db: Db;
  let cleanup: () => Promise<void>;
  if (dialect === "sqlite") {
    const directory = await Deno.makeTempDir({ prefix: "loom-migration-" });
    db = createSqliteDb(`${directory}/loom.db`);
    cleanup = () => Deno.remove(directory, { recursive: true });
  } else {
    const schema = `m_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    const admin = createPostgresDb(TEST_POSTGRES_URL, { max: 1 });
    await admin.execScript(`create schema ${schema}`);
    db = createPostgresDb(TEST_POSTGRES_URL, { schema, max: 2 });
    cleanup = async () => {
      await admin.execScript(`drop schema ${schema} cascade`);
      await admin.close();
    };
  }
  try {
    await db.execScript(
      "create table schema_migrations (version integer primary key, name text not null, applied_at bigint not null)",
    );
    for (const migration of MIGRATIONS[dialect].slice(0, before)) {
      await db.execScript(migration.text);
      await db.exec(sql`insert into schema_migrations (version, name, applied_at)
        values (${migration.version}, ${migration.name}, 0)`);
    }
    await fn(db);
  } finally {
    await db.close();
    await cleanup();
  }
}

const HOSTS = {
  github: "ghe.example.com",
  gitlab: "gitlab.com",
  gitea: null,
  bitbucket: "bitbucket.org",
  bitbucket_server: null,
  azure_devops: "dev.azure.com",
} as const;

for (const dialect of ["sqlite", "postgres"] as const) {
  Deno.test(`migration 0013 keeps earlier repositories and credentials and gives them the configured host [${dialect}]`, async () => {
    const before = MIGRATIONS[dialect].findIndex((migration) => migration.name.endsWith("_repo_identity"));
    assert.ok(before > 0);
    await withDatabaseBefore(dialect, before, async (db) => {
      await db.exec(sql`insert into organizations (name, slug, created_at) values ('Acme', 'acme', 1)`);
      const [org] = await db.query<{ id: unknown }>(sql`select id from organizations`);
      const orgId = Number(org!.id);
      await db.exec(sql`insert into repos (organization_id, platform, full_name, webhook_secret, created_at)
        values (${orgId}, 'github', 'Acme/App', 'sealed', 1)`);
      await db.exec(sql`insert into repos (organization_id, platform, full_name, webhook_secret, created_at)
        values (${orgId}, 'gitea', 'acme/lib', 'sealed', 2)`);
      const [legacy] = await db.query<{ id: unknown }>(sql`select id from repos where platform = 'github'`);
      const repoId = Number(legacy!.id);
      await db.exec(sql`insert into reviews (repo_id, pr_number, head_sha, status, started_at)
        values (${repoId}, 7, 'a1', 'completed', 10)`);
      await db.exec(sql`insert into credentials (organization_id, kind, name, ciphertext, hint, created_at)
        values (${orgId}, 'github', 'default', 'c1', 'abcd', 1), (${orgId}, 'openai', 'default', 'c2', '', 1)`);

      assert.deepEqual(
        await migrate(db),
        MIGRATIONS[dialect].slice(before).map((migration) => migration.name),
      );
      const migrated = await getRepo(db, repoId);
      assert.equal(migrated?.fullName, "Acme/App");
      assert.equal(migrated?.platformRepoId, null, "the id is learned later");
      assert.equal(migrated?.host, "", "no host until a process starts with its configuration");

      assert.deepEqual(await backfillHosts(db, HOSTS), { repos: 1, credentials: 1 });
      assert.deepEqual(
        await backfillHosts(db, HOSTS),
        { repos: 0, credentials: 0 },
        "a second start changes nothing",
      );
      assert.equal((await getRepo(db, repoId))?.host, "ghe.example.com");
      assert.equal((await findRepo(db, "github", "acme/app", "GHE.example.com"))?.id, repoId);
      assert.equal(
        await findRepo(db, "github", "acme/app", "github.com"),
        null,
        "another instance's repository",
      );
      const gitea = (await listRepos(db, orgId)).find((repo) => repo.platform === "gitea");
      assert.equal(gitea?.host, "", "Gitea without a configured URL waits for one");
      const credentialHosts = await db.query<{ kind: string; host: string | null }>(
        sql`select kind, host from credentials order by kind`,
      );
      assert.deepEqual(credentialHosts.map((row) => [row.kind, row.host]), [
        ["github", "ghe.example.com"],
        ["openai", null],
      ]);
      const history = await db.query(sql`select id from reviews where repo_id = ${repoId}`);
      assert.equal(history.length, 1, "the review history stays with the repository");

      // The id is learned, and a rename keeps the row (and its history).
      assert.equal(
        await setRepoIdentity(db, repoId, { platformRepoId: "4242", fullName: "acme/renamed" }),
        true,
      );
      const renamed = await findRepoByPlatformId(db, "github", "ghe.example.com", "4242");
      assert.equal(renamed?.id, repoId);
      assert.equal(renamed?.fullName, "acme/renamed");

      // One platform repository is connected once, whoever asks; another instance's id 4242 is another repository.
      await assert.rejects(() =>
        createRepo(db, {
          platform: "github",
          host: "ghe.example.com",
          platformRepoId: "4242",
          fullName: "squatter/name",
          webhookSecret: "s",
        })
      );
      const other = await createRepo(db, {
        platform: "github",
        host: "github.com",
        platformRepoId: "4242",
        fullName: "someone/else",
        webhookSecret: "s",
      });
      assert.equal(
        await setRepoIdentity(db, other.id, { platformRepoId: "4242", fullName: "someone/else" }),
        true,
        "the same id on another host is not a clash",
      );
      const third = await createRepo(db, {
        platform: "github",
        host: "ghe.example.com",
        fullName: "acme/third",
        webhookSecret: "s",
      });
      assert.equal(
        await setRepoIdentity(db, third.id, { platformRepoId: "4242", fullName: "acme/third" }),
        false,
        "a second row cannot take a connected repository's id",
      );
      assert.equal((await getRepo(db, third.id))?.platformRepoId, null);
    });
  });
}
