/** Worker process entry (`deno task worker`): runs review jobs from the shared database until SIGTERM. */
import { loadServerConfig } from "../lib/config/env.ts";
import { createLogger } from "../lib/log.ts";
import { openRuntime } from "../lib/runtime.ts";
import { createWakeup } from "../lib/queue/mod.ts";
import { startWorker } from "./start.ts";
import { serveMetrics } from "../lib/metrics.ts";

const config = loadServerConfig(Deno.env.toObject());
const log = createLogger({ level: config.logLevel });
const runtime = await openRuntime(config, log);
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
