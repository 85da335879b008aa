import type { MiddlewareHandler } from "hono";
import { extname, join, normalize } from "node:path";

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** Serves files under `directory` for `/static/*`; refuses paths that climb out of it. */
export function serveStatic(directory: string): MiddlewareHandler {
  const rootDirectory = normalize(directory);
  return async (c) => {
    const relativePath = decodeURIComponent(c.req.path.replace(/^\/static\//, ""));
    const path = normalize(join(rootDirectory, relativePath));
    if (!path.startsWith(rootDirectory)) return c.json({ error: "Not found" }, 404);
    try {
      const file = await Deno.open(path, { read: true });
      return new Response(file.readable, {
        headers: {
          "content-type": TYPES[extname(path)] ?? "application/octet-stream",
          "cache-control": "no-cache",
        },
      });
    } catch {
      return c.json({ error: `Not found: ${c.req.path}` }, 404);
    }
  };
}
