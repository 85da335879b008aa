import assert from "node:assert/strict";
import { Hono } from "hono";
import type { AppEnv } from "./define.ts";
import { handleError, handleNotFound, HttpError } from "./errors.ts";
import { createLogger } from "../log.ts";

const HTML = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };

function testApp(lines: string[] = []) {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set("requestId", "req-1");
    c.set("log", createLogger({ write: (line) => lines.push(line) }));
    await next();
  });
  app.get("/boom", () => {
    throw new Error("database exploded at row 7");
  });
  app.get("/api/boom", () => {
    throw new Error("database exploded at row 7");
  });
  app.get("/gone", () => {
    throw new HttpError(410, "Review 9 was deleted");
  });
  app.notFound(handleNotFound);
  app.onError(handleError);
  return app;
}

Deno.test("handleNotFound answers a browser with an HTML page titled Not found", async () => {
  const response = await testApp().request("/no/such/page", { headers: HTML });
  assert.equal(response.status, 404);
  assert.match(response.headers.get("content-type")!, /text\/html/);
  const html = await response.text();
  assert.match(html, /<title>Not found · Loom<\/title>/);
  assert.match(html, /Not found: \/no\/such\/page/);
  assert.match(html, /href="\/"/);
  assert.match(html, /<link rel="icon" type="image\/svg\+xml" href="data:image\/svg\+xml,/);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
});

Deno.test("handleNotFound answers API clients and /api/ paths with JSON", async () => {
  const curl = await testApp().request("/no/such/page", { headers: { accept: "*/*" } });
  assert.equal(curl.status, 404);
  assert.deepEqual(await curl.json(), { error: "Not found: /no/such/page" });
  // An API path stays JSON even when a browser opens it.
  const api = await testApp().request("/api/nothing", { headers: HTML });
  assert.equal(api.status, 404);
  assert.deepEqual(await api.json(), { error: "Not found: /api/nothing" });
});

Deno.test("handleError hides an unexpected error behind a 500 page with the request id", async () => {
  const lines: string[] = [];
  const page = await testApp(lines).request("/boom", { headers: HTML });
  assert.equal(page.status, 500);
  const html = await page.text();
  assert.match(html, /<title>Something went wrong · Loom<\/title>/);
  assert.match(html, /Request id: req-1/);
  assert.doesNotMatch(html, /exploded/);
  const api = await testApp(lines).request("/api/boom", { headers: HTML });
  assert.equal(api.status, 500);
  assert.deepEqual(await api.json(), { error: "Internal server error", requestId: "req-1" });
  assert.equal(lines.filter((line) => line.includes("database exploded at row 7")).length, 2);
});

Deno.test("handleError keeps an HttpError's status and message in both forms", async () => {
  const page = await testApp().request("/gone", { headers: HTML });
  assert.equal(page.status, 410);
  assert.match(await page.text(), /Review 9 was deleted/);
  const json = await testApp().request("/gone", { headers: { accept: "application/json" } });
  assert.equal(json.status, 410);
  assert.deepEqual(await json.json(), { error: "Review 9 was deleted" });
});
