import assert from "node:assert/strict";
import { createApp } from "../../app.ts";
import { dbTest } from "../db/testing.ts";
import { loadServerConfig } from "../config/env.ts";
import { createLoomMetrics, metricValue } from "../metrics.ts";
import { createUser } from "../db/users.ts";
import { addMembership, createOrganization } from "../db/organizations.ts";
import { createSession } from "../db/sessions.ts";
import { githubWebhook } from "../platforms/github/webhook.ts";
import { createTestDeps, TEST_SECRET_KEY } from "../../tests/support/app_server.ts";

const CHUNK = new Uint8Array(64 * 1024).fill(0x61);

/** A body of `chunks` × 64 KiB made on demand, which records how much of it the server pulled. */
function endlessBody(chunks: number) {
  const source = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (source.pulled >= chunks * CHUNK.byteLength) return controller.close();
      source.pulled += CHUNK.byteLength;
      controller.enqueue(CHUNK);
    },
  }, { highWaterMark: 0 });
  return { stream, source };
}

async function appWith(db: Parameters<typeof createTestDeps>[0]) {
  const config = loadServerConfig({
    LOOM_SECRET_KEY: TEST_SECRET_KEY,
    LOOM_MAX_BODY_BYTES: String(64 * 1024),
    LOOM_MAX_WEBHOOK_BYTES: String(1024 * 1024),
  });
  const metrics = createLoomMetrics();
  const app = createApp(await createTestDeps(db, { config, metrics, parsers: { github: githubWebhook } }));
  return { app, metrics };
}

dbTest(
  "bodyLimit refuses a declared Content-Length over the limit without reading the body",
  async ({ db }) => {
    const { app, metrics } = await appWith(db);
    for (
      const [path, declared] of [["/login", 65 * 1024], [
        "/api/webhooks/github?repo=1",
        2 * 1024 * 1024,
      ]] as const
    ) {
      const { stream, source } = endlessBody(10_000);
      const response = await app.request(path, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "content-length": String(declared) },
        body: stream,
        duplex: "half",
      } as RequestInit);
      assert.equal(response.status, 413, path);
      assert.match(await response.text(), /larger than the limit/);
      assert.ok(source.pulled <= 2 * CHUNK.byteLength, `${path} read ${source.pulled} bytes`);
    }
    assert.equal(await metricValue(metrics.webhooksRejected, { platform: "github", status: "413" }), 1);
  },
);

dbTest("bodyLimit stops a chunked or lying body at the limit and answers 413", async ({ db }) => {
  const { app } = await appWith(db);
  const cases: [string, Record<string, string>, number][] = [
    ["/login", {}, 64 * 1024],
    ["/login", { "content-length": "100" }, 64 * 1024],
    ["/setup", {}, 64 * 1024],
    ["/api/webhooks/github", { "x-github-event": "ping" }, 1024 * 1024],
  ];
  for (const [path, headers, limit] of cases) {
    const { stream, source } = endlessBody(10_000);
    const response = await app.request(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: stream,
      duplex: "half",
    } as RequestInit);
    assert.equal(response.status, 413, `${path} ${JSON.stringify(headers)}`);
    await response.body?.cancel();
    // The read stops at the first chunk past the limit (plus what the stream queued ahead).
    assert.ok(source.pulled <= limit + 3 * CHUNK.byteLength, `${path} read ${source.pulled} bytes`);
  }
});

dbTest("bodyLimit answers 413 even when a route swallows the failed read", async ({ db }) => {
  const { app } = await appWith(db);
  const user = await createUser(db, { email: "owner@example.com", name: "Owner" });
  const organization = await createOrganization(db, { name: "Acme" });
  await addMembership(db, { userId: user.id, organizationId: organization.id, role: "owner" });
  const { token, session } = await createSession(db, user.id, { ttlMs: 60_000 });
  const huge = JSON.stringify({ body: "x".repeat(200 * 1024), title: "t" });
  // The prompt preview reads JSON with `.catch(() => null)`, which would answer 400 for a cut-off body.
  const response = await app.request("/api/prompts/preview", {
    method: "POST",
    headers: {
      cookie: `loom_session=${token}`,
      "x-csrf-token": session.csrfToken,
      "content-type": "application/json",
    },
    body: new Blob([huge]).stream(),
    duplex: "half",
  } as RequestInit);
  assert.equal(response.status, 413);
  await response.body?.cancel();
  const small = await app.request("/api/prompts/preview", {
    method: "POST",
    headers: {
      cookie: `loom_session=${token}`,
      "x-csrf-token": session.csrfToken,
      "content-type": "application/json",
    },
    body: JSON.stringify({ body: "Review {{diff}}", title: "t" }),
  });
  assert.notEqual(small.status, 413);
  await small.body?.cancel();
});
