/**
 * Git platform adapters: the contract every platform implements and the explicit registry that picks one.
 * Adding a platform is one folder plus one line in each map below. Must not import `lib/db`, `lib/queue` or
 * `lib/review`.
 */
import type { ServerConfig } from "../config/env.ts";
import type { Logger } from "../log.ts";
import { createGitHubClientFromConfig, githubWebhook } from "./github/mod.ts";
import { createGitLabClientFromConfig, gitlabWebhook } from "./gitlab/mod.ts";
import { createGiteaClientFromConfig, giteaWebhook } from "./gitea/mod.ts";
import { bitbucketWebhook, createBitbucketClientFromConfig } from "./bitbucket/mod.ts";
import { azureDevopsWebhook, createAzureDevopsClientFromConfig } from "./azure_devops/mod.ts";
import { bitbucketServerWebhook, createBitbucketServerClientFromConfig } from "./bitbucket_server/mod.ts";
import type { PlatformClient, PlatformId, WebhookParser } from "./types.ts";
import { withDeadline } from "./deadline.ts";
import type { PlatformCapabilities } from "./capabilities.ts";
import { githubCapabilities } from "./github/capabilities.ts";
import { gitlabCapabilities } from "./gitlab/capabilities.ts";
import { giteaCapabilities } from "./gitea/capabilities.ts";
import { bitbucketCapabilities } from "./bitbucket/capabilities.ts";
import { azureDevopsCapabilities } from "./azure_devops/capabilities.ts";
import { bitbucketServerCapabilities } from "./bitbucket_server/capabilities.ts";

export { listOwnComments } from "./own_comments.ts";
export {
  CAPABILITY_ROWS,
  type CapabilityKey,
  isSupported,
  type PlatformCapabilities,
  type SuggestionSyntax,
  type Support,
  supportNote,
} from "./capabilities.ts";
export {
  canResolveThreads,
  type CommentEvent,
  type CommitState,
  type CommitStatus,
  type ExistingComment,
  type InlineComment,
  type PlatformClient,
  PlatformError,
  type PlatformId,
  type PullRequest,
  type PullRequestAction,
  type PullRequestEvent,
  type PullRequestRef,
  type ResolvesThreads,
  type ReviewEvent,
  type ReviewOutput,
  type ThreadResolution,
  type WebhookEvent,
  type WebhookParser,
} from "./types.ts";

/** Options for `createPlatformClient` beyond what `ServerConfig` holds. */
export interface PlatformClientOptions {
  fetch?: typeof fetch;
  /** A token to use instead of the configured one. */
  token?: string;
  /** GitHub App installation id from the webhook; GitHub uses App auth when it is given and the App is configured. */
  installationId?: number;
  log?: Logger;
  /** Aborts every request of the client (the job's signal). */
  signal?: AbortSignal;
  /** Deadline of each request; `LOOM_PLATFORM_TIMEOUT_MS` (30 s) unless given. */
  timeoutMs?: number;
}

/** Builds one platform's client from server configuration. */
export type PlatformClientFactory = (config: ServerConfig, options: PlatformClientOptions) => PlatformClient;

/**
 * Webhook verification and parsing, by platform. `satisfies` makes a platform added to `PlatformId` without a
 * parser (or a client below) a type error, so a platform cannot be half-registered.
 */
export const WEBHOOK_PARSERS = {
  github: githubWebhook,
  gitlab: gitlabWebhook,
  gitea: giteaWebhook,
  bitbucket: bitbucketWebhook,
  bitbucket_server: bitbucketServerWebhook,
  azure_devops: azureDevopsWebhook,
} as const satisfies Record<PlatformId, WebhookParser>;

/** API client factories, by platform. */
export const PLATFORM_CLIENTS = {
  github: createGitHubClientFromConfig,
  gitlab: createGitLabClientFromConfig,
  gitea: createGiteaClientFromConfig,
  bitbucket: createBitbucketClientFromConfig,
  bitbucket_server: createBitbucketServerClientFromConfig,
  azure_devops: createAzureDevopsClientFromConfig,
} as const satisfies Record<PlatformId, PlatformClientFactory>;

/**
 * What each platform can do beyond the contract (`capabilities.ts`): read by the code that acts on it and by the
 * generated capability matrix in `docs/platforms/README.md`.
 */
export const PLATFORM_CAPABILITIES = {
  github: githubCapabilities,
  gitlab: gitlabCapabilities,
  gitea: giteaCapabilities,
  bitbucket: bitbucketCapabilities,
  bitbucket_server: bitbucketServerCapabilities,
  azure_devops: azureDevopsCapabilities,
} as const satisfies Record<PlatformId, PlatformCapabilities>;

/**
 * Creates the API client for `platform` from server configuration.
 * @param platform which platform
 * @param config server configuration with that platform's URL and credentials
 * @param options fetch, token override, GitHub installation id, logger, and the signal and deadline every request
 *   of the client is held to
 * @throws {Error} when the platform is not registered yet or has no credentials configured
 */
export function createPlatformClient(
  platform: PlatformId,
  config: ServerConfig,
  options: PlatformClientOptions = {},
): PlatformClient {
  const factory = PLATFORM_CLIENTS[platform];
  if (factory === undefined) {
    const known = Object.keys(PLATFORM_CLIENTS).map((id) => `"${id}"`).join(", ");
    throw new Error(
      `Cannot create a client for platform "${platform}": not supported yet: supported are ${known}`,
    );
  }
  const timeoutMs = options.timeoutMs ?? config.platformTimeoutMs;
  return factory(config, {
    ...options,
    fetch: withDeadline(options.fetch, { timeoutMs, signal: options.signal }),
  });
}
