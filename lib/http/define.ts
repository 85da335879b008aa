/**
 * The route module contract (Fresh's shape on Hono): a route file exports `handler`, an object keyed by HTTP
 * method. Dependencies reach handlers as typed Hono variables (`c.var.deps`), set once by `createApp`.
 *
 * A route sees only the dependencies it names: `HttpDeps` (`c.var.deps`) is what every route may use (the
 * database, the configuration, the log, the secret box, the clock); a route that needs more — the webhook route
 * its parsers and head check, the sign-in routes their OAuth providers, `/metrics` its registry — reads them with
 * `routeDeps<…>(c)`, naming the words of the module that owns them. So this file, and a route that does not use
 * them, imports nothing of the webhooks, sign-in or metrics. `createApp` takes them all: its `AppDeps`
 * (`app.ts`) is `HttpDeps` and every route's extra words, so what `routeDeps` names is there.
 */
import type { Context } from "hono";
import type { Db } from "../db/mod.ts";
import type { Logger } from "../log.ts";
import type { ServerConfig } from "../config/env.ts";
import type { SecretBox } from "../crypto/secret_box.ts";

export interface HttpDeps {
  db: Db;
  config: ServerConfig;
  log: Logger;
  /** Encrypts and decrypts the stored secrets (webhook secrets, credentials). */
  secretBox: SecretBox;
  /** Wakes the embedded worker when a job is enqueued (single-process mode). */
  onEnqueued?: () => void;
  now?: () => number;
  /** Directory that holds the stylesheet and the built islands (`static/`). */
  staticDir?: string;
}

export type AppEnv = { Variables: { deps: HttpDeps; requestId: string; log: Logger } };

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

/**
 * A route's dependencies with the extra words `D` it names (`routeDeps<WebhookRouteDeps>(c)`). `createApp` is
 * given `AppDeps`, which holds every route's extras, so they are present; this only widens the type.
 */
export function routeDeps<D extends object>(c: Context<AppEnv>): HttpDeps & D {
  return c.var.deps as HttpDeps & D;
}
