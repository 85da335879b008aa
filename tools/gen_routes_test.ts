import assert from "node:assert/strict";
import { generateManifest, routePattern } from "./gen_routes.ts";

Deno.test("routePattern() maps file routes to Hono patterns", () => {
  assert.equal(routePattern("routes/index.tsx"), "/");
  assert.equal(routePattern("routes/healthz.ts"), "/healthz");
  assert.equal(routePattern("routes/api/webhooks/[platform].ts"), "/api/webhooks/:platform");
  assert.equal(routePattern("routes/reviews/[id]/index.tsx"), "/reviews/:id");
});

Deno.test("routes.gen.ts is up to date with routes/ and islands/", async () => {
  const committed = await Deno.readTextFile(new URL("../routes.gen.ts", import.meta.url));
  assert.equal(committed, await generateManifest(), "routes.gen.ts is stale: run `deno task gen`");
});
