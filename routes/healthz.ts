import { defineHandlers } from "../lib/http/define.ts";

/** Liveness: the process answers. */
export const handler = defineHandlers({
  GET: (c) => c.json({ status: "ok" }),
});
