/**
 * Bitbucket Data Center / Server: webhook verification and parsing, and a small typed REST 1.0 client. Imports
 * only `lib/platforms/` and `lib/config/env.ts` (types) from Loom.
 */
import type { ServerConfig } from "../../config/env.ts";
import { type BitbucketServerClient, createBitbucketServerClient } from "./client.ts";

export {
  type BitbucketServerClient,
  type BitbucketServerClientOptions,
  createBitbucketServerClient,
} from "./client.ts";
export { bitbucketServerWebhook, serverRepoName } from "./webhook.ts";

/** What a caller may add to `ServerConfig` when it asks for a Bitbucket Data Center client. */
export interface BitbucketServerClientConfigOptions {
  fetch?: typeof fetch;
  /** A token to use instead of `LOOM_BITBUCKET_SERVER_TOKEN` (e.g. one stored for the organization). */
  token?: string;
}

/**
 * Creates a Bitbucket Data Center client from server configuration (`LOOM_BITBUCKET_SERVER_URL`,
 * `LOOM_BITBUCKET_SERVER_TOKEN`).
 * @param config server configuration
 * @param options fetch and a token override
 * @throws {Error} when the instance URL or a token is missing
 */
export function createBitbucketServerClientFromConfig(
  config: ServerConfig,
  options: BitbucketServerClientConfigOptions = {},
): BitbucketServerClient {
  if (!config.bitbucketServerUrl) {
    throw new Error(
      "Cannot create a Bitbucket Data Center client: no instance: set LOOM_BITBUCKET_SERVER_URL to its root URL " +
        "(e.g. https://bitbucket.example.com)",
    );
  }
  const token = options.token ?? config.bitbucketServerToken;
  if (token === undefined || token === "") {
    throw new Error(
      "Cannot create a Bitbucket Data Center client: no credentials: set LOOM_BITBUCKET_SERVER_TOKEN to a " +
        "personal or HTTP access token",
    );
  }
  return createBitbucketServerClient({
    baseUrl: config.bitbucketServerUrl,
    token,
    fetch: options.fetch,
    commentDelayMs: config.platformCommentDelayMs,
  });
}
