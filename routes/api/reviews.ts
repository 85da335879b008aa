import { defineHandlers } from "../../lib/http/define.ts";
import { loadOverview } from "../../lib/dashboard/overview.ts";

export const handler = defineHandlers({
  async GET(c) {
    return c.json(await loadOverview(c.var.deps.db, c.var.deps.now));
  },
});
