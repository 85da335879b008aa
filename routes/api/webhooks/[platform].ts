import { defineHandlers, routeDeps } from "../../../lib/http/define.ts";
import type { WebhookRouteDeps } from "../../../lib/webhooks/route_deps.ts";
import type { LoomMetrics } from "../../../lib/metrics.ts";
import { receiveWebhook } from "../../../lib/webhooks/receive.ts";
import { createDatabaseDeadline, isDatabaseUnavailable } from "../../../lib/db/unavailable.ts";
import { configuredHost } from "../../../lib/platforms/hosts.ts";

export const handler = defineHandlers({
  async POST(c) {
    const deps = routeDeps<WebhookRouteDeps & { metrics?: LoomMetrics }>(c);
    const rawBody = new Uint8Array(await c.req.arrayBuffer());
    // Only known platforms become label values, so random URLs cannot grow the metric without bound.
    const requested = c.req.param("platform") ?? "";
    const platform = Object.hasOwn(deps.parsers, requested) ? requested : "unknown";
    // The head check asks the platform (its own 3 s deadline): that wait is not the database's.
    const deadline = createDatabaseDeadline(deps.config.databaseRequestTimeoutMs);
    const readPullRequest = deps.readPullRequest;
    const receiving = receiveWebhook(
      {
        db: deps.db,
        secretBox: deps.secretBox,
        parsers: deps.parsers,
        platformSecrets: { github: deps.config.githubWebhookSecret },
        cache: deps.webhookCache,
        now: deps.now,
        onEnqueued: deps.onEnqueued,
        readPullRequest: readPullRequest && ((repo, ref) => deadline.excluding(readPullRequest(repo, ref))),
        maxBytes: deps.config.maxWebhookBytes,
        githubHost: configuredHost("github", deps.config) ?? undefined,
      },
      {
        platform: requested,
        headers: c.req.raw.headers,
        rawBody,
        repoId: c.req.query("repo"),
      },
    );
    let result;
    try {
      result = await deadline.within(receiving);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      // Within the platforms' 10 s delivery timeout, and a 5xx they report as a failed delivery to redeliver.
      c.var.log.warn("Webhook refused: the database is unavailable", { error });
      deps.metrics?.webhooksRejected.inc({ platform, status: "503" });
      c.header("retry-after", "30");
      return c.json(
        { status: "unavailable", message: "The database is unavailable; deliver again later" },
        503,
      );
    }
    if (result.status >= 400) {
      c.var.log.warn("Webhook rejected", { status: result.status, reason: result.reason });
      deps.metrics?.webhooksRejected.inc({ platform, status: String(result.status) });
    } else {deps.metrics?.webhooksReceived.inc({
        platform,
        outcome: result.body.outcome ?? result.body.status,
      });}
    return c.json(result.body, result.status);
  },
});
