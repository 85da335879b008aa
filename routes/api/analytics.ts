import { defineHandlers } from "../../lib/http/define.ts";
import { HttpError } from "../../lib/http/errors.ts";
import { loadAnalytics } from "../../lib/db/analytics.ts";
import { AnalyticsQuery } from "../../lib/dashboard/api_types.ts";
import { api } from "../../lib/dashboard/route.tsx";

export const handler = defineHandlers({
  GET: api(async (c, viewer) => {
    const query = AnalyticsQuery.safeParse(c.req.query());
    if (!query.success) {
      throw new HttpError(400, `Cannot read the analytics query: ${query.error.issues[0]?.message}`);
    }
    return c.json(
      await loadAnalytics(c.var.deps.db, viewer.organization.id, {
        days: query.data.days,
        now: c.var.deps.now,
      }),
    );
  }),
});
