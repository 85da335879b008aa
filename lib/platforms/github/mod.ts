/**
 * GitHub and GitHub Enterprise: webhook verification and parsing, and the REST client. Imports only
 * `lib/platforms/types.ts`, `lib/config/env.ts` (types) and `lib/log.ts` from Loom.
 */
import type { ServerConfig } from "../../config/env.ts";
import type { Logger } from "../../log.ts";
import type { PlatformClient } from "../types.ts";
import { createGitHubClient, type GitHubAppCredentials, type GitHubClientOptions } from "./client.ts";

export { createGitHubClient, type GitHubAppCredentials, type GitHubClientOptions };
export { githubWebhook } from "./webhook.ts";

/** What a caller may add to `ServerConfig` when it asks for a GitHub client. */
export interface GitHubClientConfigOptions {
  fetch?: typeof fetch;
  /** A token to use instead of the configured credentials (e.g. one stored for the repository). */
  token?: string;
  /** The App installation that sent the webhook (`installation.id`); selects App auth when the App is configured. */
  installationId?: number;
  log?: Logger;
}

/**
 * Creates a GitHub client from server configuration: an explicit `token` first, then the GitHub App when
 * `installationId` is given and the App is configured, then `LOOM_GITHUB_TOKEN`.
 * @param config server configuration (`githubApiUrl`, `githubToken`, `githubAppId`, `githubAppPrivateKey`)
 * @param options fetch, token override, installation id and logger
 * @throws {Error} when no credentials fit
 */
export function createGitHubClientFromConfig(
  config: ServerConfig,
  options: GitHubClientConfigOptions = {},
): PlatformClient {
  const common = { baseUrl: config.githubApiUrl, fetch: options.fetch, log: options.log };
  if (options.token !== undefined) return createGitHubClient({ ...common, token: options.token });
  const { githubAppId: appId, githubAppPrivateKey: privateKey } = config;
  if (options.installationId !== undefined && appId !== undefined && privateKey !== undefined) {
    return createGitHubClient({
      ...common,
      // A PEM pasted into a one-line environment variable usually arrives with literal "\n" sequences.
      app: { appId, privateKey: privateKey.replaceAll("\\n", "\n"), installationId: options.installationId },
    });
  }
  if (config.githubToken !== undefined) return createGitHubClient({ ...common, token: config.githubToken });
  throw new Error(
    "Cannot create a GitHub client: no credentials: set LOOM_GITHUB_TOKEN, or LOOM_GITHUB_APP_ID and " +
      "LOOM_GITHUB_APP_PRIVATE_KEY and pass the installation id",
  );
}
