/**
 * Model resolution against the server allowlists: a repository names its models, the server decides which
 * endpoints and key variables they may use. The server's own key goes only to the server's own provider and
 * endpoint.
 */
import type { ServerConfig } from "./env.ts";
import type { AllowedKey } from "./allowed_keys.ts";
import { ConfigError } from "./errors.ts";
import { formatKeyPath, locateIssues } from "./parse.ts";
import type { ModelConfig, RawIssue, RepoConfig } from "./schema.ts";
import { suggest } from "./suggest.ts";

/** A model ready for `lib/llm`: allowlists applied, API key read from the server environment. */
export interface ResolvedModel {
  name: string;
  provider: ModelConfig["provider"];
  model: string;
  baseUrl?: string;
  apiKey?: string;
  temperature?: number;
  maxOutputTokens?: number;
  timeoutMs?: number;
  fallback?: ResolvedModel;
}

function sameUrl(a: string | undefined, b: string | undefined): boolean {
  const trim = (url: string | undefined) => url?.replace(/\/+$/, "");
  return trim(a) === trim(b);
}

/**
 * Whether `url` lies under `prefix`: same scheme, host and port, and the prefix path ends at a segment
 * boundary, so `https://api.example.com` never admits `https://api.example.com.evil.test`.
 */
export function urlIsUnder(url: string, prefix: string): boolean {
  let target: URL;
  let allowed: URL;
  try {
    target = new URL(url);
    allowed = new URL(prefix);
  } catch {
    return false;
  }
  if (target.origin !== allowed.origin || target.username !== "" || target.password !== "") return false;
  const base = allowed.pathname.replace(/\/+$/, "");
  return base === "" || target.pathname === base || target.pathname.startsWith(`${base}/`);
}

/** Whether the key of `pair` may be sent to `baseUrl` (unset: the provider's own endpoint). */
function keyMayGoTo(pair: AllowedKey, baseUrl: string | undefined): boolean {
  if (pair.baseUrl === undefined) return baseUrl === undefined;
  return baseUrl !== undefined && urlIsUnder(baseUrl, pair.baseUrl);
}

/**
 * Whether a model without a key of its own may call `baseUrl`: under an entry of `LOOM_ALLOWED_BASE_URLS`, or
 * the server's own endpoint. Pushes the issue when not.
 */
function keylessBaseUrlAllowed(
  name: string,
  baseUrl: string,
  server: ServerConfig,
  issues: RawIssue[],
): boolean {
  if (
    sameUrl(baseUrl, server.llmBaseUrl) ||
    server.allowedBaseUrls.some((prefix) => urlIsUnder(baseUrl, prefix))
  ) {
    return true;
  }
  issues.push({
    path: ["models", name, "base_url"],
    message:
      `Must start with a base URL the server allows (LOOM_ALLOWED_BASE_URLS): current value is "${baseUrl}"`,
  });
  return false;
}

function serverDefaultModel(server: ServerConfig): ResolvedModel {
  return {
    name: "default",
    provider: server.llmProvider,
    model: server.llmModel,
    ...(server.llmBaseUrl === undefined ? {} : { baseUrl: server.llmBaseUrl }),
    ...(server.llmApiKey === undefined ? {} : { apiKey: server.llmApiKey }),
  };
}

