/**
 * A stateful local GitHub REST server for tests. It implements the endpoints Loom's GitHub client calls, with
 * GitHub's response shapes, status codes and quirks that matter (406 `too_large` diffs, 422 for a whole review
 * when one comment is off the diff, `Link` pagination, installation tokens minted from an RS256 app JWT), so
 * `@octokit/rest` runs against it unmodified over real HTTP.
 *
 * This file wires the parts on the shared server core (`server_core.ts`): the public types are in
 * `github/types.ts`, seeded and written data in `github/state.ts`, the endpoints in `github/routes.ts` (one row
 * each), who calls in `github/auth.ts`, GitHub's JSON shapes in `github/shapes.ts`.
 */
import { readJsonOrText, startFakeServer } from "./server_core.ts";
import { authenticate } from "./github/auth.ts";
import { githubRoutes } from "./github/routes.ts";
import { githubAppRoutes } from "./github/app.ts";
import { githubArchiveRoutes } from "./github/archive.ts";
import { createShapes, RouteError } from "./github/shapes.ts";
import { createGitHubStore } from "./github/state.ts";
import { createRepoAccess, tokenOf } from "./repo_access.ts";
import { completeAnswer, contractViolations } from "./github/contract.ts";
import {
  FAKE_GITHUB_TOKEN,
  type FakeGitHub,
  type FakeGitHubOptions,
  type RecordedRequest,
} from "./github/types.ts";

export { parseFakeDiff } from "./github/diff.ts";
export * from "./github/types.ts";

/**
 * Starts the fake on 127.0.0.1 with a random port.
 * @param options accepted tokens, GitHub App, Enterprise prefix and size limits
 * @returns the API URL, mutable state, every recorded request and `close()`
 */
export function startFakeGitHub(options: FakeGitHubOptions = {}): FakeGitHub {
  const basePath = (options.basePath ?? "").replace(/\/$/, "");
  const tokens = new Map(Object.entries(options.tokens ?? { [FAKE_GITHUB_TOKEN]: "loom-bot" }));
  const store = createGitHubStore();
  const access = createRepoAccess(options.access);
  let origin = "";
  let requests: RecordedRequest[] = [];
  const api = () => `${origin}${basePath}`;
  const shapes = createShapes(store.state, api, () => requests.length);

  /** A request a test asked to hold waits here until released (or the fake closes). */
  const holdHook = async (path: string) => {
    const index = store.holds.findIndex((hold) => matches(hold.pattern, path));
    if (index < 0) return undefined;
    const [hold] = store.holds.splice(index, 1);
    store.heldNow.add(hold!.release);
    await hold!.held;
    store.heldNow.delete(hold!.release);
    return undefined;
  };
  /** The next scripted failure whose pattern matches answers instead of the route, once. */
  const failureHook = (path: string) => {
    const index = store.failures.findIndex((failure) => matches(failure.pattern, path));
    if (index < 0) return undefined;
    const [failure] = store.failures.splice(index, 1);
    const message = failure!.status === 429 || failure!.status === 403
      ? "API rate limit exceeded"
      : failure!.status >= 500
      ? "Server Error"
      : "Scripted failure";
    throw new RouteError(failure!.status, message, undefined, failure!.headers);
  };

  const server = startFakeServer({
    path(url) {
      // GitHub Enterprise Server serves GraphQL at `/api/graphql` beside the REST `/api/v3`.
      if (basePath.endsWith("/api/v3") && url.pathname === basePath.replace(/\/v3$/, "/graphql")) {
        return "/graphql";
      }
      return url.pathname.startsWith(`${basePath}/`) ? url.pathname.slice(basePath.length) : undefined;
    },
    readBody: readJsonOrText,
    record: (request): RecordedRequest => ({
      method: request.method,
      path: request.url.pathname,
      search: request.url.searchParams,
      headers: request.headers,
      body: request.body,
    }),
    before: [
      (request) => holdHook(request.path),
      (request) => failureHook(request.path),
      (request) => {
        // `readJsonOrText` keeps a body that is not JSON as its text; GitHub refuses it.
        // The OAuth token exchange is GitHub's one form-encoded endpoint.
        if (typeof request.body === "string" && request.path !== "/login/oauth/access_token") {
          throw new RouteError(400, "Problems parsing JSON");
        }
        return undefined;
      },
    ],
    authenticate: (request) => {
      const caller = authenticate(request.headers, tokens, store.installationUsers);
      const repo = /^\/repos\/([^/]+)\/([^/]+)/.exec(request.path);
      if (repo && !access.canRead(tokenOf(request.headers), `${repo[1]}/${repo[2]}`)) {
        throw new RouteError(404, "Not Found");
      }
      return caller;
    },
    routes: [
      ...githubRoutes({
        store,
        shapes,
        app: options.app,
        api,
        maxDiffFiles: options.maxDiffFiles ?? 300,
        maxDiffLines: options.maxDiffLines ?? 20_000,
        maxContentBytes: options.maxContentBytes ?? 1_000_000,
      }),
      ...githubAppRoutes({ store, shapes, app: options.app, tokens, api }),
      ...githubArchiveRoutes(store, api),
    ],
    notFound: () => shapes.errorJson(new RouteError(404, "Not Found")),
    onError: (error) => shapes.errorJson(error),
    after: options.contract === false ? undefined : async (request, response) => {
      const completed = await completeAnswer(request, response);
      violations.push(...await contractViolations(request, completed));
      return completed;
    },
    onClose: () => {
      for (const release of store.heldNow) release();
    },
  });
  const violations: string[] = [];
  origin = server.origin;
  requests = server.requests;
  const close = async () => {
    await server.close();
    if (violations.length > 0) {
      throw new Error(
        `The GitHub fake broke GitHub's REST contract:\n- ${[...new Set(violations)].join("\n- ")}`,
      );
    }
  };
  return {
    url: api(),
    state: store.state,
    requests,
    contractViolations: violations,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function matches(pattern: string | RegExp, path: string): boolean {
  return typeof pattern === "string" ? path.includes(pattern) : pattern.test(path);
}
