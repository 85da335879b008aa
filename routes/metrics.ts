import { defineHandlers, routeDeps } from "../lib/http/define.ts";
import {
  type LoomMetrics,
  metricsAuthorized,
  metricsRefusal,
  PROMETHEUS_CONTENT_TYPE,
} from "../lib/metrics.ts";

/**
 * Prometheus scrape endpoint behind a bearer token (`LOOM_METRICS_TOKEN`), which is required unless the public URL
 * is localhost.
 */
export const handler = defineHandlers({
  async GET(c) {
    const metrics = routeDeps<{ metrics?: LoomMetrics }>(c).metrics;
    if (!metrics) return c.json({ error: "Metrics are not enabled in this process" }, 404);
    const { metricsToken, publicUrl } = c.var.deps.config;
    if (!(await metricsAuthorized(c.req.header("authorization"), metricsToken, { publicUrl }))) {
      return c.json(metricsRefusal(metricsToken), 401, { "www-authenticate": "Bearer" });
    }
    return c.body(await metrics.registry.metrics(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE });
  },
});
