/**
 * What claiming a GitHub App installation asks GitHub (docs/platforms/github.md, "Who owns an installation"):
 * the App's own view of an installation (App JWT), the repositories it can read (installation token), and — with
 * a user access token from the App's OAuth web flow — who the signed-in GitHub user is and whether they may
 * manage the installed account. Nothing here trusts an installation id from a URL: every answer is GitHub's.
 */
import { Octokit } from "@octokit/rest";
import { createAppAuth } from "@octokit/auth-app";
import { CodeChallengeMethod, OAuth2Client } from "arctic";
import { githubWebUrl } from "./web_url.ts";
import type { AppRepository } from "./app_events.ts";
import { type InstallationTokenCache, installationTokens } from "./installation_tokens.ts";

export interface GitHubAppSettings {
  /** `LOOM_GITHUB_API_URL`. */
  apiUrl: string;
  appId: string;
  privateKey: string;
  /** The App's OAuth client (`LOOM_GITHUB_APP_CLIENT_ID`, `…_SECRET`), for the user authorization. */
  clientId?: string;
  clientSecret?: string;
  fetch?: typeof fetch;
  tokenCache?: InstallationTokenCache;
}

export interface AppInstallationInfo {
  installationId: number;
  accountLogin: string;
  accountId: number | null;
  /** `User`, `Organization` or `Enterprise`. */
  accountType: string;
  suspended: boolean;
}

/** Whether the GitHub user behind a user token may claim an installation, and why not. */
export type ClaimProof =
  | { ok: true; login: string; installation: AppInstallationInfo }
  | { ok: false; reason: string };

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

function toInfo(data: {
  id: number;
  account?: { login?: string; id?: number; type?: string; slug?: string } | null;
  "target_type"?: string;
  "suspended_at"?: string | null;
}): AppInstallationInfo {
  return {
    installationId: data.id,
    accountLogin: data.account?.login ?? data.account?.slug ?? `installation ${data.id}`,
    accountId: data.account?.id ?? null,
    accountType: data.account?.type ?? data.target_type ?? "User",
    suspended: (data.suspended_at ?? null) !== null,
  };
}

/**
 * Creates the App's API for claims.
 * @param settings API URL, App id and key, the App's OAuth client, fetch
 */
export function createGitHubAppApi(settings: GitHubAppSettings) {
  const baseUrl = settings.apiUrl.replace(/\/+$/, "");
  const request = settings.fetch === undefined ? {} : { fetch: settings.fetch };
  // Refusals (a 404 for an unknown installation) are answers here; Octokit would also print them to the console.
  const log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  const privateKey = settings.privateKey.replaceAll("\\n", "\n");
  const asApp = new Octokit({
    baseUrl,
    userAgent: "loom",
    log,
    request,
    authStrategy: createAppAuth,
    auth: { appId: settings.appId, privateKey },
  });
  const asUser = (token: string) => new Octokit({ baseUrl, userAgent: "loom", log, request, auth: token });
  const web = githubWebUrl(settings.apiUrl);
  const oauth = (redirectUri: string) => {
    if (!settings.clientId || !settings.clientSecret) {
      throw new Error(
        "Cannot verify a GitHub App installation: set LOOM_GITHUB_APP_CLIENT_ID and LOOM_GITHUB_APP_CLIENT_SECRET",
      );
    }
    return new OAuth2Client(settings.clientId, settings.clientSecret, redirectUri);
  };

  /** The installation as the App sees it; `null` when it does not exist (or is not this App's). */
  async function installation(installationId: number): Promise<AppInstallationInfo | null> {
    try {
      const { data } = await asApp.rest.apps.getInstallation({ "installation_id": installationId });
      return toInfo(data as Parameters<typeof toInfo>[0]);
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  return {
    installation,

    /** The page that installs the App (`<html_url>/installations/new`). */
    async installUrl(): Promise<string> {
      const { data } = await asApp.rest.apps.getAuthenticated();
      return `${data?.html_url ?? `${web}/apps/${data?.slug}`}/installations/new`;
    },

    /** The repositories the installation can read, with an installation token. */
    async installationRepositories(installationId: number): Promise<AppRepository[]> {
      const tokens = settings.tokenCache ?? installationTokens;
      const token = await tokens.get({
        baseUrl,
        appId: settings.appId,
        privateKey,
        installationId,
        fetch: settings.fetch,
      });
      const repositories = await asUser(token).paginate("GET /installation/repositories", {
        "per_page": 100,
      });
      return (repositories as unknown as { id: number; full_name: string }[]).map((repository) => ({
        platformRepoId: String(repository.id),
        fullName: repository.full_name,
      }));
    },

    /** GitHub's consent page for the App's user authorization, with PKCE. */
    authorizationUrl(redirectUri: string, state: string, codeVerifier: string): URL {
      return oauth(redirectUri).createAuthorizationURLWithPKCE(
        `${web}/login/oauth/authorize`,
        state,
        CodeChallengeMethod.S256,
        codeVerifier,
        [],
      );
    },

    /** Exchanges the authorization's code for a user access token. */
    async exchangeCode(redirectUri: string, code: string, codeVerifier: string): Promise<string> {
      const tokens = await oauth(redirectUri).validateAuthorizationCode(
        `${web}/login/oauth/access_token`,
        code,
        codeVerifier,
      );
      return tokens.accessToken();
    },

    /**
     * Whether the user of `userToken` may claim `installationId`: GitHub lists the installation among the user's
     * (`GET /user/installations`), and the user manages its account — the account itself, or an admin (owner)
     * of the organization (`GET /user/memberships/orgs/{org}`). Enterprise installations are not claimable.
     */
    async proveClaim(userToken: string, installationId: number): Promise<ClaimProof> {
      const user = asUser(userToken);
      const { data: me } = await user.rest.users.getAuthenticated();
      const visible = await user.paginate("GET /user/installations", { "per_page": 100 }) as unknown as {
        id: number;
      }[];
      if (!visible.some((item) => item.id === installationId)) {
        return {
          ok: false,
          reason: `GitHub does not list installation ${installationId} for ${me.login}`,
        };
      }
      const info = await installation(installationId);
      if (info === null) return { ok: false, reason: `Installation ${installationId} does not exist` };
      if (info.accountType === "User") {
        return info.accountId === me.id
          ? { ok: true, login: me.login, installation: info }
          : { ok: false, reason: `${me.login} is not the account ${info.accountLogin}` };
      }
      if (info.accountType !== "Organization") {
        return { ok: false, reason: `${info.accountType} installations cannot be claimed` };
      }
      try {
        const { data } = await user.rest.orgs.getMembershipForAuthenticatedUser({ org: info.accountLogin });
        if (data.state === "active" && data.role === "admin") {
          return { ok: true, login: me.login, installation: info };
        }
      } catch (error) {
        if (statusOf(error) !== 404 && statusOf(error) !== 403) throw error;
      }
      return {
        ok: false,
        reason: `${me.login} is not an owner of the GitHub organization ${info.accountLogin}`,
      };
    },
  };
}

export type GitHubAppApi = ReturnType<typeof createGitHubAppApi>;
