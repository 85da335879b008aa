import assert from "node:assert/strict";
import { MIGRATIONS } from "./migrations.ts";

async function listSql(dialect: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(new URL(`../../migrations/${dialect}/`, import.meta.url))) {
    if (entry.isFile && entry.name.endsWith(".sql")) names.push(entry.name.replace(/\.sql$/, ""));
  }
  return names.sort();
}

// Numbers are handed out before features land, so a later number may land first: the list may have gaps (a
// missing number is applied whenever it lands, `migrate.ts` reads the applied set), never repeats or disorder.
Deno.test("migrations have the same numbered list in both dialects", async () => {
  const postgres = await listSql("postgres");
  const sqlite = await listSql("sqlite");
  assert.deepEqual(sqlite, postgres);
  for (const name of postgres) assert.match(name, /^[0-9]{4}_[a-z0-9_]+$/);
  const numbers = postgres.map((name) => Number(name.slice(0, 4)));
  assert.deepEqual(numbers, [...new Set(numbers)].sort((a, b) => a - b), "each number once, in order");
});

Deno.test("MIGRATIONS lists every migration file of each dialect in order", async () => {
  for (const dialect of ["postgres", "sqlite"] as const) {
    assert.deepEqual(MIGRATIONS[dialect].map((migration) => migration.name), await listSql(dialect));
    assert.deepEqual(
      MIGRATIONS[dialect].map((migration) => migration.version),
      MIGRATIONS[dialect].map((migration) => Number(migration.name.slice(0, 4))),
    );
  }
});
