import { defineHandlers } from "../lib/http/define.ts";
import { renderPage } from "../lib/http/render.tsx";
import { Island } from "../lib/http/island.tsx";
import { loadOverview } from "../lib/dashboard/overview.ts";
import LiveReviews from "../islands/LiveReviews.tsx";

export const handler = defineHandlers({
  async GET(c) {
    const overview = await loadOverview(c.var.deps.db, c.var.deps.now);
    return c.html(renderPage(
      "Reviews",
      <>
        <h1>Reviews</h1>
        <Island of={LiveReviews} name="LiveReviews" props={{ initial: overview }} />
      </>,
    ));
  },
});
