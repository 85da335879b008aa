import assert from "node:assert/strict";
import { json, type Route, startFakeServer } from "./server_core.ts";

interface Entry {
  method: string;
  path: string;
  body: unknown;
}

function start(routes: Route<string>[], failNext: { path?: string } = {}) {
  return startFakeServer<Entry, string>({
    routes,
    record: (request) => ({ method: request.method, path: request.path, body: request.body }),
    path: (url) => url.pathname.startsWith("/api/") ? url.pathname.slice(4) : undefined,
    before: [(request) => {
      if (failNext.path === undefined || !request.path.includes(failNext.path)) return undefined;
      failNext.path = undefined;
      return json({ message: "scripted" }, 503);
    }],
    authenticate: (request) => {
      const token = request.headers.get("authorization");
      return token === "Bearer good" ? "loom-bot" : json({ message: "Bad credentials" }, 401);
    },
    notFound: () => json({ message: "Not Found" }, 404),
    onError: (error) => json({ message: `failed: ${(error as Error).message}` }, 418),
  });
}

const AUTH = { authorization: "Bearer good" };

Deno.test("startFakeServer() routes by method and pattern with decoded parameters and the caller", async () => {
  const server = start([
    {
      method: "GET",
      path: "/repos/:owner/:repo/contents/*path",
      handler: ({ params, caller }) => json({ params, caller }),
    },
    {
      method: "POST",
      path: "/repos/:owner/:repo/contents/*path",
      handler: ({ body }) => json({ body }, 201),
    },
    {
      method: "GET",
      path: /^\/statuses\/(?<sha>[0-9a-f]{7,40})$/,
      handler: ({ params }) => json(params),
    },
  ]);
  try {
    const got = await fetch(`${server.origin}/api/repos/o%2Fx/r/contents/src/a%20b.ts`, { headers: AUTH });
    assert.deepEqual(await got.json(), {
      params: { owner: "o/x", repo: "r", path: "src/a b.ts" },
      caller: "loom-bot",
    });
    const posted = await fetch(`${server.origin}/api/repos/o/r/contents/a.ts`, {
      method: "POST",
      headers: AUTH,
      body: JSON.stringify({ content: "x" }),
    });
    assert.equal(posted.status, 201);
    assert.deepEqual(await posted.json(), { body: { content: "x" } });
    const sha = await fetch(`${server.origin}/api/statuses/abcdef0`, { headers: AUTH });
    assert.deepEqual(await sha.json(), { sha: "abcdef0" });
    // A path the pattern refuses, a method no route has, a path outside the prefix: all not found.
    for (
      const [path, method] of [["/api/statuses/xyz", "GET"], ["/api/statuses/abcdef0", "PUT"], ["/x", "GET"]]
    ) {
      const response = await fetch(`${server.origin}${path}`, { method, headers: AUTH });
      assert.equal(response.status, 404, `${method} ${path}`);
      await response.body?.cancel();
    }
  } finally {
    await server.close();
  }
});

Deno.test("startFakeServer() authenticates before routing, except public routes, and logs every request", async () => {
  const server = start([
    { method: "GET", path: "/private", handler: () => json({ ok: true }) },
    {
      method: "POST",
      path: "/token",
      public: true,
      handler: ({ caller }) => json({ caller: caller ?? null }),
    },
  ]);
  try {
    const refused = await fetch(`${server.origin}/api/private`);
    assert.equal(refused.status, 401);
    await refused.body?.cancel();
    // An unknown path is refused for a bad token too: the caller learns nothing about what exists.
    const unknown = await fetch(`${server.origin}/api/nothing`);
    assert.equal(unknown.status, 401);
    await unknown.body?.cancel();
    const open = await fetch(`${server.origin}/api/token`, { method: "POST", body: "not json" });
    assert.deepEqual(await open.json(), { caller: null });
    assert.deepEqual(server.requests, [
      { method: "GET", path: "/private", body: undefined },
      { method: "GET", path: "/nothing", body: undefined },
      { method: "POST", path: "/token", body: "not json" },
    ]);
  } finally {
    await server.close();
  }
});

Deno.test("startFakeServer() runs before hooks ahead of authentication and maps thrown errors", async () => {
  const failNext = { path: "/thing" };
  const server = start([{
    method: "GET",
    path: "/thing",
    handler: () => {
      throw new Error("boom");
    },
  }], failNext);
  try {
    const scripted = await fetch(`${server.origin}/api/thing`);
    assert.equal(scripted.status, 503);
    await scripted.body?.cancel();
    const thrown = await fetch(`${server.origin}/api/thing`, { headers: AUTH });
    assert.equal(thrown.status, 418);
    assert.deepEqual(await thrown.json(), { message: "failed: boom" });
  } finally {
    await server.close();
  }
});
