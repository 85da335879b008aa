import assert from "node:assert/strict";
import { openDb } from "./open.ts";
import { sql } from "./sql.ts";

async function mode(path: string): Promise<number> {
  return (await Deno.stat(path)).mode! & 0o777;
}

Deno.test("openDb() creates a SQLite file and its WAL readable by the owner only", async () => {
  const directory = await Deno.makeTempDir({ prefix: "loom-open-" });
  try {
    const path = `${directory}/data/loom.db`;
    const db = await openDb(path);
    await db.exec(sql`create table t (value text)`);
    await db.exec(sql`insert into t (value) values (${"password hashes live here"})`);
    assert.equal(await mode(path), 0o600);
    assert.equal(await mode(`${path}-wal`), 0o600);
    assert.equal(await mode(`${directory}/data`), 0o700);
    await db.close();
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("openDb() narrows an existing world-readable SQLite file to 0600", async () => {
  const directory = await Deno.makeTempDir({ prefix: "loom-open-" });
  try {
    const path = `${directory}/loom.db`;
    await (await openDb(path)).close();
    await Deno.chmod(path, 0o644);
    const db = await openDb(path);
    assert.equal(await mode(path), 0o600);
    await db.close();
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});
