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

const config = loadServerConfig(Deno.env.toObject());
const log = createLogger({ level: config.logLevel });
const runtime = await openRuntime(config, log);
const wakeup = await createWakeup(runtime.db);
const app = createApp({
  db: runtime.db,
  config,
  log,
  secretBox: runtime.secretBox,
  parsers: WEBHOOK_PARSERS,
  onEnqueued: () => wakeup.wake(),
  metrics: runtime.metrics,
});
const stop = new AbortController();
const server = Deno.serve({
  port: config.port,
  hostname: config.hostname,
  signal: stop.signal,
  onListen: ({ hostname, port }) =>
    log.info("Loom is listening", { url: `http://${hostname}:${port}`, dialect: runtime.db.dialect }),
}, app.fetch);

const worker = Deno.args.includes("--no-worker")
  ? Promise.resolve()
  : startWorker(config, runtime, { log, wakeup, signal: stop.signal });

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
