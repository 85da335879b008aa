import { defineHandlers } from "../../lib/http/define.ts";
import { loadOverview } from "../../lib/dashboard/overview.ts";
import { api } from "../../lib/dashboard/route.tsx";

export const handler = defineHandlers({
  GET: api(async (c, viewer) =>
    c.json(await loadOverview(c.var.deps.db, viewer.organization.id, c.var.deps.now))
  ),
});
