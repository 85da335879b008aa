/**
 * GitHub and GitLab sign-in with `arctic`'s OAuth 2.0 client, always with PKCE (S256): the code verifier stays
 * in the browser's short-lived state cookie, so an authorization code stolen from a redirect, or injected into
 * someone else's sign-in, cannot be exchanged. arctic's ready-made GitHub and GitLab providers send no PKCE, so
 * the endpoints are given to its generic client: GitLab's on `gitlabUrl` (self-managed or a local fake), GitHub's
 * on the web host of `githubApiUrl` (github.com for api.github.com, the Enterprise host for `…/api/v3`).
 * Profiles are read with the injectable `fetch`.
 */
import { CodeChallengeMethod, OAuth2Client } from "arctic";
import type { ServerConfig } from "../config/env.ts";
import { githubWebUrl } from "../platforms/github/web_url.ts";

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
  /** The consent page's URL, carrying `state` and the S256 challenge of `codeVerifier`. */
  authorizationUrl(state: string, codeVerifier: string): URL;
  /** Exchanges the callback's `code`, proving possession of `codeVerifier`, for an access token. */
  exchangeCode(code: string, codeVerifier: string): Promise<string>;
  fetchProfile(accessToken: string): Promise<OAuthProfile>;
}

export type OAuthProviders = Partial<Record<OAuthProviderId, OAuthProvider>>;

export interface OAuthOptions {
  fetch?: typeof fetch;
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
    const github = new OAuth2Client(
      config.githubOauthClientId,
      config.githubOauthClientSecret,
      new URL("/auth/github/callback", config.publicUrl).href,
    );
    const api = config.githubApiUrl.replace(/\/+$/, "");
    const web = githubWebUrl(config.githubApiUrl);
    providers.github = {
      id: "github",
      label: "GitHub",
      authorizationUrl: (state, codeVerifier) =>
        github.createAuthorizationURLWithPKCE(
          `${web}/login/oauth/authorize`,
          state,
          CodeChallengeMethod.S256,
          codeVerifier,
          ["read:user", "user:email"],
        ),
      exchangeCode: async (code, codeVerifier) =>
        (await github.validateAuthorizationCode(`${web}/login/oauth/access_token`, code, codeVerifier))
          .accessToken(),
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
    const gitlab = new OAuth2Client(
      config.gitlabOauthClientId,
      config.gitlabOauthClientSecret,
      new URL("/auth/gitlab/callback", config.publicUrl).href,
    );
    providers.gitlab = {
      id: "gitlab",
      label: "GitLab",
      authorizationUrl: (state, codeVerifier) =>
        gitlab.createAuthorizationURLWithPKCE(
          `${base}/oauth/authorize`,
          state,
          CodeChallengeMethod.S256,
          codeVerifier,
          ["read_user"],
        ),
      exchangeCode: async (code, codeVerifier) =>
        (await gitlab.validateAuthorizationCode(`${base}/oauth/token`, code, codeVerifier)).accessToken(),
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
          // GitLab's `email` is the primary address; it counts only with a `confirmed_at` date. A missing field
          // (an older GitLab, a proxy that strips it) is not a confirmation.
          email: user.email && typeof user.confirmed_at === "string" && user.confirmed_at.length > 0
            ? user.email
            : null,
        };
      },
    };
  }
  return providers;
}
