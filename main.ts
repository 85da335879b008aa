/**
 * Web entry. `deno task start` serves the dashboard and webhooks and runs an embedded worker (SQLite at
 * `./data/loom.db` unless `LOOM_DATABASE_URL` says otherwise); `deno task web` (`--no-worker`) serves only.
 */
import { loadServerConfig } from "./lib/config/env.ts";
import { createLogger } from "./lib/log.ts";
import { createApp } from "./app.ts";
import { openRuntime } from "./lib/runtime.ts";
import { WEBHOOK_PARSERS } from "./lib/platforms/mod.ts";
import { createWakeup } from "./lib/queue/mod.ts";
import { startWorker } from "./worker/start.ts";
import { createWebhookCache } from "./lib/webhooks/webhook_cache.ts";
import { countUsers } from "./lib/db/users.ts";

const config = loadServerConfig(Deno.env.toObject());
const log = createLogger({ level: config.logLevel });
const runtime = await openRuntime(config, log);
const embeddedWorker = !Deno.args.includes("--no-worker");
// Only an embedded worker needs NOTIFY: a web-only process would receive every job's notification for nothing.
const wakeup = await createWakeup(embeddedWorker ? runtime.db : undefined);
const app = createApp({
  db: runtime.db,
  config,
  log,
  secretBox: runtime.secretBox,
  parsers: WEBHOOK_PARSERS,
  onEnqueued: () => wakeup.wake(),
  metrics: runtime.metrics,
  webhookCache: createWebhookCache(),
  setupToken: runtime.setupToken,
});
if (await countUsers(runtime.db) === 0) {
  // Until the owner exists, whoever holds this token (the operator, reading this output) can create them.
  log.warn("Loom has no owner yet: open the set-up page with its one-time token", {
    url: new URL(`/setup?token=${runtime.setupToken}`, config.publicUrl).href,
    setupToken: runtime.setupToken,
  });
}
const stop = new AbortController();
const server = Deno.serve({
  port: config.port,
  hostname: config.hostname,
  signal: stop.signal,
  onListen: ({ hostname, port }) =>
    log.info("Loom is listening", { url: `http://${hostname}:${port}`, dialect: runtime.db.dialect }),
}, app.fetch);

const worker = embeddedWorker
  ? startWorker(config, runtime, { log, wakeup, signal: stop.signal })
  : Promise.resolve();

async function shutdown(signal: string) {
  if (stop.signal.aborted) return;
  log.info("Shutting down", { signal });
  stop.abort();
  await server.finished;
  await worker;
  await wakeup.close();
  await runtime.close();
  Deno.exit(0);
}
Deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));
Deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));
