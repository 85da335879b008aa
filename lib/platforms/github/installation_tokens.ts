/**
 * Installation tokens, minted per installation and kept until shortly before they expire. A review builds a new
 * client for every job, so a token kept by the client alone would cost one `POST …/access_tokens` per job; kept
 * here, one process mints one token per installation per hour (GitHub's lifetime), and concurrent jobs of one
 * installation wait for the same mint instead of each minting their own. Tokens are keyed by API URL, App id and
 * installation id: two Apps or two GitHub instances never share one.
 */
import { Octokit } from "@octokit/rest";
import { createAppAuth } from "@octokit/auth-app";

/** A token is handed out only while it has this long left (GitHub's tokens live 1 h): a request started with
 * it still finishes well before it expires, clock skew included. */
export const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

export interface InstallationTokenRequest {
  baseUrl: string;
  appId: string;
  privateKey: string;
  installationId: number;
  /** The fetch of the client asking (its deadline and job signal); the mint runs on it. */
  fetch?: typeof fetch;
}

export interface InstallationTokenCache {
  /** A token of the installation with at least `TOKEN_REFRESH_MARGIN_MS` left, minted when none is. */
  get(request: InstallationTokenRequest): Promise<string>;
  /** Drops the installation's token (GitHub refused it: revoked, or the installation suspended). */
  forget(request: Pick<InstallationTokenRequest, "baseUrl" | "appId" | "installationId">): void;
}

interface Entry {
  token: string;
  expiresAt: number;
}

function keyOf(request: Pick<InstallationTokenRequest, "baseUrl" | "appId" | "installationId">): string {
  return `${request.baseUrl.replace(/\/+$/, "")}|${request.appId}|${request.installationId}`;
}

/** Exchanges an App JWT for an installation token (`POST /app/installations/{id}/access_tokens`). */
async function mint(request: InstallationTokenRequest): Promise<Entry> {
  const { request: send } = new Octokit({
    baseUrl: request.baseUrl.replace(/\/+$/, ""),
    userAgent: "loom",
    // A refused exchange reaches the caller as an error; Octokit's own request log would print it to the console.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    request: request.fetch === undefined ? {} : { fetch: request.fetch },
  });
  const auth = createAppAuth({
    appId: request.appId,
    privateKey: request.privateKey,
    installationId: request.installationId,
    request: send,
  });
  const result = await auth({ type: "installation", installationId: request.installationId, refresh: true });
  return { token: result.token, expiresAt: Date.parse(result.expiresAt) };
}

/**
 * Creates a token cache.
 * @param options `now` for tests; `mint` replaces the exchange (tests)
 */
export function createInstallationTokenCache(
  options: { now?: () => number; mint?: (request: InstallationTokenRequest) => Promise<Entry> } = {},
): InstallationTokenCache {
  const now = options.now ?? Date.now;
  const exchange = options.mint ?? mint;
  const tokens = new Map<string, Entry>();
  const minting = new Map<string, Promise<Entry>>();
  return {
    async get(request) {
      const key = keyOf(request);
      const kept = tokens.get(key);
      if (kept && kept.expiresAt - now() > TOKEN_REFRESH_MARGIN_MS) return kept.token;
      let pending = minting.get(key);
      if (pending === undefined) {
        pending = exchange(request).finally(() => minting.delete(key));
        minting.set(key, pending);
      }
      const entry = await pending;
      tokens.set(key, entry);
      return entry.token;
    },
    forget(request) {
      tokens.delete(keyOf(request));
    },
  };
}

/**
 * Makes every request of `octokit` (GraphQL's too) carry the installation's current token from `tokens`. A 401
 * means GitHub no longer takes the kept one (revoked early): it is dropped and the request tried once more with a
 * fresh one.
 */
export function authenticateAsInstallation(
  octokit: Octokit,
  tokens: InstallationTokenCache,
  installation: InstallationTokenRequest,
): void {
  octokit.hook.wrap("request", async (request, requestOptions) => {
    requestOptions.headers.authorization = `token ${await tokens.get(installation)}`;
    try {
      return await request(requestOptions);
    } catch (error) {
      if ((error as { status?: unknown } | null)?.status !== 401) throw error;
      tokens.forget(installation);
      requestOptions.headers.authorization = `token ${await tokens.get(installation)}`;
      return await request(requestOptions);
    }
  });
}

/** The process's cache, shared by every GitHub client of the process. */
export const installationTokens: InstallationTokenCache = createInstallationTokenCache();
