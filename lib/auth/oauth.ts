/**
 * GitHub and GitLab sign-in with `arctic`. GitLab takes a base URL, so a self-managed instance (or a local fake)
 * works as is. arctic's GitHub endpoints are fixed to github.com, so its code exchange is injectable; the profile
 * is read from `githubApiUrl` with the injectable `fetch`.
 */
import { GitHub, GitLab } from "arctic";
import type { ServerConfig } from "../config/env.ts";

export type OAuthProviderId = "github" | "gitlab";

export interface OAuthProfile {
  /** The provider's stable user id. */
  id: string;
  /** A verified email, or `null` when the provider gives none. */
  email: string | null;
  name: string;
  login: string;
}

export interface OAuthProvider {
  id: OAuthProviderId;
  label: string;
  authorizationUrl(state: string): URL;
  /** Exchanges the callback's `code` for an access token. */
  exchangeCode(code: string): Promise<string>;
  fetchProfile(accessToken: string): Promise<OAuthProfile>;
}

export type OAuthProviders = Partial<Record<OAuthProviderId, OAuthProvider>>;

export interface OAuthOptions {
  fetch?: typeof fetch;
  /** Replaces arctic's GitHub token exchange, whose endpoint cannot be pointed elsewhere. */
  exchangeGitHubCode?: (code: string) => Promise<string>;
}

async function getJson(fetchFn: typeof fetch, url: string, token: string): Promise<unknown> {
  const response = await fetchFn(url, {
    headers: { authorization: `Bearer ${token}`, accept: "application/json", "user-agent": "loom" },
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`Cannot read the OAuth profile from ${url}: HTTP ${response.status}`);
  }
  return await response.json();
}

/** The providers configured by `LOOM_GITHUB_OAUTH_CLIENT_ID`/`_SECRET` and `LOOM_GITLAB_OAUTH_CLIENT_ID`/`_SECRET`. */
export function createOAuthProviders(config: ServerConfig, options: OAuthOptions = {}): OAuthProviders {
  const fetchFn = options.fetch ?? fetch;
  const providers: OAuthProviders = {};
  if (config.githubOauthClientId && config.githubOauthClientSecret) {
    const github = new GitHub(
      config.githubOauthClientId,
      config.githubOauthClientSecret,
      new URL("/auth/github/callback", config.publicUrl).href,
    );
    const api = config.githubApiUrl.replace(/\/+$/, "");
    providers.github = {
      id: "github",
      label: "GitHub",
      authorizationUrl: (state) => github.createAuthorizationURL(state, ["read:user", "user:email"]),
      exchangeCode: options.exchangeGitHubCode ??
        (async (code) => (await github.validateAuthorizationCode(code)).accessToken()),
      async fetchProfile(token) {
        const user = await getJson(fetchFn, `${api}/user`, token) as {
          id: number;
          login: string;
          name?: string | null;
        };
        const emails = await getJson(fetchFn, `${api}/user/emails`, token).catch(() => []) as {
          email: string;
          primary: boolean;
          verified: boolean;
        }[];
        const verified = Array.isArray(emails)
          ? emails.find((entry) => entry.primary && entry.verified)
          : undefined;
        return {
          id: String(user.id),
          login: user.login,
          name: user.name || user.login,
          email: verified?.email ?? null,
        };
      },
    };
  }
  if (config.gitlabOauthClientId && config.gitlabOauthClientSecret) {
    const base = config.gitlabUrl.replace(/\/+$/, "");
    const gitlab = new GitLab(
      base,
      config.gitlabOauthClientId,
      config.gitlabOauthClientSecret,
      new URL("/auth/gitlab/callback", config.publicUrl).href,
    );
    providers.gitlab = {
      id: "gitlab",
      label: "GitLab",
      authorizationUrl: (state) => gitlab.createAuthorizationURL(state, ["read_user"]),
      exchangeCode: async (code) => (await gitlab.validateAuthorizationCode(code)).accessToken(),
      async fetchProfile(token) {
        const user = await getJson(fetchFn, `${base}/api/v4/user`, token) as {
          id: number;
          username: string;
          name?: string;
          email?: string;
          confirmed_at?: string | null;
        };
        return {
          id: String(user.id),
          login: user.username,
          name: user.name || user.username,
          // GitLab's `email` is the primary address, which it only accepts once confirmed.
          email: user.email && user.confirmed_at !== null ? user.email : null,
        };
      },
    };
  }
  return providers;
}
