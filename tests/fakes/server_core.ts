/**
 * The HTTP server every platform fake runs on. It listens on 127.0.0.1 with a free port, reads each request's
 * body once, appends the fake's log entry before anything can refuse the request (so a test sees refused calls
 * too), runs the fake's `before` hooks (scripted failures, held requests), then its `authenticate` hook, then the
 * first route of the table whose method and path match. A fake brings only its platform's shapes: its routes,
 * its log entry, its error bodies.
 *
 * @example
 * ```ts
 * const server = startFakeServer({
 *   record: (request) => ({ method: request.method, path: request.path }),
 *   authenticate: (request) => request.headers.get("authorization") === "Bearer t" ? "bot" : json({}, 401),
 *   routes: [{ method: "GET", path: "/repos/:owner/:repo", handler: ({ params }) => json(params) }],
 *   notFound: () => json({ message: "Not Found" }, 404),
 * });
 * ```
 */

/** One request as hooks and routes see it: parsed once, with the path routes are matched against. */
export interface FakeRequest {
  readonly method: string;
  readonly url: URL;
  /** The URL's path with the fake's prefix removed, still percent-encoded (route parameters are decoded). */
  readonly path: string;
  readonly headers: Headers;
  /** The body as `readBody` parsed it; undefined when there is none. */
  readonly body: unknown;
  /** The server's own origin, `http://127.0.0.1:<port>`, for the URLs an answer links to. */
  readonly origin: string;
  readonly raw: Request;
}

/** What a route's handler gets: the request, its decoded path parameters and who `authenticate` said calls. */
export interface RouteContext<Caller> extends FakeRequest {
  readonly params: Record<string, string>;
  /** Undefined for a `public` route. */
  readonly caller: Caller;
}

export interface Route<Caller = undefined> {
  /** Upper case, e.g. `GET`. */
  method: string;
  /**
   * Matched against the whole path: a string where `:name` is one segment and `*name` the rest of the path, or a
   * RegExp whose named groups become parameters.
   */
  path: string | RegExp;
  /** Skips `authenticate`, for an endpoint that checks its own credentials (GitHub's app-JWT token exchange). */
  public?: boolean;
  handler(context: RouteContext<Caller>): Response | Promise<Response>;
}

/** An answer before routing, or undefined to go on. */
export type FakeHook = (request: FakeRequest) => Response | undefined | Promise<Response | undefined>;

export interface FakeServerOptions<Entry, Caller> {
  routes: Route<Caller>[];
  /** Turns a request into the fake's log entry (the fake's public `requests` shape). */
  record(request: FakeRequest): Entry;
  /** Answers when no route matches (after authentication, as the platforms do). */
  notFound(request: FakeRequest): Response;
  /** The routing path of a URL (default: its path); undefined answers `notFound` without authenticating. */
  path?(url: URL): string | undefined;
  /** Reads the body (default `readJsonOrText`). */
  readBody?(request: Request): Promise<unknown>;
  /** Run in order before authentication; the first answer wins. */
  before?: FakeHook[];
  /** Who calls, or the answer refusing the request (a thrown error goes to `onError`). */
  authenticate?(request: FakeRequest): Caller | Response | Promise<Caller | Response>;
  /** Turns what a hook or handler threw into an answer (default: 500 with the message). */
  onError?(error: unknown, request: FakeRequest): Response;
  /** Sees every answer before it is sent, and may replace it (completing or checking it against a contract). */
  after?(request: FakeRequest, response: Response): Response | void | Promise<Response | void>;
  /** Called by `close()` before the server shuts down, e.g. to release held requests. */
  onClose?(): void;
  /** Match literal path parts regardless of case (Azure DevOps' resource names). */
  caseInsensitive?: boolean;
}

export interface FakeServer<Entry> {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** Every request received, in arrival order. */
  requests: Entry[];
  close(): Promise<void>;
}

/** A JSON answer; `headers` may replace the content type. */
export function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  const merged = new Headers({ "content-type": "application/json; charset=utf-8" });
  for (const [name, value] of new Headers(headers)) merged.set(name, value);
  return new Response(JSON.stringify(body), { status, headers: merged });
}

/** The body parsed as JSON, the text itself when it is not JSON, undefined when empty. */
export async function readJsonOrText(request: Request): Promise<unknown> {
  const text = request.method === "GET" || request.method === "HEAD" ? "" : await request.text();
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function compile(path: string | RegExp, caseInsensitive: boolean): RegExp {
  if (path instanceof RegExp) return path;
  const source = path.replace(/[.+?^${}()|[\]\\]/g, "\\$&")
    .replace(/:([A-Za-z_]\w*)/g, "(?<$1>[^/]+)")
    .replace(/\*([A-Za-z_]\w*)/g, "(?<$1>.+)");
  return new RegExp(`^${source}$`, caseInsensitive ? "i" : "");
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Starts a fake on 127.0.0.1 with a free port. */
export function startFakeServer<Entry, Caller = undefined>(
  options: FakeServerOptions<Entry, Caller>,
): FakeServer<Entry> {
  const table = options.routes.map((route) => ({
    route,
    pattern: compile(route.path, options.caseInsensitive ?? false),
  }));
  const requests: Entry[] = [];
  let origin = "";

  const find = (method: string, path: string) => {
    for (const { route, pattern } of table) {
      if (route.method !== method) continue;
      const match = pattern.exec(path);
      if (match === null) continue;
      const params: Record<string, string> = {};
      for (const [name, value] of Object.entries(match.groups ?? {})) {
        if (value !== undefined) params[name] = decode(value);
      }
      return { route, params };
    }
    return undefined;
  };

  const answer = async (request: FakeRequest): Promise<Response> => {
    for (const hook of options.before ?? []) {
      const early = await hook(request);
      if (early !== undefined) return early;
    }
    const found = find(request.method, request.path);
    let caller = undefined as Caller;
    if (found?.route.public !== true && options.authenticate !== undefined) {
      const result = await options.authenticate(request);
      if (result instanceof Response) return result;
      caller = result;
    }
    if (found === undefined) return options.notFound(request);
    return await found.route.handler({ ...request, params: found.params, caller });
  };

  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (raw) => {
    const url = new URL(raw.url);
    const body = await (options.readBody ?? readJsonOrText)(raw);
    const path = (options.path ?? ((url: URL) => url.pathname))(url);
    const request: FakeRequest = {
      method: raw.method,
      url,
      path: path ?? url.pathname,
      headers: raw.headers,
      body,
      origin,
      raw,
    };
    requests.push(options.record(request));
    let response: Response;
    try {
      response = path === undefined ? options.notFound(request) : await answer(request);
    } catch (error) {
      response = options.onError !== undefined
        ? options.onError(error, request)
        : json({ message: `Fake server failed: ${String(error)}` }, 500);
    }
    return (await options.after?.(request, response)) ?? response;
  });
  origin = `http://127.0.0.1:${server.addr.port}`;
  return {
    origin,
    requests,
    close() {
      options.onClose?.();
      return server.shutdown();
    },
  };
}
