import { defineHandlers } from "../../lib/http/define.ts";
import { setOrganizationCookie } from "../../lib/auth/mod.ts";
import { formFields, page } from "../../lib/dashboard/route.tsx";
import { HttpError } from "../../lib/http/errors.ts";

export const handler = defineHandlers({
  /** Switches the selected organization; only organizations the user belongs to can be chosen. */
  POST: page(async (c, viewer) => {
    const wanted = Number((await formFields(c)).organizationId);
    if (!viewer.memberships.some((membership) => membership.organization.id === wanted)) {
      throw new HttpError(404, `Cannot find organization ${wanted}`);
    }
    setOrganizationCookie(c, wanted);
    return c.redirect("/", 303);
  }),
});
