/**
 * `createApp(deps)`: the Hono application with every file route mounted. No I/O happens here; `main.ts` opens the
 * database and passes it in, tests pass their own.
 */
import { Hono } from "hono";
import { routes } from "./routes.gen.ts";
import type { AppEnv, HttpDeps, Method } from "./lib/http/define.ts";
import type { WebhookRouteDeps } from "./lib/webhooks/route_deps.ts";
import type { SignInDeps } from "./lib/auth/mod.ts";
import type { LoomMetrics } from "./lib/metrics.ts";
import { handleError, handleNotFound } from "./lib/http/errors.ts";
import { serveStatic } from "./lib/http/static.ts";
import { loggablePath } from "./lib/http/loggable_path.ts";
import { bodyLimit } from "./lib/http/body_limit.ts";
import { logOversizedWebhook } from "./lib/webhooks/claimed_event.ts";
import { createDatabaseDeadline } from "./lib/db/unavailable.ts";
import { HSTS_HEADER, isHttpsPublicUrl } from "./lib/http/public_url.ts";

const METHODS: Method[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/** Every dependency of the web process: what each route names (`lib/http/define.ts`), all together. */
export type AppDeps = HttpDeps & WebhookRouteDeps & SignInDeps & {
  /** Prometheus metrics served at `/metrics` and updated by the webhook route. */
  metrics?: LoomMetrics;
};

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // Once a browser has seen Loom over https, it refuses a downgraded http:// copy for a year (no stripped cookies).
  const hsts = isHttpsPublicUrl(deps.config.publicUrl);
  app.use(async (c, next) => {
    const requestId = c.req.header("x-request-id")?.slice(0, 64) || crypto.randomUUID();
    c.set("deps", deps);
    c.set("requestId", requestId);
    c.set("log", deps.log.child({ requestId }));
    const started = performance.now();
    await next();
    c.header("x-request-id", requestId);
    if (hsts) c.header("strict-transport-security", HSTS_HEADER);
    deps.log.debug("Request", {
      requestId,
      method: c.req.method,
      path: loggablePath(c.req.path),
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    });
  });
  const { maxWebhookBytes, maxBodyBytes } = deps.config;
  const isWebhook = (path: string) => path.startsWith("/api/webhooks/");
  app.use(bodyLimit((path) => isWebhook(path) ? maxWebhookBytes : maxBodyBytes, {
    onRefused(c) {
      if (!isWebhook(c.req.path)) return;
      const requested = c.req.path.slice("/api/webhooks/".length);
      const platform = Object.hasOwn(deps.parsers, requested) ? requested : "unknown";
      deps.metrics?.webhooksRejected.inc({ platform, status: "413" });
      // The 413 stands whatever happens to the note, and within the database deadline: a database that is slow
      // or down costs the note only.
      return createDatabaseDeadline(deps.config.databaseRequestTimeoutMs).within(
        logOversizedWebhook(deps.db, {
          platform,
          repoId: c.req.query("repo"),
          headers: c.req.raw.headers,
          limitBytes: maxWebhookBytes,
        }, deps.now),
      ).catch((error) => c.var.log.warn("Cannot note an oversized webhook", { error }));
    },
  }));
  app.get("/static/*", serveStatic(deps.staticDir ?? new URL("./static/", import.meta.url).pathname));
  for (const { pattern, module } of routes) {
    for (const method of METHODS) {
      const handler = module.handler[method];
      if (handler) app.on(method, pattern, handler);
    }
  }
  app.notFound(handleNotFound);
  app.onError(handleError);
  return app;
}
