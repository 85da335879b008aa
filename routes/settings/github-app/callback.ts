import { deleteCookie, getCookie } from "hono/cookie";
import { timingSafeEqual } from "node:crypto";
import { defineHandlers } from "../../../lib/http/define.ts";
import { HttpError } from "../../../lib/http/errors.ts";
import { page } from "../../../lib/dashboard/route.tsx";
import {
  CLAIM_COOKIE,
  claimCallbackUrl,
  claimWithProof,
  gitHubAppApi,
} from "../../../lib/dashboard/github_app.ts";
import { GitHubAppPage } from "./index.tsx";

function sameText(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  return left.length > 0 && left.length === right.length && timingSafeEqual(left, right);
}

export const handler = defineHandlers({
  /**
   * GitHub's answer to the App's user authorization: the state must be the one this browser was given, for the
   * organization it is still working in; the code becomes a user token, and `claimWithProof` asks GitHub whether
   * that user may manage the installation before the organization owns it.
   */
  GET: page(async (c, viewer) => {
    const { db, config, now } = c.var.deps;
    const api = gitHubAppApi(config);
    if (api === null) throw new HttpError(404, "No GitHub App is configured on this server");
    const [expected = "", codeVerifier = "", installation = "", organization = ""] =
      (getCookie(c, CLAIM_COOKIE) ?? "").split(":");
    deleteCookie(c, CLAIM_COOKIE, { path: "/settings/github-app/" });
    const refuse = (status: 400 | 403 | 409 | 502, error: string) =>
      GitHubAppPage(c, viewer, { error, status });
    const code = c.req.query("code") ?? "";
    if (!sameText(c.req.query("state") ?? "", expected) || !code || !codeVerifier) {
      return refuse(
        400,
        "The GitHub authorization expired or did not start here: claim the installation again",
      );
    }
    if (Number(organization) !== viewer.organization.id) {
      return refuse(400, "The claim was started in another organization: switch back to it and claim again");
    }
    let userToken: string;
    try {
      userToken = await api.exchangeCode(claimCallbackUrl(config), code, codeVerifier);
    } catch (error) {
      c.var.log.warn("GitHub App authorization failed", { error });
      return refuse(502, "GitHub did not confirm the authorization: claim the installation again");
    }
    const result = await claimWithProof({ db, config, api, now }, {
      userToken,
      installationId: Number(installation),
      organizationId: viewer.organization.id,
      userId: viewer.user.id,
    });
    if (!result.ok) {
      c.var.log.warn("GitHub App installation claim refused", {
        installationId: Number(installation),
        organizationId: viewer.organization.id,
        reason: result.reason,
      });
      return refuse(result.status, `Cannot claim the installation: ${result.reason}`);
    }
    c.var.log.info("GitHub App installation claimed", {
      installationId: result.installation.installationId,
      organizationId: viewer.organization.id,
      offered: result.offered,
      resumed: result.resumed,
    });
    return c.redirect("/settings/github-app?notice=installation-claimed", 303);
  }, { role: "admin" }),
});
