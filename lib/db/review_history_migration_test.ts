/**
 * Migration 0010 (append-only review history) on a database that already holds reviews: nothing recorded before
 * is lost — SQLite rebuilds `reviews` and its children, where a careless rebuild deletes every step and finding
 * through `on delete cascade` — and the new rules hold afterwards.
 */
import assert from "node:assert/strict";
import { migrate } from "./migrate.ts";
import { MIGRATIONS } from "./migrations.ts";
import { createPostgresDb, createSqliteDb, type Db, sql, type SqlDialect } from "./mod.ts";
import { getReview, startReview } from "./reviews.ts";
import { TEST_POSTGRES_URL } from "./testing.ts";

const BEFORE = 9;

async function withDatabaseBefore(dialect: SqlDialect, fn: (db: Db) => Promise<void>): Promise<void> {
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
    for (const migration of MIGRATIONS[dialect].slice(0, BEFORE)) {
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

for (const dialect of ["sqlite", "postgres"] as const) {
  Deno.test(`migration 0010 keeps earlier reviews, steps and findings, and lets a head have several runs [${dialect}]`, async () => {
    await withDatabaseBefore(dialect, async (db) => {
      await db.exec(sql`insert into repos (platform, full_name, webhook_secret, created_at)
        values ('github', 'octo/app', 's', 1)`);
      const [repo] = await db.query<{ id: unknown }>(sql`select id from repos`);
      const repoId = Number(repo!.id);
      const [review] = await db.query<{ id: unknown }>(sql`
        insert into reviews (repo_id, pr_number, head_sha, status, cost_usd, job_id, started_at)
        values (${repoId}, 7, 'a1', 'completed', 0.0017, 3, 10) returning id`);
      const reviewId = Number(review!.id);
      await db.exec(
        sql`insert into review_steps (review_id, name, status, cost_usd, cached_input_tokens, created_at)
        values (${reviewId}, 'bugs', 'completed', 0.0017, 1024, 10)`,
      );
      await db.exec(sql`insert into review_step_progress (review_id, position, name, started_at)
        values (${reviewId}, 0, 'bugs', 10)`);
      await db.exec(
        sql`insert into comments (review_id, step, path, line, side, severity, title, body, fingerprint,
        placement, created_at)
        values (${reviewId}, 'bugs', 'src/a.ts', 1, 'RIGHT', 'warning', 'T', 'B', 'f1', 'inline', 10)`,
      );

      assert.deepEqual(
        await migrate(db),
        MIGRATIONS[dialect].slice(BEFORE).map((migration) => migration.name),
      );

      const kept = await getReview(db, reviewId);
      assert.equal(kept?.review.costUsd, 0.0017);
      assert.equal(kept?.review.attempts, 1);
      assert.deepEqual(kept?.steps.map((step) => step.name), ["bugs"], "the step survived the rebuild");
      assert.equal(kept?.steps[0]?.cachedInputTokens, 1024);
      const planned = await db.query(
        sql`select name from review_step_progress where review_id = ${reviewId}`,
      );
      assert.equal(planned.length, 1, "the live plan survived the rebuild");
      assert.deepEqual(kept?.findings.map((finding) => finding.fingerprint), ["f1"]);
      const again = await startReview(db, {
        repoId,
        prNumber: 7,
        headSha: "a1",
        title: "t",
        author: "a",
        jobId: 4,
      });
      assert.notEqual(again, reviewId, "a second run of the head is a second record");
      await db.exec(sql`update reviews set status = 'partial' where id = ${again}`);
      // Children still follow their parent.
      await db.exec(sql`delete from reviews where id = ${reviewId}`);
      const orphans = await db.query(sql`select id from review_steps where review_id = ${reviewId}`);
      assert.equal(orphans.length, 0);
    });
  });
}
