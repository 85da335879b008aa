import { defineHandlers } from "../../lib/http/define.ts";
import { listRepos } from "../../lib/db/repos.ts";
import { listOrgReviews, rangeStart } from "../../lib/db/analytics.ts";
import { type ReviewStatus, RUN_KINDS } from "../../lib/db/reviews.ts";
import { kindLabel } from "../../lib/dashboard/format.ts";
import { ReviewTable } from "../../components/ReviewTable.tsx";
import { page, renderDashboard } from "../../lib/dashboard/route.tsx";

const STATUSES: ReviewStatus[] = ["running", "completed", "partial", "failed", "skipped", "cancelled"];
const PAGE_SIZE = 50;

export const handler = defineHandlers({
  GET: page(async (c, viewer) => {
    const { db } = c.var.deps;
    const query = c.req.query();
    const repos = await listRepos(db, viewer.organization.id);
    const repoId = repos.find((repo) => String(repo.id) === query.repo)?.id;
    const status = STATUSES.find((value) => value === query.status);
    const kind = RUN_KINDS.find((value) => value === query.kind);
    const search = (query.q ?? "").trim().slice(0, 100);
    // `days`: the analytics page's range (today and the days before it, in UTC), so its figures link here.
    const days = /^[1-9][0-9]{0,2}$/.test(query.days ?? "") ? Number(query.days) : undefined;
    const since = days === undefined ? undefined : rangeStart(days, (c.var.deps.now ?? Date.now)());
    const pageNumber = Math.max(1, Math.min(1000, Number(query.page) || 1));
    const reviews = await listOrgReviews(db, viewer.organization.id, {
      repoId,
      status,
      kind,
      search: search || undefined,
      since,
      limit: PAGE_SIZE + 1,
      offset: (pageNumber - 1) * PAGE_SIZE,
    });
    const link = (pageTo: number) => {
      const params = new URLSearchParams({
        ...(repoId ? { repo: String(repoId) } : {}),
        ...(status ? { status } : {}),
        ...(kind ? { kind } : {}),
        ...(days ? { days: String(days) } : {}),
      });
      if (search) params.set("q", search);
      params.set("page", String(pageTo));
      return `/reviews?${params}`;
    };
    return renderDashboard(
      c,
      viewer,
      { title: "Review history", active: "/reviews" },
      (
        <>
          <h1>Review history</h1>
          {days && (
            <p class="muted" data-testid="range">
              Reviews started in the last {days} day{days === 1 ? "" : "s"} (UTC), as counted on{" "}
              <a href={`/analytics?days=${days}`}>Analytics</a>.
            </p>
          )}
          <form method="get" class="inline panel" role="search" aria-label="Filter reviews">
            <label>
              Repository
              <select name="repo">
                <option value="">All repositories</option>
                {repos.map((repo) => (
                  <option value={repo.id} selected={repo.id === repoId}>{repo.fullName}</option>
                ))}
              </select>
            </label>
            <label>
              Status
              <select name="status">
                <option value="">Any status</option>
                {STATUSES.map((value) => (
                  <option key={value} value={value} selected={value === status}>{value}</option>
                ))}
              </select>
            </label>
            <label>
              Kind
              <select name="kind">
                <option value="">Every kind</option>
                {RUN_KINDS.map((value) => (
                  <option key={value} value={value} selected={value === kind}>{kindLabel(value)}</option>
                ))}
              </select>
            </label>
            <label>
              Title or author
              <input name="q" value={search} placeholder="Search" />
            </label>
            <button type="submit">Filter</button>
            {days && <input type="hidden" name="days" value={days} />}
            {(repoId || status || kind || search || days) && <a href="/reviews">Clear</a>}
          </form>
          <ReviewTable reviews={reviews.slice(0, PAGE_SIZE)} />
          <p>
            {pageNumber > 1 && <a href={link(pageNumber - 1)}>← Newer</a>}{" "}
            {reviews.length > PAGE_SIZE && <a href={link(pageNumber + 1)}>Older →</a>}
          </p>
        </>
      ),
    );
  }),
});
