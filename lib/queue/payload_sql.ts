/**
 * Reads fields of a job's JSON payload inside SQL, so a query filters jobs in the database instead of loading
 * every live job's payload into the process. The payload column is JSON text in both dialects; SQLite reads it
 * with `json_extract` (typed: a number stays a number), PostgreSQL with `->>` after a `jsonb` cast (always text,
 * so comparisons there are made on text, never cast back: one odd row would otherwise fail the whole query).
 */
import { rawSql, sql, type SqlDialect, type SqlStatement } from "../db/mod.ts";

const NAME = /^[a-zA-Z][a-zA-Z0-9]*$/;

/** `payload.<field>` of the `jobs` row aliased `alias` (`j` by default). */
export function payloadField(dialect: SqlDialect, field: string, alias = "j"): SqlStatement {
  // Field and alias are chosen by code, never by input; the check keeps it that way.
  if (!NAME.test(field) || !NAME.test(alias)) {
    throw new TypeError(`Cannot read payload field "${field}" of "${alias}"`);
  }
  return rawSql(
    dialect === "postgres"
      ? `(${alias}.payload::jsonb ->> '${field}')`
      : `json_extract(${alias}.payload, '$.${field}')`,
  );
}

/** A condition: the job's `payload.repoId` names a repository of the organization. */
export function jobOfOrganization(dialect: SqlDialect, organizationId: number, alias = "j"): SqlStatement {
  const repoIds = rawSql(dialect === "postgres" ? "id::text" : "id");
  return sql`${payloadField(dialect, "repoId", alias)} in (
    select ${repoIds} from repos where organization_id = ${organizationId})`;
}

/** A condition: the job's `payload.repoId` is `repoId`. */
export function jobOfRepo(dialect: SqlDialect, repoId: number, alias = "j"): SqlStatement {
  return sql`${payloadField(dialect, "repoId", alias)} = ${dialect === "postgres" ? String(repoId) : repoId}`;
}
