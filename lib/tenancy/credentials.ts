/**
 * The one place that decides which credential a repository's platform requests and model calls use. A
 * repository belongs to an organization, and so do its credentials: the organization's own token for the
 * repository's platform *and host* (saved under Settings → API keys, encrypted), else the server's environment
 * credentials when the operator lends them to that organization (`lending.ts`), else a `MissingCredentialError`
 * that says what to do. A GitHub App installation recorded on the repository is its own credential, while the
 * repository's organization owns it (claimed, `lib/db/github_installations.ts`) and it is active. Model keys
 * are resolved likewise per provider. Nothing else builds a repository's platform client: `createRepoClient` is
 * what `lib/runtime.ts` hands to reviews, commands, the webhook head check and connecting.
 */
import type { ServerConfig } from "../config/env.ts";
import type { ResolvedModel } from "../config/models.ts";
import type { SecretBox } from "../crypto/secret_box.ts";
import type { Db } from "../db/mod.ts";
import { sql } from "../db/mod.ts";
import type { Repo } from "../db/repos.ts";
import { findUsableCredential, openCredential } from "../db/credential_use.ts";
import { installationServes } from "../db/github_installations.ts";
import type { Logger } from "../log.ts";
import type { PlatformId } from "../platform_id.ts";
import { configuredHost } from "../platforms/hosts.ts";
import { createPlatformClient, type PlatformClient } from "../platforms/mod.ts";
import { serverCredentialsLent } from "./lending.ts";

export interface CredentialDeps {
  db: Db;
  /** Opens the organizations' stored credentials; without it only the server's lent credentials are used. */
  secretBox?: SecretBox;
  server: ServerConfig;
}

export const PLATFORM_NAMES: Readonly<Record<PlatformId, string>> = {
  github: "GitHub",
  gitlab: "GitLab",
  gitea: "Gitea",
  bitbucket: "Bitbucket",
  bitbucket_server: "Bitbucket Data Center",
  azure_devops: "Azure DevOps",
};

const PROVIDER_NAMES: Readonly<Record<ResolvedModel["provider"], string>> = {
  openai: "OpenAI",
  anthropic: "Anthropic",
  google: "Google",
};

/** No credential may be used: permanent (`retryable: false`), with the step that fixes it. */
export class MissingCredentialError extends Error {
  readonly retryable = false;
  readonly nextStep: string;
  constructor(message: string, nextStep: string) {
    super(message);
    this.name = "MissingCredentialError";
    this.nextStep = nextStep;
  }
}

/** Which credential a repository's platform requests use. */
export interface PlatformCredential {
  source: "organization" | "server" | "installation";
  /** The stored credential's name, `LOOM_<PLATFORM>_TOKEN` for the server's, `GitHub App` for an installation. */
  name: string;
  /** The stored credential's id (source `organization`). */
  credentialId?: number;
  /** The token (source `organization`); the server's and an installation's stay inside the client factory. */
  token?: string;
  /** The API base URL saved with an organization's credential for a self-hosted instance. */
  apiUrl?: string;
}

const SERVER_TOKEN_SETTINGS: Readonly<Record<PlatformId, keyof ServerConfig>> = {
  github: "githubToken",
  gitlab: "gitlabToken",
  gitea: "giteaToken",
  bitbucket: "bitbucketToken",
  bitbucket_server: "bitbucketServerToken",
  azure_devops: "azureDevopsToken",
};

const SERVER_TOKEN_NAMES: Readonly<Record<PlatformId, string>> = {
  github: "LOOM_GITHUB_TOKEN",
  gitlab: "LOOM_GITLAB_TOKEN",
  gitea: "LOOM_GITEA_TOKEN",
  bitbucket: "LOOM_BITBUCKET_TOKEN",
  bitbucket_server: "LOOM_BITBUCKET_SERVER_TOKEN",
  azure_devops: "LOOM_AZURE_DEVOPS_TOKEN",
};

async function organizationSlug(db: Db, organizationId: number | null): Promise<string> {
  if (organizationId === null) return "(none)";
  const rows = await db.query<{ slug: string }>(
    sql`select slug from organizations where id = ${organizationId}`,
  );
  return rows[0]?.slug ?? String(organizationId);
}

function hasGitHubApp(server: ServerConfig): boolean {
  return server.githubAppId !== undefined && server.githubAppPrivateKey !== undefined;
}

/**
 * The credential `repo`'s platform requests use.
 * @throws {MissingCredentialError} when the organization has none for the repository's platform and host and the
 *   server's is not lent to it (or the server has none for that instance)
 */
