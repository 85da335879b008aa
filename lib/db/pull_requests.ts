/**
 * Per-pull-request state changed by commands in comments: whether automatic reviews are paused, and which
 * findings (by fingerprint) must not be posted again.
 */
import { type Db, sql } from "./mod.ts";

/** One pull request of a connected repository. */
export interface PullRequestKey {
  repoId: number;
  prNumber: number;
}

/** A finding someone asked Loom to stop posting on one pull request. */
export interface IgnoredFinding {
  fingerprint: string;
  title: string;
  ignoredBy: string;
  createdAt: number;
}

/** A finding an earlier review of the pull request recorded, as `@loom ignore` looks it up. */
export interface RecordedFinding {
  fingerprint: string;
  title: string;
  path: string;
  step: string;
}

/** Pauses or resumes automatic reviews of one pull request. */
export async function setPullRequestPaused(
  db: Db,
  key: PullRequestKey,
  paused: boolean,
  options: { by: string; now?: () => number },
): Promise<void> {
  const now = (options.now ?? Date.now)();
  await db.exec(sql`
    insert into pull_request_states (repo_id, pr_number, paused, paused_by, updated_at)
    values (${key.repoId}, ${key.prNumber}, ${paused}, ${options.by}, ${now})
    on conflict (repo_id, pr_number)
    do update set paused = ${paused}, paused_by = ${options.by}, updated_at = ${now}`);
}

/** Whether automatic reviews of the pull request are paused; false for a pull request never paused. */
export async function isPullRequestPaused(db: Db, key: PullRequestKey): Promise<boolean> {
  const rows = await db.query<{ paused: unknown }>(sql`
    select paused from pull_request_states where repo_id = ${key.repoId} and pr_number = ${key.prNumber}`);
  return rows[0] !== undefined && Boolean(rows[0].paused);
}

/** Records that a finding must not be posted again; ignoring the same fingerprint twice keeps the first. */
export async function ignoreFinding(
  db: Db,
  key: PullRequestKey,
  finding: { fingerprint: string; title: string; by: string },
  now: () => number = Date.now,
): Promise<void> {
  await db.exec(sql`
    insert into ignored_findings (repo_id, pr_number, fingerprint, title, ignored_by, created_at)
    values (${key.repoId}, ${key.prNumber}, ${finding.fingerprint}, ${finding.title}, ${finding.by}, ${now()})
    on conflict (repo_id, pr_number, fingerprint) do nothing`);
}

/** Every finding ignored on the pull request, oldest first. */
export async function listIgnoredFindings(db: Db, key: PullRequestKey): Promise<IgnoredFinding[]> {
  const rows = await db.query<Record<string, unknown>>(sql`
    select fingerprint, title, ignored_by, created_at from ignored_findings
    where repo_id = ${key.repoId} and pr_number = ${key.prNumber}
    order by created_at, fingerprint`);
  return rows.map((row) => ({
    fingerprint: String(row.fingerprint),
    title: String(row.title),
    ignoredBy: String(row.ignoredBy),
    createdAt: Number(row.createdAt),
  }));
}

/** Distinct findings recorded by any review of the pull request, newest first. */
export async function listRecordedFindings(db: Db, key: PullRequestKey): Promise<RecordedFinding[]> {
  const rows = await db.query<Record<string, unknown>>(sql`
    select c.fingerprint, c.title, c.path, c.step, max(c.id) as latest
    from comments c join reviews r on r.id = c.review_id
    where r.repo_id = ${key.repoId} and r.pr_number = ${key.prNumber}
    group by c.fingerprint, c.title, c.path, c.step
    order by latest desc`);
  return rows.map((row) => ({
    fingerprint: String(row.fingerprint),
    title: String(row.title),
    path: String(row.path),
    step: String(row.step),
  }));
}

/** What a review of one head needs to know about its pull request before it starts. */
export interface PullRequestState {
  /** `@loom pause` stopped automatic reviews. */
  paused: boolean;
  /** A review of the head finished already (`completed`, or `partial`: it posted a summary too). */
  headReviewed: boolean;
  /** The job that last ran a review of the head, or `null` when the head was never reviewed. */
  lastJobId: number | null;
  /** Fingerprints someone asked Loom not to post again (`@loom ignore`). */
  ignored: Set<string>;
}

/** Reads the pull request's state for a review of `headSha`. */
export async function readPullRequestState(
  db: Db,
  key: PullRequestKey,
  headSha: string,
): Promise<PullRequestState> {
  const of = sql`repo_id = ${key.repoId} and pr_number = ${key.prNumber}`;
  const rows = await db.query<{ paused: unknown; completed: unknown; lastJobId: unknown }>(sql`
    select
      (select paused from pull_request_states where ${of}) as paused,
      (select count(*) from reviews
        where ${of} and head_sha = ${headSha} and status in ('completed', 'partial')) as completed,
      (select job_id from reviews where ${of} and head_sha = ${headSha} order by id desc limit 1) as last_job_id`);
  const ignored = await db.query<{ fingerprint: unknown }>(sql`
    select fingerprint from ignored_findings where ${of}`);
  const row = rows[0]!;
  return {
    paused: row.paused !== null && row.paused !== undefined && Boolean(row.paused),
    headReviewed: Number(row.completed) > 0,
    lastJobId: row.lastJobId === null || row.lastJobId === undefined ? null : Number(row.lastJobId),
    ignored: new Set(ignored.map((found) => String(found.fingerprint))),
  };
}
