/** Worker process entry (`deno task worker`): runs review jobs from the shared database until SIGTERM. */
import { loadServerConfig, type ServerConfig } from "../lib/config/env.ts";
import { chooseLogFormat, createLogger, printBanner } from "../lib/log.ts";
import { startupErrorLine } from "../lib/startup_banner.ts";
import { openRuntime } from "../lib/runtime.ts";
import { createWakeup } from "../lib/queue/mod.ts";
import { startWorker } from "./start.ts";
import { serveMetrics } from "../lib/metrics.ts";

let config: ServerConfig;
try {
  config = loadServerConfig(Deno.env.toObject());
} catch (error) {
  // A bad setting is one line, not a stack trace.
  printBanner([startupErrorLine(error)]);
  Deno.exit(1);
}
const log = createLogger({
  level: config.logLevel,
  format: config.logFormat ?? chooseLogFormat(undefined, Deno.stdout.isTerminal()),
});
const runtime = await openRuntime(config, log).catch((error) => {
  printBanner([startupErrorLine(error)]);
  Deno.exit(1);
});
const wakeup = await createWakeup(runtime.db);
const stop = new AbortController();
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(signal, () => {
    log.info("Shutting down", { signal });
    stop.abort();
  });
}
const metricsServer = config.workerMetricsPort > 0
  ? serveMetrics(runtime.metrics, {
    port: config.workerMetricsPort,
    hostname: config.hostname,
    token: config.metricsToken,
    publicUrl: config.publicUrl,
    signal: stop.signal,
    onListen: (url) => log.info("Worker metrics are listening", { url }),
  })
  : undefined;
await startWorker(config, runtime, { log, wakeup, signal: stop.signal });
await metricsServer?.finished;
await wakeup.close();
await runtime.close();
