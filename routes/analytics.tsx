import { defineHandlers } from "../lib/http/define.ts";
import { Island } from "../lib/http/island.tsx";
import { loadAnalytics } from "../lib/db/analytics.ts";
import { AnalyticsQuery } from "../lib/dashboard/api_types.ts";
import AnalyticsCharts from "../islands/AnalyticsCharts.tsx";
import { page, renderDashboard } from "../lib/dashboard/route.tsx";

export const handler = defineHandlers({
  GET: page(async (c, viewer) => {
    const query = AnalyticsQuery.safeParse(c.req.query());
    const days = query.success ? query.data.days : 30;
    const data = await loadAnalytics(c.var.deps.db, viewer.organization.id, { days, now: c.var.deps.now });
    return renderDashboard(
      c,
      viewer,
      { title: "Analytics", active: "/analytics" },
      (
        <>
          <div class="page-head">
            <h1>Analytics</h1>
            <p class="muted">{viewer.organization.name} · days in UTC</p>
          </div>
          <Island of={AnalyticsCharts} name="AnalyticsCharts" props={{ initial: data, days }} />
        </>
      ),
    );
  }),
});
