import { defineHandlers } from "../../../lib/http/define.ts";
import { HttpError } from "../../../lib/http/errors.ts";
import { getOrgRepo } from "../../../lib/db/analytics.ts";
import { setRepoPaused } from "../../../lib/db/repos.ts";
import { cancelRepoReviews } from "../../../lib/queue/mod.ts";
import { RepoPatchInput } from "../../../lib/dashboard/api_types.ts";
import { api, idParam } from "../../../lib/dashboard/route.tsx";

export const handler = defineHandlers({
  PATCH: api(async (c, viewer) => {
    const repo = await getOrgRepo(c.var.deps.db, viewer.organization.id, idParam(c, "id"));
    if (!repo) throw new HttpError(404, `Cannot find repository ${c.req.param("id")}`);
    if (repo.disconnectedAt !== null) {
      throw new HttpError(409, `${repo.fullName} is disconnected: connect it again first`);
    }
    const input = RepoPatchInput.safeParse(await c.req.json().catch(() => null));
    if (!input.success) {
      throw new HttpError(400, `Cannot update the repository: ${input.error.issues[0]?.message}`);
    }
    await setRepoPaused(c.var.deps.db, repo.id, input.data.paused);
    if (input.data.paused) await cancelRepoReviews(c.var.deps.db, repo.id, "Repository paused");
    return c.json({ id: repo.id, paused: input.data.paused });
  }, { role: "admin" }),
});
