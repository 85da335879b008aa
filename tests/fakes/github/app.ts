/**
 * The fake GitHub App's endpoints beyond the token exchange, in GitHub's shapes: the App itself and its
 * installations (app JWT), an installation's repositories (installation token), and the user side of the App —
 * the OAuth web flow with PKCE (`/login/oauth/authorize` answers for the user a test names in `x-fake-login`),
 * `GET /user`, `GET /user/installations` and `GET /user/memberships/orgs/{org}` (user token). A user can see an
 * installation on their own account or on an organization they are a member of, as GitHub lists them.
 */
import type { Route, RouteContext } from "../server_core.ts";
import { verifyAppJwt } from "./auth.ts";
import { fakeSha } from "./diff.ts";
import { type GitHubShapes, RouteError } from "./shapes.ts";
import type { GitHubStore } from "./state.ts";
import type { FakeGitHubApp, FakeInstallation, FakeUser } from "./types.ts";

export interface GitHubAppRouteEnv {
  store: GitHubStore;
  shapes: GitHubShapes;
  app?: FakeGitHubApp;
  /** Accepted user tokens → login; the OAuth exchange adds the tokens it issues. */
  tokens: Map<string, string>;
  api(): string;
}

interface PendingCode {
  login: string;
  challenge: string | null;
  redirectUri: string | null;
}

const TEXT = new TextEncoder();

