import { defineHandlers } from "../../../lib/http/define.ts";
import { HttpError } from "../../../lib/http/errors.ts";
import { loadReviewLive } from "../../../lib/dashboard/review_live.ts";
import { api, idParam } from "../../../lib/dashboard/route.tsx";

/** One review's live state, re-read by the review page's island while the review runs. */
export const handler = defineHandlers({
  GET: api(async (c, viewer) => {
    const live = await loadReviewLive(
      c.var.deps.db,
      c.var.deps.config,
      viewer.organization.id,
      idParam(c, "id"),
    );
    if (!live) throw new HttpError(404, `Cannot find review ${c.req.param("id")}`);
    return c.json(live);
  }),
});
