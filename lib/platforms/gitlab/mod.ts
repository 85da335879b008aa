/**
 * GitLab (gitlab.com and self-managed) adapter: webhook verification and parsing, and a `PlatformClient` on
 * `@gitbeaker/rest`. Imports only `lib/platforms/types.ts` and `lib/config/env.ts` (types) from Loom; no I/O at
 * import time.
 * @module
 */
import type { ServerConfig } from "../../config/env.ts";
import type { PlatformClient } from "../types.ts";
import { createGitLabClient } from "./client.ts";

export { createGitLabClient } from "./client.ts";
export type { GitLabClientOptions, GitLabLineRangeEnd, GitLabPosition } from "./client.ts";
export { gitlabWebhook, SIGNING_TOKEN_PREFIX } from "./webhook.ts";

/** What a caller may add to `ServerConfig` when it asks for a GitLab client. */
export interface GitLabClientConfigOptions {
  fetch?: typeof fetch;
  /** A token to use instead of `LOOM_GITLAB_TOKEN` (e.g. one stored for the repository). */
  token?: string;
}

/**
 * Creates a GitLab client from server configuration (`gitlabUrl`, `gitlabToken`).
 * @param config server configuration
 * @param options fetch and token override
 * @throws {Error} when no token is configured or given
 */
export function createGitLabClientFromConfig(
  config: ServerConfig,
  options: GitLabClientConfigOptions = {},
): PlatformClient {
  const token = options.token ?? config.gitlabToken;
  if (token === undefined) {
    throw new Error("Cannot create a GitLab client: no credentials: set LOOM_GITLAB_TOKEN");
  }
  return createGitLabClient({ baseUrl: config.gitlabUrl, token, fetch: options.fetch });
}
