/**
 * Bitbucket Cloud: webhook verification and parsing, and a small typed REST client. Imports only
 * `lib/platforms/types.ts` and `lib/config/env.ts` (types) from Loom.
 */
import type { ServerConfig } from "../../config/env.ts";
import type { PlatformClient } from "../types.ts";
import { type BitbucketClientOptions, createBitbucketClient, SUMMARY_MARKER } from "./client.ts";

export { type BitbucketClientOptions, createBitbucketClient, SUMMARY_MARKER };
export { bitbucketWebhook } from "./webhook.ts";
export { hasSuggestion, suggestionToDiffBlock } from "./suggestion.ts";

/** What a caller may add to `ServerConfig` when it asks for a Bitbucket client. */
export interface BitbucketClientConfigOptions {
  fetch?: typeof fetch;
  /** A token to use instead of `LOOM_BITBUCKET_TOKEN` (e.g. one stored for the repository). */
  token?: string;
}

/**
 * Creates a Bitbucket Cloud client from server configuration (`LOOM_BITBUCKET_URL`, `LOOM_BITBUCKET_TOKEN`).
 * @param config server configuration
 * @param options fetch and a token override
 * @throws {Error} when no token is configured or given
 */
export function createBitbucketClientFromConfig(
  config: ServerConfig,
  options: BitbucketClientConfigOptions = {},
): PlatformClient {
  const token = options.token ?? config.bitbucketToken;
  if (token === undefined || token === "") {
    throw new Error(
      "Cannot create a Bitbucket client: no credentials: set LOOM_BITBUCKET_TOKEN to an access token or to " +
        "<email>:<API token>",
    );
  }
  return createBitbucketClient({
    baseUrl: config.bitbucketUrl,
    token,
    fetch: options.fetch,
    commentDelayMs: config.platformCommentDelayMs,
  });
}
