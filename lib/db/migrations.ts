/**
 * The numbered migrations of both dialects, loaded as text imports so they stay in the module graph that
 * `deno check` sees. `tools/check_layout.ts` and `migrations_test.ts` fail when the two lists differ.
 */
import postgres0001 from "../../migrations/postgres/0001_initial.sql" with { type: "text" };
import sqlite0001 from "../../migrations/sqlite/0001_initial.sql" with { type: "text" };
import type { SqlDialect } from "./sql.ts";

export interface Migration {
  version: number;
  name: string;
  text: string;
}

export const MIGRATIONS: Record<SqlDialect, readonly Migration[]> = {
  postgres: [{ version: 1, name: "0001_initial", text: postgres0001 }],
  sqlite: [{ version: 1, name: "0001_initial", text: sqlite0001 }],
};