async function s256(verifier: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", TEXT.encode(verifier)));
  return btoa(String.fromCharCode(...digest)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The fake App's routes (paths without the Enterprise prefix, except the web flow's, which GitHub serves on the web host). */
export function githubAppRoutes(env: GitHubAppRouteEnv): Route<FakeUser>[] {
  const { shapes } = env;
  const { json, user } = shapes;
  const codes = new Map<string, PendingCode>();
  type Context = RouteContext<FakeUser>;

  const installations = () => env.app?.installations ?? [];
  const findInstallation = (id: number) => installations().find((installation) => installation.id === id);
  const installationJson = (installation: FakeInstallation) => ({
    id: installation.id,
    account: user(installation.account.login, installation.account.type as "User"),
    "repository_selection": "selected",
    "access_tokens_url": `${env.api()}/app/installations/${installation.id}/access_tokens`,
    "repositories_url": `${env.api()}/installation/repositories`,
    "html_url": `https://github.com/settings/installations/${installation.id}`,
    "app_id": Number(env.app?.appId ?? 0),
    "app_slug": env.app?.slug ?? "loom",
    "target_id": user(installation.account.login).id,
    "target_type": installation.account.type,
    permissions: { "pull_requests": "write", contents: "read", metadata: "read" },
    events: ["pull_request", "issue_comment", "pull_request_review_comment"],
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
    "suspended_at": installation.suspended ? "2026-01-02T00:00:00Z" : null,
    "suspended_by": null,
  });
  const repositoryJson = (repository: { id: number; fullName: string }) => {
    const [owner, name] = repository.fullName.split("/");
    return {
      id: repository.id,
      "node_id": `R_${fakeSha(repository.fullName).slice(0, 12)}`,
      name,
      "full_name": repository.fullName,
      private: true,
      owner: user(owner!),
      "html_url": `https://github.com/${repository.fullName}`,
    };
  };
  const visibleTo = (login: string, installation: FakeInstallation) =>
    installation.account.type === "User"
      ? installation.account.login.toLowerCase() === login.toLowerCase()
      : Object.keys(installation.members ?? {}).some((member) =>
        member.toLowerCase() === login.toLowerCase()
      );
  const requireUser = (context: Context) => {
    if (context.caller === undefined || context.caller.type !== "User") {
      throw new RouteError(403, "Resource not accessible by integration");
    }
    return context.caller;
  };

  const authorize = (context: Context) => {
    const search = context.url.searchParams;
    const login = context.headers.get("x-fake-login");
    if (login === null) throw new RouteError(401, "Sign in to GitHub first (x-fake-login)");
    if (search.get("client_id") !== env.app?.clientId) throw new RouteError(404, "Not Found");
    const code = `code_${fakeSha(`${login}:${codes.size}:${Date.now()}`).slice(0, 20)}`;
    codes.set(code, {
      login,
      challenge: search.get("code_challenge"),
      redirectUri: search.get("redirect_uri"),
    });
    const target = new URL(search.get("redirect_uri") ?? "http://invalid/");
    target.searchParams.set("code", code);
    if (search.has("state")) target.searchParams.set("state", search.get("state")!);
    return new Response(null, { status: 302, headers: { location: target.href } });
  };

  const exchange = async (context: Context) => {
    // GitHub takes the form body; arctic sends the client's credentials as HTTP Basic auth.
    const form = new URLSearchParams(typeof context.body === "string" ? context.body : "");
    let clientId = form.get("client_id");
    let clientSecret = form.get("client_secret");
    const basic = /^basic\s+(\S+)$/i.exec(context.headers.get("authorization") ?? "");
    if (basic) [clientId, clientSecret] = atob(basic[1]!).split(":");
    const error = (code: string) => json(200, { error: code, "error_description": code });
    if (clientId !== env.app?.clientId || clientSecret !== env.app?.clientSecret) {
      return error("incorrect_client_credentials");
    }
    const pending = codes.get(form.get("code") ?? "");
    codes.delete(form.get("code") ?? "");
    if (pending === undefined) return error("bad_verification_code");
    if (pending.redirectUri !== null && form.get("redirect_uri") !== pending.redirectUri) {
      return error("redirect_uri_mismatch");
    }
    if (pending.challenge !== null && await s256(form.get("code_verifier") ?? "") !== pending.challenge) {
      return error("bad_verification_code");
    }
    const token = `ghu_${fakeSha(`${pending.login}:${env.tokens.size}:${Date.now()}`).slice(0, 36)}`;
    env.tokens.set(token, pending.login);
    return json(200, {
      "access_token": token,
      "expires_in": 28_800,
      "refresh_token": `ghr_${fakeSha(token).slice(0, 36)}`,
      "refresh_token_expires_in": 15_897_600,
      "token_type": "bearer",
      scope: "",
    });
  };

  return [
    { method: "GET", path: "/login/oauth/authorize", public: true, handler: authorize },
    { method: "POST", path: "/login/oauth/access_token", public: true, handler: exchange },
    {
      method: "GET",
      path: "/app",
      public: true,
      handler: async (context) => {
        await verifyAppJwt(context.headers, env.app);
        const slug = env.app?.slug ?? "loom";
        return json(200, {
          id: Number(env.app?.appId),
          slug,
          name: slug,
          owner: user("loom-owner", "User"),
          "html_url": `https://github.com/apps/${slug}`,
          "client_id": env.app?.clientId ?? null,
        });
      },
    },
    {
      method: "GET",
      path: "/app/installations/:id",
      public: true,
      handler: async (context) => {
        await verifyAppJwt(context.headers, env.app);
        const installation = findInstallation(Number(context.params.id));
        if (installation === undefined) throw new RouteError(404, "Not Found");
        return json(200, installationJson(installation));
      },
    },
    {
      method: "GET",
      path: "/installation/repositories",
      handler: (context) => {
        const header = context.headers.get("authorization") ?? "";
        const minted = env.store.state.installationTokens.find((item) => header.endsWith(` ${item.token}`));
        const installation = minted && findInstallation(minted.installationId);
        if (installation === undefined) throw new RouteError(403, "Resource not accessible by integration");
        const page = shapes.paginate(context.url, installation.repositories);
        return json(200, {
          "total_count": installation.repositories.length,
          "repository_selection": "selected",
          repositories: page.items.map(repositoryJson),
        }, page.headers);
      },
    },
    {
      method: "GET",
      path: "/user",
      handler: (context) => json(200, user(requireUser(context).login)),
    },
    {
      method: "GET",
      path: "/user/installations",
      handler: (context) => {
        const caller = requireUser(context);
        const visible = installations().filter((installation) => visibleTo(caller.login, installation));
        const page = shapes.paginate(context.url, visible);
        return json(200, {
          "total_count": visible.length,
          installations: page.items.map(installationJson),
        }, page.headers);
      },
    },
    {
      method: "GET",
      path: "/user/memberships/orgs/:org",
      handler: (context) => {
        const caller = requireUser(context);
        const organization = installations().find((installation) =>
          installation.account.type === "Organization" &&
          installation.account.login.toLowerCase() === String(context.params.org).toLowerCase()
        );
        const role = Object.entries(organization?.members ?? {}).find(([member]) =>
          member.toLowerCase() === caller.login.toLowerCase()
        )?.[1];
        if (organization === undefined || role === undefined) throw new RouteError(404, "Not Found");
        return json(200, {
          url: `${env.api()}/orgs/${organization.account.login}/memberships/${caller.login}`,
          state: "active",
          role,
          organization: user(organization.account.login, "Organization" as "User"),
          user: user(caller.login),
        });
      },
    },
  ];
}
