/**
 * The finding behind one of Loom's inline comments, read back by the fingerprint its hidden marker carries, so a
 * conversation in the comment's thread can put the finding itself (not only the comment's text) before the model.
 */
import { type Db, sql } from "./mod.ts";
import type { PullRequestKey } from "./pull_requests.ts";

/** A finding as the newest review of the pull request that reported it recorded it. */
export interface RecordedFindingDetail {
  fingerprint: string;
  step: string;
  path: string;
  line: number;
  endLine: number | null;
  side: "LEFT" | "RIGHT";
  severity: "blocker" | "warning" | "info";
  title: string;
  body: string;
  suggestion: string | null;
}

/** The newest record of the finding `fingerprint` on this pull request, or `null` when no review recorded it. */
export async function findRecordedFinding(
  db: Db,
  key: PullRequestKey,
  fingerprint: string,
): Promise<RecordedFindingDetail | null> {
  const rows = await db.query<Record<string, unknown>>(sql`
    select c.fingerprint, c.step, c.path, c.line, c.end_line, c.side, c.severity, c.title, c.body, c.suggestion
    from comments c join reviews r on r.id = c.review_id
    where r.repo_id = ${key.repoId} and r.pr_number = ${key.prNumber} and c.fingerprint = ${fingerprint}
    order by c.id desc
    limit 1`);
  const row = rows[0];
  if (row === undefined) return null;
  return {
    fingerprint: String(row.fingerprint),
    step: String(row.step),
    path: String(row.path),
    line: Number(row.line),
    endLine: row.endLine === null || row.endLine === undefined ? null : Number(row.endLine),
    side: row.side === "LEFT" ? "LEFT" : "RIGHT",
    severity: row.severity as RecordedFindingDetail["severity"],
    title: String(row.title),
    body: String(row.body),
    suggestion: row.suggestion === null || row.suggestion === undefined ? null : String(row.suggestion),
  };
}
