import { setCookie } from "hono/cookie";
import { generateCodeVerifier } from "arctic";
import { defineHandlers, routeDeps } from "../../lib/http/define.ts";
import type { SignInDeps } from "../../lib/auth/mod.ts";
import { HttpError } from "../../lib/http/errors.ts";
import { createOAuthProviders, secureCookies } from "../../lib/auth/mod.ts";
import { randomToken } from "../../lib/db/sessions.ts";
import { safeNext } from "../../lib/http/safe_next.ts";

export const handler = defineHandlers({
  /**
   * Starts OAuth sign-in: a random state and a PKCE code verifier in a short-lived cookie (`<state>:<verifier>:<next>`),
   * then the provider's consent page with the verifier's S256 challenge.
   */
  GET(c) {
    const providers = routeDeps<SignInDeps>(c).oauthProviders ?? createOAuthProviders(c.var.deps.config);
    const provider = providers[c.req.param("provider") as keyof typeof providers];
    if (!provider) {
      throw new HttpError(404, `Cannot sign in with "${c.req.param("provider")}": not configured`);
    }
    const state = randomToken(16);
    const codeVerifier = generateCodeVerifier();
    const next = safeNext(c.req.query("next"), c.var.deps.config.publicUrl);
    setCookie(c, `loom_oauth_${provider.id}`, `${state}:${codeVerifier}:${next}`, {
      path: "/auth/",
      httpOnly: true,
      secure: secureCookies(c.var.deps.config),
      sameSite: "Lax",
      maxAge: 600,
    });
    return c.redirect(provider.authorizationUrl(state, codeVerifier).href, 302);
  },
});
