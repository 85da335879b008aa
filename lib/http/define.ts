/**
 * The route module contract (Fresh's shape on Hono): a route file exports `handler`, an object keyed by HTTP
 * method. Dependencies reach handlers as typed Hono variables (`c.var.deps`), set once by `createApp`.
 */
import type { Context } from "hono";
import type { Db } from "../db/mod.ts";
import type { Logger } from "../log.ts";
import type { ServerConfig } from "../config/env.ts";
import type { SecretBox } from "../crypto/secret_box.ts";
import type { PlatformId, WebhookParser } from "../platforms/types.ts";
import type { OAuthProviders } from "../auth/oauth.ts";
import type { LoomMetrics } from "../metrics.ts";
import type { ReadPullRequest } from "../webhooks/head_check.ts";
import type { WebhookCache } from "../webhooks/webhook_cache.ts";

export interface AppDeps {
  db: Db;
  config: ServerConfig;
  log: Logger;
  secretBox: SecretBox;
  parsers: Partial<Record<PlatformId, WebhookParser>>;
  /** Wakes the embedded worker when a job is enqueued (single-process mode). */
  onEnqueued?: () => void;
  /** Reads a pull request from its platform for the webhook route's replay check (`lib/webhooks/head_check.ts`). */
  readPullRequest?: ReadPullRequest;
  now?: () => number;
  /** Directory that holds the built islands (`static/`). */
  staticDir?: string;
  /** Dashboard sign-in providers; built from `config` when absent (tests pass ones pointed at fakes). */
  oauthProviders?: OAuthProviders;
  /** Prometheus metrics served at `/metrics` and updated by the webhook route. */
  metrics?: LoomMetrics;
  /** The one-time token `/setup` requires until the owner exists; without it, `/setup` refuses everyone. */
  setupToken?: string;
  /** Repository rows and decrypted secrets the webhook route keeps between requests (for this `secretBox`). */
  webhookCache?: WebhookCache;
}

export type AppEnv = { Variables: { deps: AppDeps; requestId: string; log: Logger } };

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
export type RouteHandler = (c: Context<AppEnv>) => Response | Promise<Response>;
export type RouteHandlers = Partial<Record<Method, RouteHandler>>;

export interface RouteModule {
  handler: RouteHandlers;
}

/** Declares a route's handlers with full typing of `c`. */
export function defineHandlers(handlers: RouteHandlers): RouteHandlers {
  return handlers;
}
