import assert from "node:assert/strict";
import { fileImports } from "../../tools/import_graph.ts";

const root = new URL("../../", import.meta.url);

/** Every project file `path` reaches through its imports, type-only ones included. */
async function reached(path: string): Promise<Set<string>> {
  const seen = new Set<string>();
  const pending = [path];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = await Deno.readTextFile(new URL(file, root));
    for (const edge of fileImports(file, text)) pending.push(edge.to);
  }
  return seen;
}

const FEATURES = /^lib\/(webhooks\/|auth\/|metrics\.ts$)/;

Deno.test("the route contract names no webhook, sign-in or metrics word: a route reaches them only by using them", async () => {
  assert.deepEqual([...await reached("lib/http/define.ts")].filter((file) => FEATURES.test(file)), []);
  // A route that uses none of them reaches none of them.
  assert.deepEqual([...await reached("routes/healthz.ts")].filter((file) => FEATURES.test(file)), []);
  // The webhook route names its own words.
  assert.ok((await reached("routes/api/webhooks/[platform].ts")).has("lib/webhooks/route_deps.ts"));
});
