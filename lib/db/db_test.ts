import assert from "node:assert/strict";
import { joinSql, rawSql, sql } from "./mod.ts";
import { dbTest } from "./testing.ts";
import { migrate, pendingMigrations } from "./migrate.ts";

Deno.test("sql() renders numbered placeholders for PostgreSQL and ? for SQLite", () => {
  const inner = sql`status = ${"pending"}`;
  const statement = sql`select * from jobs where id = ${1} and ${inner} and id in (${joinSql([2, 3])})`;
  assert.deepEqual(statement.render("postgres"), {
    text: "select * from jobs where id = $1 and status = $2 and id in ($3, $4)",
    values: [1, "pending", 2, 3],
  });
  assert.deepEqual(statement.render("sqlite"), {
    text: "select * from jobs where id = ? and status = ? and id in (?, ?)",
    values: [1, "pending", 2, 3],
  });
  assert.deepEqual(rawSql("select 1").render("postgres"), { text: "select 1", values: [] });
});

dbTest("Db.query() returns camelCase rows and keeps values exact", async ({ db }) => {
  const now = 1_764_000_000_123;
  await db.exec(
    sql`insert into organizations (name, slug, created_at) values (${"Acme"}, ${"acme"}, ${now})`,
  );
  const rows = await db.query<{ id: number; createdAt: number; name: string }>(
    sql`select id, name, created_at from organizations where slug = ${"acme"}`,
  );
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.name, "Acme");
  assert.equal(rows[0]!.createdAt, now);
  assert.equal(typeof rows[0]!.id, "number");
});

dbTest("Db.transaction() rolls back every statement when the callback throws", async ({ db }) => {
  await assert.rejects(
    db.transaction(async (tx) => {
      await tx.exec(sql`insert into organizations (name, slug, created_at) values ('A', 'a', 1)`);
      throw new Error("boom");
    }),
    /boom/,
  );
  assert.deepEqual(await db.query(sql`select id from organizations`), []);
});

dbTest("Db.exec() reports changed rows and values never become SQL", async ({ db }) => {
  const hostile = "x'); drop table organizations; --";
  assert.equal(
    await db.exec(sql`insert into organizations (name, slug, created_at) values (${hostile}, ${hostile}, 1)`),
    1,
  );
  const rows = await db.query<{ name: string }>(sql`select name from organizations`);
  assert.deepEqual(rows.map((row) => row.name), [hostile]);
});

dbTest("migrate() is idempotent and safe from several connections at once", async ({ connect, db }) => {
  const results = await Promise.all([migrate(connect()), migrate(connect()), migrate(db)]);
  assert.deepEqual(results, [[], [], []]);
  assert.deepEqual(await pendingMigrations(db), []);
});
