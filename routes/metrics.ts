import { defineHandlers } from "../lib/http/define.ts";
import { metricsAuthorized, PROMETHEUS_CONTENT_TYPE } from "../lib/metrics.ts";

/** Prometheus scrape endpoint; a bearer token (`LOOM_METRICS_TOKEN`) keeps it from the public when set. */
export const handler = defineHandlers({
  async GET(c) {
    const metrics = c.var.deps.metrics;
    if (!metrics) return c.json({ error: "Metrics are not enabled in this process" }, 404);
    if (!(await metricsAuthorized(c.req.header("authorization"), c.var.deps.config.metricsToken))) {
      return c.json({ error: "Metrics need a valid bearer token" }, 401, { "www-authenticate": "Bearer" });
    }
    return c.body(await metrics.registry.render(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE });
  },
});
