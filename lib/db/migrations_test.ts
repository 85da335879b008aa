import assert from "node:assert/strict";
import { MIGRATIONS } from "./migrations.ts";

async function listSql(dialect: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(new URL(`../../migrations/${dialect}/`, import.meta.url))) {
    if (entry.isFile && entry.name.endsWith(".sql")) names.push(entry.name.replace(/\.sql$/, ""));
  }
  return names.sort();
}

Deno.test("migrations have the same numbered list in both dialects", async () => {
  const postgres = await listSql("postgres");
  const sqlite = await listSql("sqlite");
  assert.deepEqual(sqlite, postgres);
  for (const [index, name] of postgres.entries()) {
    assert.match(name, new RegExp(`^${String(index + 1).padStart(4, "0")}_[a-z0-9_]+$`));
  }
});

Deno.test("MIGRATIONS lists every migration file of each dialect in order", async () => {
  for (const dialect of ["postgres", "sqlite"] as const) {
    assert.deepEqual(MIGRATIONS[dialect].map((migration) => migration.name), await listSql(dialect));
    assert.deepEqual(
      MIGRATIONS[dialect].map((migration) => migration.version),
      MIGRATIONS[dialect].map((_, index) => index + 1),
    );
  }
});
