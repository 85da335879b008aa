/** `POST /api/repos`: connects a repository for the caller's organization once its credential proves access. */
import { defineHandlers } from "../../../lib/http/define.ts";
import { HttpError } from "../../../lib/http/errors.ts";
import { randomSecret } from "../../../lib/crypto/secret_box.ts";
import { type RepoConnected, RepoConnectInput } from "../../../lib/dashboard/api_types.ts";
import { api } from "../../../lib/dashboard/route.tsx";
import { ConnectError, connectRepo } from "../../../lib/tenancy/connect.ts";

export const handler = defineHandlers({
  POST: api(async (c, viewer) => {
    const { db, secretBox, config, now } = c.var.deps;
    const input = RepoConnectInput.safeParse(await c.req.json().catch(() => null));
    if (!input.success) {
      const issue = input.error.issues[0];
      throw new HttpError(400, `Cannot connect the repository: ${issue?.path.join(".")}: ${issue?.message}`);
    }
    const { platform } = input.data;
    const secret = platform === "azure_devops" ? `basic:loom:${randomSecret()}` : randomSecret();
    try {
      const { repo } = await connectRepo({ db, secretBox, server: config, log: c.var.log, now }, {
        organizationId: viewer.organization.id,
        platform,
        fullName: input.data.fullName,
        webhookSecret: secret,
      });
      c.var.log.info("Repository connected", {
        repoId: repo.id,
        platform,
        organizationId: viewer.organization.id,
      });
      const body: RepoConnected = {
        id: repo.id,
        platform: repo.platform,
        fullName: repo.fullName,
        platformRepoId: repo.platformRepoId ?? "",
        webhookUrl: `${config.publicUrl.replace(/\/$/, "")}/api/webhooks/${platform}?repo=${repo.id}`,
        webhookSecret: secret,
      };
      return c.json(body, 201);
    } catch (error) {
      if (error instanceof ConnectError) throw new HttpError(error.status, error.message);
      throw error;
    }
  }, { role: "admin" }),
});