function resolveInto(
  config: RepoConfig,
  name: string,
  server: ServerConfig,
  issues: RawIssue[],
  seen: string[],
): ResolvedModel | undefined {
  const entry = config.models[name];
  if (entry === undefined) {
    if (name === "default") return serverDefaultModel(server);
    issues.push({
      path: ["models"],
      message: `Cannot find model "${name}": it is not defined in models`,
      suggestion: suggest(name, ["default", ...Object.keys(config.models)]),
    });
    return undefined;
  }
  const resolved: ResolvedModel = { name, provider: entry.provider, model: entry.model };
  const issueCount = issues.length;
  // Messages name the setting to change, never its values: they are posted on pull requests, and the
  // allowlists hold internal URLs and other organizations' key names.
  if (entry.api_key_env !== undefined) {
    const pairs = server.allowedKeyEnvs.filter((allowed) => allowed.name === entry.api_key_env);
    if (pairs.length === 0) {
      issues.push({
        path: ["models", name, "api_key_env"],
        message:
          `Must be a variable the server allows (LOOM_ALLOWED_KEY_ENVS): current value is "${entry.api_key_env}"`,
      });
      if (entry.base_url !== undefined) keylessBaseUrlAllowed(name, entry.base_url, server, issues);
    } else if (!pairs.some((pair) => keyMayGoTo(pair, entry.base_url))) {
      // The key is allowed, but not to this endpoint: another key's endpoint must not receive it.
      issues.push(
        entry.base_url === undefined
          ? {
            path: ["models", name, "api_key_env"],
            message:
              `Cannot send "${entry.api_key_env}" to the provider's own endpoint: the server pairs this ` +
              "key with other endpoints (LOOM_ALLOWED_KEY_ENVS); set base_url to one of them",
          }
          : {
            path: ["models", name, "base_url"],
            message:
              `Cannot send "${entry.api_key_env}" to "${entry.base_url}": the server does not pair this ` +
              "key with this endpoint (LOOM_ALLOWED_KEY_ENVS)",
          },
      );
    } else if (!server.env[entry.api_key_env]) {
      issues.push({
        path: ["models", name, "api_key_env"],
        message: `Cannot read "${entry.api_key_env}": the server allows it but it is not set`,
      });
    } else {
      resolved.apiKey = server.env[entry.api_key_env];
      if (entry.base_url !== undefined) resolved.baseUrl = entry.base_url;
    }
  } else {
    if (entry.base_url !== undefined && keylessBaseUrlAllowed(name, entry.base_url, server, issues)) {
      resolved.baseUrl = entry.base_url;
    }
    if (entry.provider === server.llmProvider && sameUrl(entry.base_url, server.llmBaseUrl)) {
      // The server's own key goes only to the server's own endpoint, never to a URL the repository chose.
      if (server.llmApiKey !== undefined) resolved.apiKey = server.llmApiKey;
    }
  }
  if (entry.temperature !== undefined) resolved.temperature = entry.temperature;
  if (entry.max_output_tokens !== undefined) resolved.maxOutputTokens = entry.max_output_tokens;
  if (entry.timeout_ms !== undefined) resolved.timeoutMs = entry.timeout_ms;
  if (entry.fallback !== undefined && !seen.includes(entry.fallback)) {
    const fallback = resolveInto(config, entry.fallback, server, issues, [...seen, entry.fallback]);
    if (fallback !== undefined) resolved.fallback = fallback;
  }
  return issues.length === issueCount ? resolved : undefined;
}

/** Problems every model in the configuration has with the server allowlists (raw paths, for locating). */
export function modelAccessIssues(config: RepoConfig, server: ServerConfig): RawIssue[] {
  const issues: RawIssue[] = [];
  for (const name of Object.keys(config.models)) {
    resolveInto(config, name, server, issues, [name]);
  }
  const unique = new Map(issues.map((issue) => [`${formatKeyPath(issue.path)}\n${issue.message}`, issue]));
  return [...unique.values()];
}

/**
 * Resolves a named model for `lib/llm`, applying the server allowlists: `api_key_env` must be in
 * `server.allowedKeyEnvs` (its value comes from `server.env`) paired with the model's endpoint (`base_url`, or
 * none for the provider's own), and a model without a key of its own may use a `base_url` only under an entry
 * of `server.allowedBaseUrls` or the server's own `llmBaseUrl`. The name "default" means the server's
 * model unless the repository defines one. A repository model without `api_key_env` gets the server key only
 * when it targets the server's provider and endpoint.
 * @throws {ConfigError} for an unknown name or an allowlist violation anywhere in the fallback chain
 */
export function resolveModel(config: RepoConfig, name: string, server: ServerConfig): ResolvedModel {
  const issues: RawIssue[] = [];
  const resolved = resolveInto(config, name, server, issues, [name]);
  if (resolved === undefined || issues.length > 0) {
    throw new ConfigError(locateIssues(issues, () => undefined));
  }
  return resolved;
}