export async function resolvePlatformCredential(
  deps: CredentialDeps,
  repo: Pick<Repo, "platform" | "host" | "organizationId" | "installationId">,
): Promise<PlatformCredential> {
  const configured = configuredHost(repo.platform, deps.server);
  if (repo.platform === "github" && repo.installationId !== null && hasGitHubApp(deps.server)) {
    // The installation acts only for the organization that claimed it, and only while it is active.
    const installation = {
      host: repo.host || configured || "",
      installationId: repo.installationId,
      organizationId: repo.organizationId,
    };
    if (await installationServes(deps.db, installation)) {
      return { source: "installation", name: "GitHub App" };
    }
    const slug = await organizationSlug(deps.db, repo.organizationId);
    throw new MissingCredentialError(
      `GitHub App installation ${repo.installationId} does not serve organization ${slug}: it is not claimed ` +
        "by it, or it is suspended or uninstalled",
      `An admin of ${slug} claims the installation under Settings → GitHub App installations (or installs the ` +
        "App again), then re-runs the review.",
    );
  }
  const host = repo.host || configured || "";
  if (repo.organizationId !== null && deps.secretBox !== undefined) {
    const stored = await findUsableCredential(deps.db, repo.organizationId, repo.platform, {
      host,
      configuredHost: configured,
    });
    if (stored) {
      return {
        source: "organization",
        name: stored.name,
        credentialId: stored.id,
        token: await openCredential(deps.secretBox, stored),
        ...(stored.apiUrl ? { apiUrl: stored.apiUrl } : {}),
      };
    }
  }
  const serverHas = deps.server[SERVER_TOKEN_SETTINGS[repo.platform]] !== undefined &&
    host === (configured ?? "");
  if (serverHas && await serverCredentialsLent(deps.db, deps.server, repo.organizationId)) {
    return { source: "server", name: SERVER_TOKEN_NAMES[repo.platform] };
  }
  const platform = PLATFORM_NAMES[repo.platform];
  const slug = await organizationSlug(deps.db, repo.organizationId);
  throw new MissingCredentialError(
    `No ${platform} credential for ${host || "this instance"} in organization ${slug}: add one under ` +
      `Settings → API keys, or ask the operator to lend the server's (LOOM_SHARE_SERVER_CREDENTIALS)`,
    `An admin of ${slug} adds a ${platform} token for ${host || "this instance"} that can read the ` +
      "repository under Settings → API keys, then re-runs the review.",
  );
}

/** A platform client for `credential` on `platform` (also used by Settings' Test button). */
export function clientForCredential(
  server: ServerConfig,
  platform: PlatformId,
  credential: PlatformCredential,
  options: { installationId?: number; log?: Logger; signal?: AbortSignal; timeoutMs?: number } = {},
): PlatformClient {
  const config = credential.apiUrl ? withApiUrl(server, platform, credential.apiUrl) : server;
  return createPlatformClient(platform, config, {
    ...(credential.token === undefined ? {} : { token: credential.token }),
    ...(credential.source === "installation" ? { installationId: options.installationId } : {}),
    log: options.log,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
  });
}

function withApiUrl(server: ServerConfig, platform: PlatformId, apiUrl: string): ServerConfig {
  switch (platform) {
    case "github":
      return { ...server, githubApiUrl: apiUrl };
    case "gitlab":
      return { ...server, gitlabUrl: apiUrl };
    case "gitea":
      return { ...server, giteaUrl: apiUrl };
    case "bitbucket":
      return { ...server, bitbucketUrl: apiUrl };
    case "bitbucket_server":
      return { ...server, bitbucketServerUrl: apiUrl };
    case "azure_devops":
      return { ...server, azureDevopsUrl: apiUrl };
  }
}

/** `repo`'s platform client, with the credential `resolvePlatformCredential` picks. */
export async function createRepoClient(
  deps: CredentialDeps,
  repo: Pick<Repo, "platform" | "host" | "organizationId" | "installationId">,
  options: { log?: Logger; signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<PlatformClient> {
  const credential = await resolvePlatformCredential(deps, repo);
  return clientForCredential(deps.server, repo.platform, credential, {
    ...options,
    installationId: repo.installationId ?? undefined,
  });
}

/** Puts the organization's model keys on resolved models; built once per review by `resolveModelKeys`. */
export interface ModelKeys {
  /**
   * `model` (and its fallbacks) with the key it may use.
   * @throws {MissingCredentialError} when a model needs a key the organization lacks and the server's is not lent
   */
  apply(model: ResolvedModel): ResolvedModel;
}

/**
 * The organization's model keys, read once: a stored key of the model's provider replaces the server's; without
 * one, the server's key (`LOOM_LLM_API_KEY` or an allowlisted `api_key_env`) is kept only when lent to the
 * organization. A model on a base URL with no key at all (a local server) needs none.
 */
export async function resolveModelKeys(
  deps: CredentialDeps,
  organizationId: number | null,
): Promise<ModelKeys> {
  const stored = new Map<string, string>();
  if (organizationId !== null && deps.secretBox !== undefined) {
    for (const provider of Object.keys(PROVIDER_NAMES) as ResolvedModel["provider"][]) {
      const credential = await findUsableCredential(deps.db, organizationId, provider);
      if (credential) stored.set(provider, await openCredential(deps.secretBox, credential));
    }
  }
  const lent = await serverCredentialsLent(deps.db, deps.server, organizationId);
  const slug = await organizationSlug(deps.db, organizationId);
  const keyOf = (model: ResolvedModel): string | undefined => {
    const own = stored.get(model.provider);
    if (own !== undefined) return own;
    if (lent) return model.apiKey;
    if (model.apiKey === undefined && model.baseUrl !== undefined) return undefined;
    const provider = PROVIDER_NAMES[model.provider];
    throw new MissingCredentialError(
      `No ${provider} key in organization ${slug} for model "${model.name}": add one under Settings → API keys, ` +
        "or ask the operator to lend the server's (LOOM_SHARE_SERVER_CREDENTIALS)",
      `An admin of ${slug} adds a ${provider} key under Settings → API keys, then re-runs the review.`,
    );
  };
  const apply = (model: ResolvedModel): ResolvedModel => {
    const apiKey = keyOf(model);
    const { apiKey: _serverKey, fallback, ...rest } = model;
    return {
      ...rest,
      ...(apiKey === undefined ? {} : { apiKey }),
      ...(fallback === undefined ? {} : { fallback: apply(fallback) }),
    };
  };
  return { apply };
}
