/**
 * Wiring shared by `main.ts` and `worker/main.ts`: opens the database, migrates it, builds the secret box and the
 * factories the review task needs. Everything comes from the `ServerConfig` passed in.
 */
import type { ServerConfig } from "./config/env.ts";
import { type Db, openDb } from "./db/mod.ts";
import { sqlitePath } from "./db/open.ts";
import { migrate } from "./db/migrate.ts";
import { ensureDeliveryFunction } from "./queue/mod.ts";
import { backfillHosts } from "./db/host_backfill.ts";
import { configuredHosts } from "./platforms/hosts.ts";
import { createSecretBox, type SecretBox } from "./crypto/secret_box.ts";
import { loadOrCreateSecretKey } from "./crypto/secret_key_file.ts";
import { parseKeyRing } from "./crypto/key_ring.ts";
import { deriveSetupToken } from "./auth/mod.ts";
import type { Logger } from "./log.ts";
import { createRepoClient, resolveModelKeys } from "./tenancy/credentials.ts";
import { createModelWiring } from "./llm/models.ts";
import { createDbCacheStore } from "./db/llm_cache.ts";
import { createDbBackoffStore } from "./db/provider_backoffs.ts";
import { createConfigCache } from "./config/load.ts";
import type { ReviewDeps } from "./review/review_pull_request.ts";
import { prune } from "./queue/mod.ts";
import { createLoomMetrics, instrumentLlm, type LoomMetrics } from "./metrics.ts";

export interface Runtime {
  db: Db;
  secretBox: SecretBox;
  /** This process's Prometheus metrics; queue gauges are read from `db` at each scrape. */
  metrics: LoomMetrics;
  /** The token `/setup` asks for until the owner exists (`lib/auth/setup_token.ts`). */
  setupToken: string;
  close(): Promise<void>;
}

const PRUNE_INTERVAL_MS = 3_600_000;

/**
 * Deletes finished jobs and webhook deliveries older than the retention, now and then every `intervalMs`.
 * Every process may run it: the deletes are idempotent. Returns the function that stops it.
 */
export function startPruning(
  db: Db,
  options: { retentionMs: number; log: Logger; intervalMs?: number; now?: () => number },
): () => void {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= prune(db, { olderThanMs: options.retentionMs, now: options.now })
      .then((removed) => {
        if (removed.jobs + removed.deliveries > 0) {
          options.log.info("Pruned old jobs and deliveries", removed);
        }
      })
      .catch((error) => options.log.warn("Cannot prune old jobs and deliveries", { error }))
      .finally(() => (running = undefined));
  };
  run();
  const timer = setInterval(run, options.intervalMs ?? PRUNE_INTERVAL_MS);
  // Pruning alone must never keep a process alive.
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}

export async function openRuntime(config: ServerConfig, log: Logger): Promise<Runtime> {
  const db = await openDb(config.databaseUrl, {
    onNotice: (notice) => log.debug("PostgreSQL notice", { notice }),
  });
  const applied = await migrate(db);
  if (applied.length > 0) log.info("Applied migrations", { migrations: applied });
  // The queue's PostgreSQL function is versioned with the code, not by a migration: present before the first webhook.
  await ensureDeliveryFunction(db);
  const backfilled = await backfillHosts(db, configuredHosts(config));
  if (backfilled.repos + backfilled.credentials > 0) {
    log.info("Recorded the platform host of earlier repositories and credentials", backfilled);
  }
  let secretKey = config.secretKey;
  if (!secretKey) {
    if (db.dialect === "postgres") {
      throw new TypeError(
        "Cannot start Loom: LOOM_SECRET_KEY must be set when several processes share PostgreSQL",
      );
    }
    const directory = sqlitePath(config.databaseUrl).replace(/[^/]*$/, "") || "./";
    secretKey = await loadOrCreateSecretKey(`${directory}secret.key`);
  }
  const keys = parseKeyRing(secretKey);
  const stopPruning = startPruning(db, { retentionMs: config.retentionDays * 86_400_000, log });
  return {
    db,
    secretBox: await createSecretBox(keys),
    metrics: createLoomMetrics({ db }),
    // From the encrypting key: every process of a deployment shares the ring, so they print the same token.
    setupToken: await deriveSetupToken(keys[0]!),
    close: () => {
      stopPruning();
      return db.close();
    },
  };
}

/** The review task's dependencies for a real deployment. */
export function createReviewDeps(
  config: ServerConfig,
  db: Db,
  log: Logger,
  options: {
    /** Opens the organizations' stored credentials (`lib/tenancy/credentials.ts`). */
    secretBox?: SecretBox;
    metrics?: LoomMetrics;
    now?: () => number;
  } = {},
): ReviewDeps {
  const credentials = { db, secretBox: options.secretBox, server: config };
  // The cache lives in the database, shared by every worker.
  const models = createModelWiring({
    concurrency: config.llmConcurrency,
    providerConcurrency: config.llmProviderConcurrency,
    priceOverrides: config.env.LOOM_LLM_PRICES,
    cache: config.llmCacheTtlMs > 0
      ? { store: createDbCacheStore(db), ttlMs: config.llmCacheTtlMs }
      : undefined,
    // A provider's Retry-After holds for every worker sharing the database.
    backoff: createDbBackoffStore(db),
    now: options.now,
    log,
  });
  return {
    db,
    server: config,
    log,
    createClient: (repo, clientOptions) =>
      createRepoClient(credentials, repo, {
        log,
        signal: clientOptions?.signal,
        timeoutMs: clientOptions?.timeoutMs,
      }),
    modelKeys: (repo) => resolveModelKeys(credentials, repo.organizationId),
    createLlm: (model, createOptions) => {
      const client = models.createLlm(model, createOptions);
      return options.metrics ? instrumentLlm(client, options.metrics) : client;
    },
    costOf: models.costOf,
    configCache: createConfigCache({ ttlMs: 60_000 }),
  };
}
