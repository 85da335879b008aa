import type { MiddlewareHandler } from "hono";
import { extname, join, normalize } from "node:path";

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** The file path a `/static/…` request names, or `null` when it is not valid percent-encoded text. */
function decodePath(requestPath: string): string | null {
  try {
    const decoded = decodeURIComponent(requestPath.replace(/^\/static\//, ""));
    // A NUL byte makes the file system call throw; control characters are never in a built file's name.
    // deno-lint-ignore no-control-regex
    return /[\u0000-\u001f\\]/.test(decoded) ? null : decoded;
  } catch {
    return null;
  }
}

/**
 * Serves files under `directory` for `/static/*`; refuses paths that climb out of it (404) and malformed ones
 * (bad percent-encoding, NUL and other control bytes, backslashes) with 400, never an error.
 */
export function serveStatic(directory: string): MiddlewareHandler {
  // With its trailing slash, so a sibling such as `static-private/` does not pass the prefix check below.
  const rootDirectory = normalize(`${directory}/`);
  return async (c) => {
    const relativePath = decodePath(c.req.path);
    if (relativePath === null) return c.json({ error: "Malformed static file path" }, 400);
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
