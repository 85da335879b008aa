/**
 * A local OAuth provider speaking GitLab's wire protocol (`/oauth/token`, `/api/v4/user`) and GitHub's
 * (`/login/oauth/access_token`, `/user`, `/user/emails`), so arctic's real OAuth client and Loom's profile
 * readers run over real HTTP. Like both providers, it binds a code to the PKCE challenge of the consent request
 * that issued it and exchanges it only for the matching `code_verifier` (RFC 7636, S256).
 */
import { createHash } from "node:crypto";

export interface FakeOAuthUser {
  id: number;
  username: string;
  name: string;
  email: string;
  verified: boolean;
  /** Leave `confirmed_at` out of GitLab's user (as an older GitLab or a filtering proxy would). */
  omitConfirmedAt?: boolean;
}

export interface FakeOAuth extends AsyncDisposable {
  url: string;
  /**
   * Issues an authorization code for `user`, as the consent page would for a request carrying `codeChallenge`
   * (the `code_challenge` of Loom's authorization URL); without one, the code needs no verifier.
   */
  grant(user: FakeOAuthUser, options?: { codeChallenge?: string }): string;
  /** Token requests received, with the client credentials they carried. */
  tokenRequests: { authorization: string | null; body: Record<string, string> }[];
  close(): Promise<void>;
}

export function startFakeOAuth(client: { id: string; secret: string }): FakeOAuth {
  const codes = new Map<string, { user: FakeOAuthUser; codeChallenge?: string }>();
  const tokens = new Map<string, FakeOAuthUser>();
  const tokenRequests: FakeOAuth["tokenRequests"] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (request) => {
    const url = new URL(request.url);
    if (
      request.method === "POST" &&
      (url.pathname === "/oauth/token" || url.pathname === "/login/oauth/access_token")
    ) {
      const body = Object.fromEntries(new URLSearchParams(await request.text()));
      const authorization = request.headers.get("authorization");
      tokenRequests.push({ authorization, body });
      if (authorization !== `Basic ${btoa(`${client.id}:${client.secret}`)}`) {
        return Response.json({ error: "invalid_client" }, { status: 401 });
      }
      const issued = codes.get(body.code ?? "");
      codes.delete(body.code ?? "");
      if (body.grant_type !== "authorization_code" || !issued) {
        return Response.json({ error: "invalid_grant", error_description: "bad code" }, { status: 400 });
      }
      const verifier = body.code_verifier ?? "";
      if (
        issued.codeChallenge &&
        createHash("sha256").update(verifier).digest("base64url") !== issued.codeChallenge
      ) {
        return Response.json({ error: "invalid_grant", error_description: "PKCE verification failed" }, {
          status: 400,
        });
      }
      const user = issued.user;
      const token = crypto.randomUUID();
      tokens.set(token, user);
      return Response.json({
        access_token: token,
        token_type: "Bearer",
        expires_in: 7200,
        scope: "read_user",
      });
    }
    const user = tokens.get((request.headers.get("authorization") ?? "").replace(/^Bearer /, ""));
    if (!user) return Response.json({ message: "401 Unauthorized" }, { status: 401 });
    if (url.pathname === "/api/v4/user") {
      return Response.json({
        id: user.id,
        username: user.username,
        name: user.name,
        email: user.email,
        ...(user.omitConfirmedAt ? {} : { confirmed_at: user.verified ? "2024-01-01T00:00:00Z" : null }),
      });
    }
    if (url.pathname === "/user") {
      return Response.json({ id: user.id, login: user.username, name: user.name });
    }
    if (url.pathname === "/user/emails") {
      return Response.json([{
        email: user.email,
        primary: true,
        verified: user.verified,
        visibility: "private",
      }]);
    }
    return Response.json({ message: "404 Not Found" }, { status: 404 });
  });
  const close = async () => await server.shutdown();
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    grant(user, options = {}) {
      const code = crypto.randomUUID().replaceAll("-", "");
      codes.set(code, { user, codeChallenge: options.codeChallenge });
      return code;
    },
    tokenRequests,
    close,
    [Symbol.asyncDispose]: close,
  };
}
