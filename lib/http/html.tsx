/**
 * HTML answers: a full page with the security headers every page carries, and the one mapping from an error to
 * a response — an HTML page for a browser, JSON for an API client — so a 404 or 500 reads the same way whether a
 * route, a missing route or an unexpected exception produced it.
 */
import type { Context } from "hono";
import type { ComponentChildren } from "preact";
import { renderToString } from "preact-render-to-string";
import type { AppEnv } from "./define.ts";
import { Layout } from "./layout.tsx";
import type { Chrome } from "./chrome.ts";

export function renderHtml(
  c: Context<AppEnv>,
  title: string,
  children: ComponentChildren,
  options: { chrome?: Chrome; status?: number } = {},
): Response {
  c.header("cache-control", "no-store");
  c.header("x-frame-options", "DENY");
  // Scripts and styles only from this origin: an injected `<script>`, inline handler, `<style>` or `style=""`
  // would not apply even if escaping failed. The stylesheet is the file `static/loom.css` (`layout.tsx`).
  c.header(
    "content-security-policy",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
      "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  );
  c.header("x-content-type-options", "nosniff");
  c.header("referrer-policy", "same-origin");
  return c.html(
    "<!doctype html>" + renderToString(<Layout title={title} chrome={options.chrome}>{children}</Layout>),
    (options.status ?? 200) as 200,
  );
}

/**
 * A browser asks for `text/html` on a page URL; everything under `/api/` and every client that does not accept
 * HTML (curl's `*\/*`, SDKs, the islands' `accept: application/json`) is an API client and gets JSON.
 */
function wantsHtml(c: Context<AppEnv>): boolean {
  if (c.req.path.startsWith("/api/")) return false;
  return (c.req.header("accept") ?? "").includes("text/html");
}

const TITLES: Record<number, string> = {
  400: "Bad request",
  403: "Not allowed",
  404: "Not found",
  413: "Too large",
  429: "Too many requests",
};

/** The page title of an error status: 5xx are all "Something went wrong". */
function errorTitle(status: number): string {
  return TITLES[status] ?? (status >= 500 ? "Something went wrong" : "Cannot do that");
}

/**
 * The error answer for `status`: HTML for a browser (with the navigation when signed in), JSON otherwise;
 * `html` decides instead of the request (a dashboard page always answers HTML, its API always JSON).
 */
export function errorResponse(
  c: Context<AppEnv>,
  status: number,
  message: string,
  options: { chrome?: Chrome; json?: Record<string, unknown>; html?: boolean } = {},
): Response {
  if (!(options.html ?? wantsHtml(c))) return c.json({ error: message, ...options.json }, status as 400);
  const title = errorTitle(status);
  return renderHtml(
    c,
    title,
    <section class="panel" data-testid="error">
      <h1>{title}</h1>
      <p>{message}</p>
      {status >= 500 && <p class="muted small">Request id: {c.var.requestId}</p>}
      <p>
        <a href="/">Back to the dashboard</a>
      </p>
    </section>,
    { chrome: options.chrome, status },
  );
}
