import { defineHandlers } from "../lib/http/define.ts";
import { deleteSession, deleteUserSessions } from "../lib/db/sessions.ts";
import { checkSessionCsrf, clearSessionCookie, loadViewer } from "../lib/auth/mod.ts";
import { formFields } from "../lib/dashboard/route.tsx";

export const handler = defineHandlers({
  /** Signs out this session, or with `everywhere=1` every session of the user. */
  async POST(c) {
    const viewer = await loadViewer(c);
    if (!viewer) return c.redirect("/login", 303);
    if (!await checkSessionCsrf(c, viewer.session)) {
      return c.json({ error: "Missing or invalid CSRF token" }, 403);
    }
    const fields = await formFields(c);
    if (fields.everywhere === "1") await deleteUserSessions(c.var.deps.db, viewer.user.id);
    else await deleteSession(c.var.deps.db, viewer.session.id);
    clearSessionCookie(c);
    return c.redirect("/login", 303);
  },
});
