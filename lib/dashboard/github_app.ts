/**
 * Claiming a GitHub App installation for an organization, and connecting what it offers. The rule
 * (docs/platforms/github.md, "Who owns an installation"): an installation id in a URL proves nothing — GitHub's
 * setup redirect can be forged — so the admin signs in to GitHub through the App's own OAuth client, and the
 * claim holds only when GitHub lists the installation for that GitHub user and the user manages the installed
 * account (is that user account, or an owner of that GitHub organization). Then the installation is recorded as
 * the organization's, unless another organization owns it already.
 */
import type { ServerConfig } from "../config/env.ts";
import type { Db } from "../db/mod.ts";
import {
  adoptInstallationRepos,
  claimInstallation,
  findOfferedRepository,
  type GitHubInstallation,
  type InstallationPause,
  offerRepositories,
} from "../db/github_installations.ts";
import { createRepo, isUniqueViolation, type Repo } from "../db/repos.ts";
import { randomSecret, type SecretBox } from "../crypto/secret_box.ts";
import { configuredHost } from "../platforms/hosts.ts";
import { createGitHubAppApi, type GitHubAppApi } from "../platforms/github/app_api.ts";

/** What a repository page says when Loom paused the repository for its installation (`repos.paused_reason`). */
export const INSTALLATION_PAUSES: Readonly<Record<InstallationPause, string>> = {
  "installation_deleted":
    "Paused by Loom: the GitHub App was uninstalled from this account. Install it again " +
    "and claim the installation to resume.",
  "installation_suspended":
    "Paused by Loom: the GitHub App installation is suspended. Reviews resume when it " +
    "is unsuspended.",
  "repository_removed":
    "Paused by Loom: the repository was removed from the GitHub App installation. Reviews " +
    "resume when it is added back.",
};

/** The App's API from server configuration; `null` when the App is not configured. */
export function gitHubAppApi(config: ServerConfig): GitHubAppApi | null {
  if (config.githubAppId === undefined || config.githubAppPrivateKey === undefined) return null;
  return createGitHubAppApi({
    apiUrl: config.githubApiUrl,
    appId: config.githubAppId,
    privateKey: config.githubAppPrivateKey,
    clientId: config.githubAppClientId,
    clientSecret: config.githubAppClientSecret,
  });
}

/** The cookie that carries a claim from the setup redirect to the callback (`/settings/github-app/`). */
export const CLAIM_COOKIE = "loom_github_app_claim";

/** Where GitHub sends the admin back after the App's user authorization. */
export function claimCallbackUrl(config: ServerConfig): string {
  return new URL("/settings/github-app/callback", config.publicUrl).href;
}

export type ClaimResult =
  | { ok: true; installation: GitHubInstallation; offered: number; resumed: number }
  | { ok: false; status: 403 | 409; reason: string };

/**
 * Claims `installationId` for the organization once GitHub proves the user of `userToken` may manage it, then
 * offers the repositories it can read and resumes the organization's repositories an earlier, uninstalled
 * installation of the same repositories left paused.
 */
export async function claimWithProof(
  deps: { db: Db; config: ServerConfig; api: GitHubAppApi; now?: () => number },
  claim: { userToken: string; installationId: number; organizationId: number; userId: number },
): Promise<ClaimResult> {
  const proof = await deps.api.proveClaim(claim.userToken, claim.installationId);
  if (!proof.ok) return { ok: false, status: 403, reason: proof.reason };
  const host = configuredHost("github", deps.config) ?? "github.com";
  const installation = await claimInstallation(
    deps.db,
    {
      host,
      installationId: proof.installation.installationId,
      accountLogin: proof.installation.accountLogin,
      accountId: proof.installation.accountId,
      accountType: proof.installation.accountType,
    },
    { organizationId: claim.organizationId, userId: claim.userId },
    deps.now,
  );
  if (installation === null) {
    return {
      ok: false,
      status: 409,
      reason:
        `Installation ${claim.installationId} (${proof.installation.accountLogin}) belongs to another ` +
        "organization in Loom, or was uninstalled",
    };
  }
  const repositories = await deps.api.installationRepositories(installation.installationId);
  await offerRepositories(deps.db, installation, repositories, deps.now);
  const resumed = await adoptInstallationRepos(deps.db, installation);
  return { ok: true, installation, offered: repositories.length, resumed };
}

/**
 * Connects a repository an installation of the organization offers, bound to that installation; `null` when it
 * offers no such repository (another organization's, already connected, or made up).
 */
export async function connectOffered(
  deps: { db: Db; secretBox: SecretBox; now?: () => number },
  input: { organizationId: number; host: string; platformRepoId: string },
): Promise<Repo | null> {
  const offered = await findOfferedRepository(
    deps.db,
    input.organizationId,
    input.host,
    input.platformRepoId,
  );
  if (offered === null) return null;
  try {
    return await createRepo(deps.db, {
      platform: "github",
      host: offered.host,
      platformRepoId: offered.platformRepoId,
      fullName: offered.fullName,
      organizationId: input.organizationId,
      installationId: offered.installationId,
      // App deliveries are verified with the App's secret; a per-repository webhook can still be added.
      webhookSecret: await deps.secretBox.encrypt(randomSecret()),
    }, deps.now);
  } catch (error) {
    // Connected meanwhile, by this organization or (by name) another: no second row.
    if (isUniqueViolation(error)) return null;
    throw error;
  }
}
