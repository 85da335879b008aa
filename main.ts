/**
 * Web entry. `deno task start` serves the dashboard and webhooks and runs an embedded worker (SQLite at
 * `./data/loom.db` unless `LOOM_DATABASE_URL` says otherwise); `deno task web` (`--no-worker`) serves only.
 * A failure to start (a bad setting, a busy port, an unreachable database) is one line on stderr and exit code 1.
 */
import { loadServerConfig, type ServerConfig } from "./lib/config/env.ts";
import { chooseLogFormat, createLogger, printBanner } from "./lib/log.ts";
import { createApp } from "./app.ts";
import { openRuntime } from "./lib/runtime.ts";
import { WEBHOOK_PARSERS } from "./lib/platforms/mod.ts";
import { createRepoClient } from "./lib/tenancy/credentials.ts";
import { createWakeup } from "./lib/queue/mod.ts";
import { startWorker } from "./worker/start.ts";
import { createWebhookCache } from "./lib/webhooks/webhook_cache.ts";
import { runDoctor } from "./lib/doctor.ts";
import { countUsers } from "./lib/db/users.ts";
import { dashboardUrl, startupBanner, startupErrorLine } from "./lib/startup_banner.ts";

let config: ServerConfig | undefined;
try {
  config = loadServerConfig(Deno.env.toObject());
  await serve(config);
} catch (error) {
  printBanner([startupErrorLine(error, config && { hostname: config.hostname, port: config.port })]);
  Deno.exit(1);
}

async function serve(config: ServerConfig): Promise<void> {
  const format = config.logFormat ?? chooseLogFormat(undefined, Deno.stdout.isTerminal());
  const log = createLogger({ level: config.logLevel, format });
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
    // Replay safety: an event that would cancel or supersede a live review is checked with the platform first,
    // within a short deadline so the webhook still answers well inside the platforms' 10 s.
    readPullRequest: async (repo, ref) =>
      (await createRepoClient({ db: runtime.db, secretBox: runtime.secretBox, server: config }, repo, {
        log,
        timeoutMs: 3_000,
      })).getPullRequest(ref),
    metrics: runtime.metrics,
    webhookCache: createWebhookCache(),
    setupToken: runtime.setupToken,
  });
  const stop = new AbortController();
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      await wakeup.close();
      await runtime.close();
    })();
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      port: config.port,
      hostname: config.hostname,
      signal: stop.signal,
      onListen: ({ hostname, port }) =>
        log.info("Loom is listening", { url: `http://${hostname}:${port}`, dialect: runtime.db.dialect }),
    }, app.fetch);
  } catch (error) {
    await close();
    throw error;
  }

  // Only once the port is ours: a start-up that fails says one thing.
  const firstRun = await countUsers(runtime.db) === 0;
  if (firstRun) {
    // Until the owner exists, whoever holds this token (the operator, reading this output) can create them.
    log.warn("Loom has no owner yet: open the set-up page with its one-time token", {
      url: new URL(`/setup?token=${runtime.setupToken}`, config.publicUrl).href,
      setupToken: runtime.setupToken,
    });
  }
  const findings = await runDoctor({ config, db: runtime.db }).catch((error) => {
    log.warn("Cannot run the set-up checks", { error });
    return [];
  });
  printBanner(startupBanner({
    url: dashboardUrl(config.publicUrl, server.addr),
    setupToken: firstRun ? runtime.setupToken : undefined,
    findings,
  }));
  // Log collectors read JSON, not the banner: each problem is also a warning line there.
  if (format === "json") {
    for (const finding of findings) {
      log.warn("Set-up problem", { check: finding.check, problem: finding.message, fix: finding.fix });
    }
  }

  const worker = embeddedWorker
    ? startWorker(config, runtime, { log, wakeup, signal: stop.signal })
    : Promise.resolve();

  async function shutdown(signal: string) {
    if (stop.signal.aborted) return;
    log.info("Shutting down", { signal });
    stop.abort();
    await server.finished;
    await worker;
    await close();
    Deno.exit(0);
  }
  Deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));
  Deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));
}
