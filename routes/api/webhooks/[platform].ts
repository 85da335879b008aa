import { defineHandlers } from "../../../lib/http/define.ts";
import { receiveWebhook } from "../../../lib/webhooks/receive.ts";

export const handler = defineHandlers({
  async POST(c) {
    const deps = c.var.deps;
    const result = await receiveWebhook(
      {
        db: deps.db,
        secretBox: deps.secretBox,
        parsers: deps.parsers,
        platformSecrets: { github: deps.config.githubWebhookSecret },
        cache: deps.webhookCache,
        now: deps.now,
        onEnqueued: deps.onEnqueued,
        maxBytes: deps.config.maxWebhookBytes,
      },
      {
        platform: c.req.param("platform") ?? "",
        headers: c.req.raw.headers,
        rawBody: new Uint8Array(await c.req.arrayBuffer()),
        repoId: c.req.query("repo"),
      },
    );
    if (result.status >= 400) {
      c.var.log.warn("Webhook rejected", { status: result.status, reason: result.reason });
    }
    // Only known platforms become label values, so random URLs cannot grow the metric without bound.
    const requested = c.req.param("platform") ?? "";
    const platform = Object.hasOwn(deps.parsers, requested) ? requested : "unknown";
    if (result.status >= 400) deps.metrics?.webhooksRejected.inc({ platform, status: String(result.status) });
    else deps.metrics?.webhooksReceived.inc({ platform, outcome: result.body.outcome ?? result.body.status });
    return c.json(result.body, result.status);
  },
});
