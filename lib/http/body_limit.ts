/**
 * Bounds every request body while it streams in, before any route parses it. A body is refused with 413 as soon
 * as it is known to be too large:
 * 1. a `Content-Length` over the limit (or not a number) is refused before a byte is read;
 * 2. otherwise the body is counted as the route reads it — also when `Content-Length` is missing (chunked) or
 *    lies — and the read fails at the first chunk past the limit, so at most one chunk (Deno reads 64 KiB at a
 *    time) beyond the limit is ever held.
 * The rest of an oversized body is never read: the connection is closed after the 413, so a 400 MB upload costs
 * the server its first few chunks, not 400 MB (tests/security/body_limit_process_test.ts measures the RSS).
 * `hono/body-limit` is not enough: it believes a declared `Content-Length` and never counts such a body, and it
 * buffers the whole body before the route runs.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./define.ts";
import { errorResponse } from "./html.tsx";

/** The request body went past its route's limit while it was being read. */
export class BodyTooLargeError extends RangeError {
  constructor(readonly limitBytes: number) {
    super(`Cannot read the request body: it is larger than the limit of ${limitBytes} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/** True for the error a read of an oversized body fails with, however the reader wrapped it. */
export function isBodyTooLarge(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof BodyTooLargeError) return true;
  }
  return false;
}

function tooLarge(c: Context<AppEnv>, limitBytes: number): Response {
  // The unread rest of the body would otherwise be drained to keep the connection alive.
  c.header("connection", "close");
  return errorResponse(c, 413, `The request body is larger than the limit of ${limitBytes} bytes`);
}

export interface BodyLimitOptions {
  /** Called for each refused request (to count it in a metric, to note it in a delivery log), and awaited. */
  onRefused?: (c: Context<AppEnv>) => void | Promise<void>;
}

/** Limits each request's body to `limitFor(path)` bytes. */
export function bodyLimit(
  limitFor: (path: string) => number,
  options: BodyLimitOptions = {},
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return await next();
    const limit = limitFor(c.req.path);
    const declared = c.req.header("content-length");
    if (declared !== undefined && !(/^\d{1,15}$/.test(declared) && Number(declared) <= limit)) {
      await body.cancel().catch(() => {});
      await options.onRefused?.(c);
      return tooLarge(c, limit);
    }
    let received = 0;
    let exceeded = false;
    const counted = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          received += chunk.byteLength;
          if (received > limit) {
            exceeded = true;
            controller.error(new BodyTooLargeError(limit));
            return;
          }
          controller.enqueue(chunk);
        },
      }),
    );
    c.req.raw = new Request(c.req.raw, { body: counted, duplex: "half" } as RequestInit);
    await next();
    // A route that caught the failed read (`json().catch(() => null)`) answered 400; the truth is 413.
    if (exceeded) {
      await options.onRefused?.(c);
      c.res = tooLarge(c, limit);
    }
  };
}
