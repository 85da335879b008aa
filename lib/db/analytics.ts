/**
 * The dashboard's reads of repositories and reviews, every one scoped by organization: a row of another
 * organization is indistinguishable from a missing one. Also the aggregates behind the analytics page. Jobs are
 * read by `lib/queue` (`orgQueueHealth`, `listWaitingReviews`), the only code that touches `jobs`.
 */
import { type Db, joinSql, sql } from "./mod.ts";
import { getRepo, type Repo } from "./repos.ts";
import { getReview, type ReviewRecord, type ReviewStatus, type RunKind, toReview } from "./reviews.ts";

export interface RepoStats {
  reviews: number;
  findings: number;
  costUsd: number;
  lastReviewAt: number | null;
}

export async function getOrgRepo(db: Db, organizationId: number, repoId: number): Promise<Repo | null> {
  const repo = await getRepo(db, repoId);
  return repo && repo.organizationId === organizationId ? repo : null;
}

export async function repoStats(db: Db, organizationId: number): Promise<Map<number, RepoStats>> {
  const rows = await db.query(sql`
    select r.repo_id, count(*) as reviews, coalesce(sum(r.findings_count), 0) as findings,
      coalesce(sum(r.cost_usd), 0) as cost_usd, max(r.started_at) as last_review_at
    from reviews r join repos p on p.id = r.repo_id
    where p.organization_id = ${organizationId} group by r.repo_id`);
  return new Map(rows.map((row) => [Number(row.repoId), {
    reviews: Number(row.reviews),
    findings: Number(row.findings),
    costUsd: Number(row.costUsd),
    lastReviewAt: row.lastReviewAt === null ? null : Number(row.lastReviewAt),
  }]));
}

export interface ReviewFilters {
  repoId?: number;
  status?: ReviewStatus;
  /** Only reviews, or only descriptions, answers or thread replies. */
  kind?: RunKind;
  /** Matches the title or the author, case-insensitively. */
  search?: string;
  since?: number;
  limit?: number;
  offset?: number;
}

export async function listOrgReviews(
  db: Db,
  organizationId: number,
  filters: ReviewFilters = {},
): Promise<ReviewRecord[]> {
  const conditions = [sql`p.organization_id = ${organizationId}`];
  if (filters.repoId !== undefined) conditions.push(sql`r.repo_id = ${filters.repoId}`);
  if (filters.status !== undefined) conditions.push(sql`r.status = ${filters.status}`);
  if (filters.kind !== undefined) conditions.push(sql`r.kind = ${filters.kind}`);
  if (filters.since !== undefined) conditions.push(sql`r.started_at >= ${filters.since}`);
  if (filters.search) {
    const pattern = `%${filters.search.toLowerCase().replace(/[\\%_]/g, (char) => "\\" + char)}%`;
    conditions.push(
      sql`(lower(r.title) like ${pattern} escape '\\' or lower(r.author) like ${pattern} escape '\\')`,
    );
  }
  const rows = await db.query(sql`
    select r.*, p.full_name as repo_full_name, p.platform from reviews r join repos p on p.id = r.repo_id
    where ${joinSql(conditions, " and ")}
    order by r.started_at desc, r.id desc limit ${filters.limit ?? 50} offset ${filters.offset ?? 0}`);
  return rows.map(toReview);
}

/** How many of the organization's reviews match `filters` (status, since). */
export async function countOrgReviews(
  db: Db,
  organizationId: number,
  filters: Pick<ReviewFilters, "status" | "since">,
): Promise<number> {
  const conditions = [sql`p.organization_id = ${organizationId}`];
  if (filters.status !== undefined) conditions.push(sql`r.status = ${filters.status}`);
  if (filters.since !== undefined) conditions.push(sql`r.started_at >= ${filters.since}`);
  const rows = await db.query<{ count: number }>(sql`
    select count(*) as count from reviews r join repos p on p.id = r.repo_id
    where ${joinSql(conditions, " and ")}`);
  return Number(rows[0]?.count ?? 0);
}

export async function getOrgReview(
  db: Db,
  organizationId: number,
  reviewId: number,
): Promise<Awaited<ReturnType<typeof getReview>>> {
  const owner = await db.query(sql`
    select r.id from reviews r join repos p on p.id = r.repo_id
    where r.id = ${reviewId} and p.organization_id = ${organizationId}`);
  return owner.length ? await getReview(db, reviewId) : null;
}

