import { defineHandlers } from "../../../lib/http/define.ts";
import { HttpError } from "../../../lib/http/errors.ts";
import { page } from "../../../lib/dashboard/route.tsx";
import { gitHubAppApi } from "../../../lib/dashboard/github_app.ts";

export const handler = defineHandlers({
  /** Sends an admin to the App's install page on GitHub (`GET /app` names it); GitHub returns to the setup URL. */
  GET: page(async (c) => {
    const api = gitHubAppApi(c.var.deps.config);
    if (api === null) throw new HttpError(404, "No GitHub App is configured on this server");
    return c.redirect(await api.installUrl(), 302);
  }, { role: "admin" }),
});
