/**
 * Gitea and Forgejo adapter: webhook verification and parsing, and a `PlatformClient` on `gitea-js`.
 * Imports only `lib/platforms/types.ts` and `lib/config/env.ts` (types) from Loom; no I/O at import time.
 * @module
 */
import type { ServerConfig } from "../../config/env.ts";
import type { PlatformClient } from "../types.ts";
import { createGiteaClient } from "./client.ts";
import { giteaArchive } from "../archive_download.ts";

export { createGiteaClient, toReviewComment } from "./client.ts";
export type { GiteaClientOptions, GiteaReviewComment } from "./client.ts";
export { decodeGiteaBody, giteaPayloadText, giteaWebhook } from "./webhook.ts";

/** What a caller may add to `ServerConfig` when it asks for a Gitea client. */
export interface GiteaClientConfigOptions {
  fetch?: typeof fetch;
  /** A token to use instead of `LOOM_GITEA_TOKEN` (e.g. one stored for the repository). */
  token?: string;
}

/**
 * Creates a Gitea/Forgejo client from server configuration (`giteaUrl`, `giteaToken`).
 * @param config server configuration
 * @param options fetch and token override
 * @throws {Error} when the instance URL or a token is missing
 */
export function createGiteaClientFromConfig(
  config: ServerConfig,
  options: GiteaClientConfigOptions = {},
): PlatformClient {
  if (config.giteaUrl === undefined) {
    throw new Error("Cannot create a Gitea client: no instance URL: set LOOM_GITEA_URL");
  }
  const token = options.token ?? config.giteaToken;
  if (token === undefined) {
    throw new Error("Cannot create a Gitea client: no credentials: set LOOM_GITEA_TOKEN");
  }
  const clientOptions = { baseUrl: config.giteaUrl, token, fetch: options.fetch };
  // The archive download (`canReadArchive`) lives beside the client, which is at its 500-line limit.
  return { ...createGiteaClient(clientOptions), ...giteaArchive(clientOptions) };
}
