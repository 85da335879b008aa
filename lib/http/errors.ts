import type { Context } from "hono";
import type { AppEnv } from "./define.ts";
import { errorResponse } from "./html.tsx";
import { loggablePath } from "./loggable_path.ts";
import { isBodyTooLarge } from "./body_limit.ts";

/** An error with an HTTP status, thrown only from routes and middleware. */
export class HttpError extends Error {
  constructor(readonly status: number, message?: string, options?: ErrorOptions) {
    super(message ?? `HTTP ${status}`, options);
    this.name = "HttpError";
  }
}

/**
 * The one mapping from errors to responses: `HttpError` keeps its status; anything else is logged and 500. A
 * browser gets an HTML page, an API client JSON (see `errorResponse`).
 */
export function handleError(error: Error, c: Context<AppEnv>): Response {
  if (error instanceof HttpError) return errorResponse(c, error.status, error.message);
  // `bodyLimit` turns this into its 413; it is the client's doing, not a server error worth a log line.
  if (isBodyTooLarge(error)) return errorResponse(c, 413, "The request body is too large");
  c.var.log?.error("Request failed", { error, path: loggablePath(c.req.path) });
  return errorResponse(c, 500, "Internal server error", { json: { requestId: c.var.requestId } });
}

/** A request no route matched. */
export function handleNotFound(c: Context<AppEnv>): Response {
  return errorResponse(c, 404, `Not found: ${c.req.path}`);
}
