import { deleteCookie, getCookie } from "hono/cookie";
import { timingSafeEqual } from "node:crypto";
import { defineHandlers, routeDeps } from "../../../lib/http/define.ts";
import type { SignInDeps } from "../../../lib/auth/mod.ts";
import { HttpError } from "../../../lib/http/errors.ts";
import { createOAuthProviders, loadViewer, type OAuthProfile, signIn } from "../../../lib/auth/mod.ts";
import { findUserByEmail, findUserByIdentity, linkIdentity } from "../../../lib/db/users.ts";
import { safeNext } from "../../../lib/http/safe_next.ts";

export const handler = defineHandlers({
  /**
   * Finishes OAuth sign-in. A signed-in user links the identity to their account; otherwise the identity (or a
   * verified email matching an existing user) signs in. Nobody gets an account from OAuth alone: new people join
   * through invitations.
   */
  async GET(c) {
    const { db, now } = c.var.deps;
    const providers = routeDeps<SignInDeps>(c).oauthProviders ?? createOAuthProviders(c.var.deps.config);
    const provider = providers[c.req.param("provider") as keyof typeof providers];
    if (!provider) {
      throw new HttpError(404, `Cannot sign in with "${c.req.param("provider")}": not configured`);
    }
    const cookieName = `loom_oauth_${provider.id}`;
    // `<state>:<code verifier>:<next>`; neither of the first two contains a colon, the path may.
    const [expected = "", codeVerifier = "", ...rest] = (getCookie(c, cookieName) ?? "").split(":");
    const next = rest.length > 0 ? rest.join(":") : "/";
    deleteCookie(c, cookieName, { path: "/auth/" });
    const state = c.req.query("state") ?? "";
    const code = c.req.query("code") ?? "";
    const stateMatches = expected.length > 0 && state.length === expected.length &&
      timingSafeEqual(new TextEncoder().encode(state), new TextEncoder().encode(expected));
    if (!stateMatches || !code || !codeVerifier) return c.redirect("/login?error=oauth-state", 303);
    let profile: OAuthProfile;
    try {
      profile = await provider.fetchProfile(await provider.exchangeCode(code, codeVerifier));
    } catch (error) {
      c.var.log.warn("OAuth sign-in failed", { provider: provider.id, error });
      return c.redirect("/login?error=oauth-failed", 303);
    }
    const viewer = await loadViewer(c);
    let user = await findUserByIdentity(db, provider.id, profile.id);
    if (viewer) {
      // An identity belongs to one user; linking someone else's is refused rather than moved.
      if (user && user.id !== viewer.user.id) return c.redirect("/account?error=identity-taken", 303);
      await linkIdentity(
        db,
        { userId: viewer.user.id, provider: provider.id, providerUserId: profile.id },
        now,
      );
      return c.redirect("/account?notice=identity-linked", 303);
    }
    if (!user && profile.email) {
      user = await findUserByEmail(db, profile.email);
      if (user) {
        await linkIdentity(db, { userId: user.id, provider: provider.id, providerUserId: profile.id }, now);
      }
    }
    if (!user) return c.redirect("/login?error=oauth-unknown", 303);
    await signIn(c, user);
    return c.redirect(safeNext(next, c.var.deps.config.publicUrl), 303);
  },
});
