/**
 * Database access: one `Db` interface over SQLite and PostgreSQL, the `sql` tag, migrations, and one data-access
 * module per table group. Rows become camelCase objects here and nowhere else. Only `lib/db` and `lib/queue`
 * contain SQL.
 */
export { joinSql, rawSql, sql, type SqlDialect, SqlStatement } from "./sql.ts";
export { camelCaseRow, type Db, type Row } from "./types.ts";
export { createSqliteDb } from "./sqlite.ts";
export { createPostgresDb } from "./postgres.ts";
export { openDb } from "./open.ts";
