/**
 * The `learnings` table (migration 0017): rules a team taught Loom, each scoped to a repository or to every
 * repository of an organization. Rows become `Learning` objects here; validation and the meaning of the fields
 * (matching, prompts, proposals) live in `lib/learnings/`. A learning with a `sourceKey` is stored once: a second
 * insert with the same key returns the first row unchanged, so a retried command or a reaction read again at the
 * next review never makes a duplicate.
 */
import { type Db, joinSql, rawSql, sql } from "./mod.ts";

/** Where a learning came from. */
export type LearningSourceKind = "ignore" | "concede" | "reaction" | "dashboard" | "import";

/** `active` is used by reviews; `proposed` waits for approval; `dismissed` is a refused proposal, kept. */
export type LearningStatus = "active" | "proposed" | "dismissed";

export const LEARNING_STATUSES: readonly LearningStatus[] = ["active", "proposed", "dismissed"];

/** Which findings a learning keeps from being posted: the normalised title, and the step when set. */
export interface LearningSuppress {
  /** The finding title as `normaliseTitle` (lib/findings.ts) gives it. */
  title: string;
  /** Only findings of this step; `null` for any step. */
  step: string | null;
}

export interface LearningSource {
  kind: LearningSourceKind;
  /** A link to the comment (or page) the learning came from. */
  url: string | null;
  commentId: string | null;
  prNumber: number | null;
}

export interface Learning {
  id: number;
  /** The organization; for a repository learning, the repository's organization (null when it has none). */
  orgId: number | null;
  /** The repository; `null` for a learning of every repository of `orgId`. */
  repoId: number | null;
  rule: string;
  /** Globs of the files the learning is about; empty for every file. */
  pathGlobs: string[];
  /** `null` for guidance only: the rule reaches prompts but no finding is held back by it. */
  suppress: LearningSuppress | null;
  source: LearningSource;
  enabled: boolean;
  status: LearningStatus;
  createdBy: string;
  createdAt: number;
  updatedBy: string;
  updatedAt: number;
}

/** The columns of a new row; `sourceKey` makes the insert idempotent. */
export interface NewLearningRow {
  orgId: number | null;
  repoId: number | null;
  rule: string;
  pathGlobs: string[];
  suppress: LearningSuppress | null;
  source: LearningSource;
  sourceKey: string | null;
  enabled: boolean;
  status: LearningStatus;
  createdBy: string;
}

function optionalNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function optionalString(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function toLearning(row: Record<string, unknown>): Learning {
  const title = optionalString(row.suppressTitle);
  return {
    id: Number(row.id),
    orgId: optionalNumber(row.organizationId),
    repoId: optionalNumber(row.repoId),
    rule: String(row.rule),
    pathGlobs: JSON.parse(String(row.pathGlobs)) as string[],
    suppress: title === null ? null : { title, step: optionalString(row.suppressStep) },
    source: {
      kind: String(row.sourceKind) as LearningSourceKind,
      url: optionalString(row.sourceUrl),
      commentId: optionalString(row.sourceCommentId),
      prNumber: optionalNumber(row.sourcePrNumber),
    },
    enabled: Boolean(row.enabled),
    status: String(row.status) as LearningStatus,
    createdBy: String(row.createdBy),
    createdAt: Number(row.createdAt),
    updatedBy: String(row.updatedBy),
    updatedAt: Number(row.updatedAt),
  };
}

const COLUMN_NAMES = [
  "id",
  "organization_id",
  "repo_id",
  "rule",
  "path_globs",
  "suppress_title",
  "suppress_step",
  "source_kind",
  "source_url",
  "source_comment_id",
  "source_pr_number",
  "enabled",
  "status",
  "created_by",
  "created_at",
  "updated_by",
  "updated_at",
];

/** The columns, qualified by a table alias when a query joins. */
function rawColumns(alias?: string) {
  return rawSql(COLUMN_NAMES.map((name) => (alias ? `${alias}.${name}` : name)).join(", "));
}

const COLUMNS = rawColumns();

/**
 * Inserts a learning, or returns the stored one when a row with the same `sourceKey` exists (then nothing changes:
 * a learning someone edited or dismissed stays as they left it).
 */
export async function insertLearning(db: Db, row: NewLearningRow, now: number): Promise<Learning> {
  const inserted = await db.query(sql`
    insert into learnings (organization_id, repo_id, rule, path_globs, suppress_title, suppress_step, source_kind,
      source_url, source_comment_id, source_pr_number, source_key, enabled, status, created_by, created_at,
      updated_by, updated_at)
    values (${row.orgId}, ${row.repoId}, ${row.rule}, ${JSON.stringify(row.pathGlobs)},
      ${row.suppress?.title ?? null}, ${row.suppress?.step ?? null}, ${row.source.kind}, ${row.source.url},
      ${row.source.commentId}, ${row.source.prNumber}, ${row.sourceKey}, ${row.enabled}, ${row.status},
      ${row.createdBy}, ${now}, ${row.createdBy}, ${now})
    on conflict (source_key) do nothing
    returning ${COLUMNS}`);
  if (inserted[0] !== undefined) return toLearning(inserted[0]);
  const [existing] = await db.query(
    sql`select ${COLUMNS} from learnings where source_key = ${row.sourceKey}`,
  );
  return toLearning(existing!);
}

export async function getLearning(db: Db, id: number): Promise<Learning | null> {
  const [row] = await db.query(sql`select ${COLUMNS} from learnings where id = ${id}`);
  return row === undefined ? null : toLearning(row);
}

/**
 * The learnings of one scope, newest first: a repository's own (`repoId`), or an organization's (`orgId`, no
 * `repoId`: the organization-wide ones only).
 */
export async function listLearnings(
  db: Db,
  scope: { repoId: number } | { orgId: number },
): Promise<Learning[]> {
  const where = "repoId" in scope
    ? sql`repo_id = ${scope.repoId}`
    : sql`organization_id = ${scope.orgId} and repo_id is null`;
  const rows = await db.query(sql`select ${COLUMNS} from learnings where ${where} order by id desc`);
  return rows.map(toLearning);
}

/**
 * The learnings a review of `repo` uses: enabled and active, the repository's own and its organization's, newest
 * first.
 */
export async function activeLearningsFor(
  db: Db,
  repo: { id: number; organizationId: number | null },
): Promise<Learning[]> {
  const scopes = [sql`repo_id = ${repo.id}`];
  if (repo.organizationId !== null) {
    scopes.push(sql`(organization_id = ${repo.organizationId} and repo_id is null)`);
  }
  const rows = await db.query(sql`
    select ${COLUMNS} from learnings
    where (${joinSql(scopes, " or ")}) and enabled = ${true} and status = 'active'
    order by updated_at desc, id desc`);
  return rows.map(toLearning);
}

/** The fields an edit may change; absent fields keep their value. */
export interface LearningChange {
  rule?: string;
  pathGlobs?: string[];
  suppress?: LearningSuppress | null;
  enabled?: boolean;
  status?: LearningStatus;
}

/** Changes a learning and records who and when. @returns the row as stored, or `null` when it does not exist. */
export async function updateLearning(
  db: Db,
  id: number,
  change: LearningChange,
  by: string,
  now: number,
): Promise<Learning | null> {
  const sets = [sql`updated_by = ${by}`, sql`updated_at = ${now}`];
  if (change.rule !== undefined) sets.push(sql`rule = ${change.rule}`);
  if (change.pathGlobs !== undefined) sets.push(sql`path_globs = ${JSON.stringify(change.pathGlobs)}`);
  if (change.suppress !== undefined) {
    sets.push(sql`suppress_title = ${change.suppress?.title ?? null}`);
    sets.push(sql`suppress_step = ${change.suppress?.step ?? null}`);
  }
  if (change.enabled !== undefined) sets.push(sql`enabled = ${change.enabled}`);
  if (change.status !== undefined) sets.push(sql`status = ${change.status}`);
  const [row] = await db.query(sql`
    update learnings set ${joinSql(sets)} where id = ${id} returning ${COLUMNS}`);
  return row === undefined ? null : toLearning(row);
}

/** Deletes a learning. @returns whether a row was deleted. */
export async function deleteLearning(db: Db, id: number): Promise<boolean> {
  const rows = await db.query(sql`delete from learnings where id = ${id} returning id`);
  return rows.length > 0;
}

/** A learning with the repository it belongs to, for lists that span an organization. */
export interface OrgLearning extends Learning {
  /** `platform:full/name` style parts of the repository; null for an organization-wide learning. */
  repo: { id: number; platform: string; fullName: string } | null;
}

/**
 * Every learning an organization's dashboard shows: the organization-wide ones and those of its repositories,
 * newest first.
 */
export async function listOrgLearnings(db: Db, orgId: number): Promise<OrgLearning[]> {
  const rows = await db.query(sql`
    select ${rawColumns("l")}, p.platform as repo_platform, p.full_name as repo_full_name
    from learnings l left join repos p on p.id = l.repo_id
    where (l.repo_id is null and l.organization_id = ${orgId}) or p.organization_id = ${orgId}
    order by l.id desc`);
  return rows.map((row) => ({
    ...toLearning(row),
    repo: row.repoId === null || row.repoId === undefined ? null : {
      id: Number(row.repoId),
      platform: String(row.repoPlatform),
      fullName: String(row.repoFullName),
    },
  }));
}
