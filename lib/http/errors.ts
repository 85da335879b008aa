import type { Context } from "hono";
import type { AppEnv } from "./define.ts";

/** An error with an HTTP status, thrown only from routes and middleware. */
export class HttpError extends Error {
  constructor(readonly status: number, message?: string, options?: ErrorOptions) {
    super(message ?? `HTTP ${status}`, options);
    this.name = "HttpError";
  }
}

/** The one mapping from errors to responses: `HttpError` keeps its status; anything else is logged and 500. */
export function handleError(error: Error, c: Context<AppEnv>): Response {
  if (error instanceof HttpError) {
    return c.json({ error: error.message }, error.status as 400);
  }
  c.var.log?.error("Request failed", { error, path: c.req.path });
  return c.json({ error: "Internal server error", requestId: c.var.requestId }, 500);
}
