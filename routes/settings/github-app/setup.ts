import { setCookie } from "hono/cookie";
import { generateCodeVerifier } from "arctic";
import { defineHandlers } from "../../../lib/http/define.ts";
import { HttpError } from "../../../lib/http/errors.ts";
import { secureCookies } from "../../../lib/auth/mod.ts";
import { randomToken } from "../../../lib/db/sessions.ts";
import { page } from "../../../lib/dashboard/route.tsx";
import { CLAIM_COOKIE, claimCallbackUrl, gitHubAppApi } from "../../../lib/dashboard/github_app.ts";

export const handler = defineHandlers({
  /**
   * The GitHub App's setup URL (GitHub adds `?installation_id=…` after an install), and the dashboard's "Claim"
   * form. The id is not trusted: the admin is sent to GitHub to authorize the App, and the callback asks GitHub
   * whether that GitHub user may manage the installation. The state, PKCE verifier, installation and organization
   * wait in a short-lived cookie (`<state>:<verifier>:<installation id>:<organization id>`).
   */
  GET: page((c, viewer) => {
    const api = gitHubAppApi(c.var.deps.config);
    if (api === null) throw new HttpError(404, "No GitHub App is configured on this server");
    const raw = c.req.query("installation_id") ?? "";
    if (!/^[1-9][0-9]{0,15}$/.test(raw)) {
      throw new HttpError(400, `Cannot claim installation "${raw}": expected a GitHub installation id`);
    }
    const state = randomToken(16);
    const codeVerifier = generateCodeVerifier();
    setCookie(c, CLAIM_COOKIE, `${state}:${codeVerifier}:${raw}:${viewer.organization.id}`, {
      path: "/settings/github-app/",
      httpOnly: true,
      secure: secureCookies(c.var.deps.config),
      sameSite: "Lax",
      maxAge: 600,
    });
    let url: URL;
    try {
      url = api.authorizationUrl(claimCallbackUrl(c.var.deps.config), state, codeVerifier);
    } catch (error) {
      throw new HttpError(503, (error as Error).message);
    }
    return c.redirect(url.href, 302);
  }, { role: "admin" }),
});