export interface AnalyticsData {
  /** Day starts (epoch ms, UTC), oldest first; every series below has one value per day. */
  days: number[];
  reviews: number[];
  findings: { blocker: number[]; warning: number[]; info: number[] };
  tokens: number[];
  /** Prompt tokens the providers served from their prompt caches (part of `tokens`), billed at the cached rate. */
  cachedTokens: number[];
  costUsd: number[];
  /** Median seconds from start to finish of the day's completed reviews (0 when none). */
  medianSeconds: number[];
  findingsByStep: { step: string; count: number }[];
  totals: {
    reviews: number;
    findings: number;
    tokens: number;
    cachedTokens: number;
    costUsd: number;
    medianSeconds: number;
    /** Steps answered from the response cache: no tokens sent, no cost. */
    cachedSteps: number;
  };
}

const DAY = 86_400_000;

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The first moment of a range of `days` UTC days that ends today (today included). */
export function rangeStart(days: number, now: number): number {
  return Math.floor(now / DAY) * DAY - (days - 1) * DAY;
}

/** Per-day series over the last `days` days (today included), bucketed in UTC. */
export async function loadAnalytics(
  db: Db,
  organizationId: number,
  options: { days?: number; now?: () => number } = {},
): Promise<AnalyticsData> {
  const dayCount = options.days ?? 30;
  const start = rangeStart(dayCount, (options.now ?? Date.now)());
  const days = Array.from({ length: dayCount }, (_, index) => start + index * DAY);
  const zeros = () => days.map(() => 0);
  const data: AnalyticsData = {
    days,
    reviews: zeros(),
    findings: { blocker: zeros(), warning: zeros(), info: zeros() },
    tokens: zeros(),
    cachedTokens: zeros(),
    costUsd: zeros(),
    medianSeconds: zeros(),
    findingsByStep: [],
    totals: {
      reviews: 0,
      findings: 0,
      tokens: 0,
      cachedTokens: 0,
      costUsd: 0,
      medianSeconds: 0,
      cachedSteps: 0,
    },
  };
  const reviews = await db.query(sql`
    select r.started_at, r.finished_at, r.status, r.input_tokens, r.cached_input_tokens, r.output_tokens,
      r.cost_usd
    from reviews r join repos p on p.id = r.repo_id
    where p.organization_id = ${organizationId} and r.started_at >= ${start}`);
  const durations = days.map(() => [] as number[]);
  const allDurations: number[] = [];
  for (const row of reviews) {
    const index = Math.floor((Number(row.startedAt) - start) / DAY);
    if (index < 0 || index >= dayCount) continue;
    data.reviews[index]!++;
    data.tokens[index]! += Number(row.inputTokens) + Number(row.outputTokens);
    data.cachedTokens[index]! += Number(row.cachedInputTokens);
    data.costUsd[index]! += Number(row.costUsd);
    if (row.status === "completed" && row.finishedAt !== null) {
      const seconds = (Number(row.finishedAt) - Number(row.startedAt)) / 1000;
      durations[index]!.push(seconds);
      allDurations.push(seconds);
    }
  }
  data.medianSeconds = durations.map(median);
  const findings = await db.query(sql`
    select c.severity, c.step, r.started_at from comments c
    join reviews r on r.id = c.review_id join repos p on p.id = r.repo_id
    where p.organization_id = ${organizationId} and r.started_at >= ${start} and c.placement <> 'duplicate'`);
  const bySteps = new Map<string, number>();
  for (const row of findings) {
    const index = Math.floor((Number(row.startedAt) - start) / DAY);
    const severity = row.severity as keyof AnalyticsData["findings"];
    if (index < 0 || index >= dayCount || !data.findings[severity]) continue;
    data.findings[severity][index]!++;
    bySteps.set(String(row.step), (bySteps.get(String(row.step)) ?? 0) + 1);
  }
  data.findingsByStep = [...bySteps].map(([step, count]) => ({ step, count }))
    .sort((a, b) => b.count - a.count || a.step.localeCompare(b.step));
  const cached = await db.query<{ count: unknown }>(sql`
    select count(*) as count from review_steps s
    join reviews r on r.id = s.review_id join repos p on p.id = r.repo_id
    where p.organization_id = ${organizationId} and r.started_at >= ${start} and s.cached = ${true}`);
  data.totals = {
    reviews: reviews.length,
    findings: findings.length,
    tokens: data.tokens.reduce((sum, value) => sum + value, 0),
    cachedTokens: data.cachedTokens.reduce((sum, value) => sum + value, 0),
    costUsd: data.costUsd.reduce((sum, value) => sum + value, 0),
    medianSeconds: median(allDurations),
    cachedSteps: Number(cached[0]?.count ?? 0),
  };
  return data;
}
