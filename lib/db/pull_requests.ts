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

/** The set of fingerprints ignored on the pull request. */
export async function ignoredFingerprints(db: Db, key: PullRequestKey): Promise<Set<string>> {
  return new Set((await listIgnoredFindings(db, key)).map((finding) => finding.fingerprint));
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

/** The job that last ran the review of one head, or `null` when the head was never reviewed. */
export async function lastReviewJobId(db: Db, key: PullRequestKey, headSha: string): Promise<number | null> {
  const rows = await db.query<{ jobId: unknown }>(sql`
    select job_id from reviews
    where repo_id = ${key.repoId} and pr_number = ${key.prNumber} and head_sha = ${headSha}`);
  return rows[0]?.jobId === undefined || rows[0].jobId === null ? null : Number(rows[0].jobId);
}
