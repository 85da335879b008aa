/**
 * Azure DevOps Services and Server: service-hook verification and parsing, a small typed REST client, and the
 * local line diff that stands in for the missing diff API. Imports only `lib/platforms/types.ts` and
 * `lib/config/env.ts` (types) from Loom.
 */
import type { ServerConfig } from "../../config/env.ts";
import type { PlatformClient } from "../types.ts";
import { type AzureDevopsClientOptions, createAzureDevopsClient, SUMMARY_MARKER } from "./client.ts";

export { type AzureDevopsClientOptions, createAzureDevopsClient, SUMMARY_MARKER };
export { type AzureDevopsHookSecret, azureDevopsWebhook, parseAzureDevopsHookSecret } from "./webhook.ts";
export { buildFileDiff, type FileVersions } from "./line_diff.ts";

/** What a caller may add to `ServerConfig` when it asks for an Azure DevOps client. */
export interface AzureDevopsClientConfigOptions {
  fetch?: typeof fetch;
  /** A personal access token to use instead of `LOOM_AZURE_DEVOPS_TOKEN`. */
  token?: string;
}

/**
 * Creates an Azure DevOps client from server configuration. `LOOM_AZURE_DEVOPS_URL` must name the organization
 * (`https://dev.azure.com/<organization>`) or the Server collection (`https://host/tfs/<collection>`), because
 * Loom's repository names are `project/repository`.
 * @param config server configuration (`azureDevopsUrl`, `azureDevopsToken`)
 * @param options fetch and a token override
 * @throws {Error} when no token is configured or the URL names no organization
 */
export function createAzureDevopsClientFromConfig(
  config: ServerConfig,
  options: AzureDevopsClientConfigOptions = {},
): PlatformClient {
  const token = options.token ?? config.azureDevopsToken;
  if (token === undefined || token === "") {
    throw new Error(
      "Cannot create an Azure DevOps client: no credentials: set LOOM_AZURE_DEVOPS_TOKEN to a PAT",
    );
  }
  const url = new URL(config.azureDevopsUrl);
  if (url.pathname.replace(/\/+$/, "") === "") {
    throw new Error(
      `Cannot create an Azure DevOps client: LOOM_AZURE_DEVOPS_URL must end with "/<organization>" (or ` +
        `"/<collection>" on Server): current value is "${config.azureDevopsUrl}"`,
    );
  }
  return createAzureDevopsClient({
    baseUrl: config.azureDevopsUrl,
    token,
    fetch: options.fetch,
    commentDelayMs: config.platformCommentDelayMs,
  });
}
