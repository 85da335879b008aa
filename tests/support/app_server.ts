/** Serves `createApp` on a free localhost port for browser and HTTP tests. */
import { createApp } from "../../app.ts";
import type { AppDeps } from "../../app.ts";
import { createSecretBox } from "../../lib/crypto/secret_box.ts";
import { loadServerConfig } from "../../lib/config/env.ts";
import { silentLogger } from "../../lib/log.ts";
import type { Db } from "../../lib/db/mod.ts";
import { createWebhookCache } from "../../lib/webhooks/webhook_cache.ts";

export const TEST_SECRET_KEY = "test-secret-key-test-secret-key-0123456789";
/** The set-up token test apps accept (a real process derives its own from the secret key and logs it). */
export const TEST_SETUP_TOKEN = "0123456789abcdef0123456789abcdef";

export async function createTestDeps(db: Db, overrides: Partial<AppDeps> = {}): Promise<AppDeps> {
  return {
    db,
    // A loaded test machine can take longer than the 800 ms production deadline for a healthy write.
    config: loadServerConfig({ LOOM_SECRET_KEY: TEST_SECRET_KEY, LOOM_DB_REQUEST_TIMEOUT_MS: "10000" }),
    log: silentLogger,
    secretBox: await createSecretBox(TEST_SECRET_KEY),
    parsers: {},
    webhookCache: createWebhookCache(),
    setupToken: TEST_SETUP_TOKEN,
    ...overrides,
  };
}

export function serveApp(deps: AppDeps): { url: string } & AsyncDisposable {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, createApp(deps).fetch);
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}
