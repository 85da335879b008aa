import { setCookie } from "hono/cookie";
import { defineHandlers } from "../../lib/http/define.ts";
import { HttpError } from "../../lib/http/errors.ts";
import { createOAuthProviders, secureCookies } from "../../lib/auth/mod.ts";
import { randomToken } from "../../lib/db/sessions.ts";
import { safeNext } from "../../lib/http/safe_next.ts";

export const handler = defineHandlers({
  /** Starts OAuth sign-in: a random state in a short-lived cookie, then the provider's consent page. */
  GET(c) {
    const providers = c.var.deps.oauthProviders ?? createOAuthProviders(c.var.deps.config);
    const provider = providers[c.req.param("provider") as keyof typeof providers];
    if (!provider) {
      throw new HttpError(404, `Cannot sign in with "${c.req.param("provider")}": not configured`);
    }
    const state = randomToken(16);
    setCookie(
      c,
      `loom_oauth_${provider.id}`,
      `${state}:${safeNext(c.req.query("next"), c.var.deps.config.publicUrl)}`,
      {
        path: "/auth/",
        httpOnly: true,
        secure: secureCookies(c.var.deps.config),
        sameSite: "Lax",
        maxAge: 600,
      },
    );
    return c.redirect(provider.authorizationUrl(state).href, 302);
  },
});
