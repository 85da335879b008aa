/**
 * Every figure the analytics page shows — the totals, the per-day series its charts draw, the findings per step
 * — checked against the database with the test's own SQL, on both dialects; and the totals link to exactly the
 * reviews they count.
 */
import assert from "node:assert/strict";
import { dbTest } from "../../lib/db/testing.ts";
import { type Db, sql } from "../../lib/db/mod.ts";
import { createApp } from "../../app.ts";
import { createOrganization } from "../../lib/db/organizations.ts";
import { addMembership } from "../../lib/db/organizations.ts";
import { createUser } from "../../lib/db/users.ts";
import { createSession } from "../../lib/db/sessions.ts";
import { recordFindings, recordReviewStep } from "../../lib/db/reviews.ts";
import { formatCost, formatCount, formatDuration } from "../../lib/dashboard/format.ts";
import { createTestDeps } from "../support/app_server.ts";
import { seedRepo, seedReview } from "../browser/seed.ts";

const DAY = 86_400_000;

/** The HTML-escaped JSON of an island's props. */
function islandProps(html: string, name: string): Record<string, unknown> {
  const escaped = new RegExp(`data-island="${name}" data-props="([^"]*)"`).exec(html)?.[1];
  assert.ok(escaped, `no ${name} island`);
  const json = escaped.replace(
    /&(quot|amp|lt|gt|#39);/g,
    (_, entity: string) => ({ quot: '"', amp: "&", lt: "<", gt: ">", "#39": "'" })[entity]!,
  );
  return JSON.parse(json);
}

/** The `<strong>` figure of the card with `testId`, and where the card links. */
function card(html: string, testId: string): { figure: string; href: string } {
  const match = new RegExp(`<a class="card" href="([^"]*)" data-testid="${testId}"><strong>([^<]*)</strong>`)
    .exec(html);
  assert.ok(match, `no card ${testId}`);
  return { href: match[1]!.replaceAll("&amp;", "&"), figure: match[2]! };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function figuresFromDatabase(db: Db, organizationId: number, start: number) {
  const scope = sql`from reviews r join repos p on p.id = r.repo_id
    where p.organization_id = ${organizationId} and r.started_at >= ${start}`;
  const [totals] = await db.query<Record<string, number>>(sql`
    select count(*) as reviews, coalesce(sum(r.input_tokens + r.output_tokens), 0) as tokens,
      coalesce(sum(r.cached_input_tokens), 0) as cached, coalesce(sum(r.cost_usd), 0) as cost ${scope}`);
  const [findings] = await db.query<{ count: number }>(sql`
    select count(*) as count from comments c join reviews r on r.id = c.review_id join repos p on p.id = r.repo_id
    where p.organization_id = ${organizationId} and r.started_at >= ${start} and c.placement <> 'duplicate'`);
  const [cachedSteps] = await db.query<{ count: number }>(sql`
    select count(*) as count from review_steps s join reviews r on r.id = s.review_id
    join repos p on p.id = r.repo_id
    where p.organization_id = ${organizationId} and r.started_at >= ${start} and s.cached = ${true}`);
  const durations = await db.query<{ ms: number }>(sql`
    select r.finished_at - r.started_at as ms ${scope} and r.status = 'completed' and r.finished_at is not null`);
  const perDay = await db.query<Record<string, number>>(sql`
    select r.started_at / 86400000 as day, count(*) as reviews, sum(r.cost_usd) as cost,
      sum(r.input_tokens + r.output_tokens) as tokens ${scope} group by r.started_at / 86400000`);
  const severities = await db.query<{ day: number; severity: string; count: number }>(sql`
    select r.started_at / 86400000 as day, c.severity, count(*) as count
    from comments c join reviews r on r.id = c.review_id join repos p on p.id = r.repo_id
    where p.organization_id = ${organizationId} and r.started_at >= ${start} and c.placement <> 'duplicate'
    group by r.started_at / 86400000, c.severity`);
  const steps = await db.query<{ step: string; count: number }>(sql`
    select c.step, count(*) as count
    from comments c join reviews r on r.id = c.review_id join repos p on p.id = r.repo_id
    where p.organization_id = ${organizationId} and r.started_at >= ${start} and c.placement <> 'duplicate'
    group by c.step`);
  return {
    reviews: Number(totals!.reviews),
    tokens: Number(totals!.tokens),
    cached: Number(totals!.cached),
    cost: Number(totals!.cost),
    findings: Number(findings!.count),
    cachedSteps: Number(cachedSteps!.count),
    medianSeconds: median(durations.map((row) => Number(row.ms) / 1000)),
    perDay: new Map(perDay.map((row) => [Number(row.day) * DAY, {
      reviews: Number(row.reviews),
      cost: Number(row.cost),
      tokens: Number(row.tokens),
    }])),
    severities: severities.map((row) => ({
      day: Number(row.day) * DAY,
      severity: row.severity,
      count: Number(row.count),
    })),
    steps: new Map(steps.map((row) => [row.step, Number(row.count)])),
  };
}

dbTest("every figure on the analytics page matches the database", async ({ db }) => {
  const now = Date.now();
  const organization = await createOrganization(db, { name: "Acme" });
  const other = await createOrganization(db, { name: "Other" });
  const repo = await seedRepo(db, { fullName: "acme/api", organizationId: organization.id });
  const foreign = await seedRepo(db, { fullName: "other/api", organizationId: other.id });
  const seeded = [];
  for (const [index, daysAgo] of [0, 0, 1, 3, 6].entries()) {
    seeded.push(
      await seedReview(db, repo, {
        prNumber: 10 + index,
        title: `Change ${index}`,
        daysAgo,
        status: index === 2 ? "failed" : "completed",
      }),
    );
  }
  // Outside the range, and another organization's: neither may count.
  await seedReview(db, repo, { prNumber: 30, title: "Old", daysAgo: 12 });
  await seedReview(db, foreign, { prNumber: 31, title: "Foreign", daysAgo: 0 });
  // A duplicate of a posted finding is stored but is not a finding of its own.
  await recordFindings(db, seeded[0]!.id, [{
    step: "style",
    path: "a.ts",
    line: 1,
    side: "RIGHT",
    severity: "info",
    title: "dup",
    body: "dup",
    fingerprint: "dup",
    placement: "duplicate",
  }]);
  // A step answered from the response cache: counted as such, at no cost.
  await recordReviewStep(db, seeded[1]!.id, {
    name: "performance",
    provider: "openai",
    model: "gpt-4o-mini",
    status: "completed",
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    cached: true,
    durationMs: 3,
    error: null,
  });
  const owner = await createUser(db, { email: "ada@acme.test", name: "Ada" });
  await addMembership(db, { userId: owner.id, organizationId: organization.id, role: "owner" });
  const { token } = await createSession(db, owner.id, { ttlMs: 3_600_000 });
  const app = createApp(await createTestDeps(db, { now: () => now }));
  const get = (path: string) => app.request(path, { headers: { cookie: `loom_session=${token}` } });

  const response = await get("/analytics?days=7");
  assert.equal(response.status, 200);
  const html = await response.text();
  const start = Math.floor(now / DAY) * DAY - 6 * DAY;
  const expected = await figuresFromDatabase(db, organization.id, start);
  assert.equal(expected.reviews, 5, "the seeded range");
  assert.equal(expected.cachedSteps, 1);

  assert.equal(card(html, "total-reviews").figure, formatCount(expected.reviews));
  assert.equal(card(html, "total-findings").figure, formatCount(expected.findings));
  assert.equal(card(html, "total-tokens").figure, formatCount(expected.tokens));
  assert.equal(card(html, "total-cached-tokens").figure, formatCount(expected.cached));
  assert.equal(card(html, "total-cost").figure, formatCost(expected.cost));
  assert.equal(card(html, "cached-steps").figure, formatCount(expected.cachedSteps));
  assert.match(card(html, "total-cost").figure, /^\$0\.0[0-9]{3}$/, "a fraction of a cent stays visible");
  assert.equal(card(html, "median-duration").figure, formatDuration(expected.medianSeconds * 1000));
  assert.match(card(html, "median-duration").figure, / s$|min/, "not 0.0 min");

  // The series the charts draw, day by day.
  const data = islandProps(html, "AnalyticsCharts").initial as {
    days: number[];
    reviews: number[];
    costUsd: number[];
    tokens: number[];
    findings: Record<string, number[]>;
    findingsByStep: { step: string; count: number }[];
  };
  assert.equal(data.days.length, 7);
  assert.equal(data.days[0], start);
  for (const [index, day] of data.days.entries()) {
    const row = expected.perDay.get(day) ?? { reviews: 0, cost: 0, tokens: 0 };
    assert.equal(data.reviews[index], row.reviews, `reviews on day ${index}`);
    assert.ok(Math.abs(data.costUsd[index]! - row.cost) < 1e-9, `cost on day ${index}`);
    assert.equal(data.tokens[index], row.tokens, `tokens on day ${index}`);
    for (const severity of ["blocker", "warning", "info"]) {
      const count = expected.severities.find((entry) => entry.day === day && entry.severity === severity)
        ?.count;
      assert.equal(data.findings[severity]![index], count ?? 0, `${severity} on day ${index}`);
    }
  }
  assert.deepEqual(new Map(data.findingsByStep.map((entry) => [entry.step, entry.count])), expected.steps);
  const stepCounts = [...html.matchAll(/data-testid="step-findings">(\d+)</g)].map((match) =>
    Number(match[1])
  );
  assert.deepEqual(stepCounts, data.findingsByStep.map((entry) => entry.count));

  // A total links to the rows it counts.
  const linked = await (await get(card(html, "total-reviews").href)).text();
  assert.equal([...linked.matchAll(/<tr data-review-id=/g)].length, expected.reviews);
  const completed = await (await get(card(html, "median-duration").href)).text();
  assert.equal([...completed.matchAll(/<tr data-review-id=/g)].length, 4);
});

dbTest("the analytics page says so when the range has no reviews", async ({ db }) => {
  const organization = await createOrganization(db, { name: "Quiet" });
  const owner = await createUser(db, { email: "q@quiet.test", name: "Q" });
  await addMembership(db, { userId: owner.id, organizationId: organization.id, role: "owner" });
  const { token } = await createSession(db, owner.id, { ttlMs: 3_600_000 });
  const app = createApp(await createTestDeps(db));
  const html =
    await (await app.request("/analytics?days=30", { headers: { cookie: `loom_session=${token}` } }))
      .text();
  assert.equal(card(html, "total-cost").figure, "$0");
  assert.equal(card(html, "median-duration").figure, "—");
  assert.match(html, /No reviews in the last 30 days\./);
  assert.doesNotMatch(html, /data-chart=/);
});

dbTest("a repository page's review count links to exactly those reviews", async ({ db }) => {
  const organization = await createOrganization(db, { name: "Acme" });
  const owner = await createUser(db, { email: "ada@acme.test", name: "Ada" });
  await addMembership(db, { userId: owner.id, organizationId: organization.id, role: "owner" });
  const repo = await seedRepo(db, { fullName: "acme/api", organizationId: organization.id });
  const other = await seedRepo(db, { fullName: "acme/web", organizationId: organization.id });
  for (const prNumber of [1, 2, 3]) await seedReview(db, repo, { prNumber, title: `Change ${prNumber}` });
  await seedReview(db, other, { prNumber: 4, title: "Elsewhere" });
  const { token } = await createSession(db, owner.id, { ttlMs: 3_600_000 });
  const app = createApp(await createTestDeps(db));
  const get = async (path: string) =>
    await (await app.request(path, { headers: { cookie: `loom_session=${token}` } })).text();
  const { figure, href } = card(await get(`/repos/${repo.id}`), "repo-review-count");
  assert.equal(figure, "3");
  assert.equal([...(await get(href)).matchAll(/<tr data-review-id=/g)].length, 3);
});
