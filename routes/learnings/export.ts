import { defineHandlers } from "../../lib/http/define.ts";
import { exportLearnings } from "../../lib/learnings/mod.ts";
import { page } from "../../lib/dashboard/route.tsx";

export const handler = defineHandlers({
  /** The organization's learnings as a YAML download (`lib/learnings/yaml.ts` describes the format). */
  GET: page(async (c, viewer) => {
    const text = await exportLearnings(c.var.deps.db, viewer.organization.id);
    return c.body(text, 200, {
      "content-type": "application/yaml; charset=utf-8",
      "content-disposition": `attachment; filename="loom-learnings-${viewer.organization.slug}.yaml"`,
    });
  }),
});
