/** Headers and answers every request gets: HSTS on https, 400 for malformed static paths, no secrets in logs. */
import assert from "node:assert/strict";
import { createApp } from "../../app.ts";
import { dbTest } from "../../lib/db/testing.ts";
import { loadServerConfig } from "../../lib/config/env.ts";
import { createLogger } from "../../lib/log.ts";
import { createUser } from "../../lib/db/users.ts";
import { addMembership, createOrganization } from "../../lib/db/organizations.ts";
import { createInvitation } from "../../lib/db/invitations.ts";
import { createTestDeps, TEST_SECRET_KEY } from "../support/app_server.ts";

dbTest("every answer carries HSTS when the public URL is https, and none when it is http", async ({ db }) => {
  const https = loadServerConfig({
    LOOM_SECRET_KEY: TEST_SECRET_KEY,
    LOOM_PUBLIC_URL: "https://loom.example.com",
  });
  const secure = createApp(await createTestDeps(db, { config: https }));
  for (const path of ["/healthz", "/login", "/setup", "/no-such-page", "/static/%E0%A4%A"]) {
    const response = await secure.request(path, { redirect: "manual" });
    await response.body?.cancel();
    assert.equal(response.headers.get("strict-transport-security"), "max-age=31536000", path);
  }
  const plain = createApp(await createTestDeps(db));
  const response = await plain.request("/healthz");
  await response.body?.cancel();
  assert.equal(response.headers.get("strict-transport-security"), null);
});

dbTest("malformed /static/ paths answer 400, never 500", async ({ db }) => {
  const staticDir = await Deno.makeTempDir({ prefix: "loom-static-" });
  try {
    await Deno.writeTextFile(`${staticDir}/app.js`, "export {};");
    const app = createApp(await createTestDeps(db, { staticDir }));
    for (
      const path of [
        "/static/%E0%A4%A",
        "/static/%",
        "/static/%zz.js",
        "/static/app.js%00",
        "/static/%5C..%5Cx",
      ]
    ) {
      const response = await app.request(path);
      assert.equal(response.status, 400, path);
      assert.deepEqual(await response.json(), { error: "Malformed static file path" });
    }
    const served = await app.request("/static/app.js");
    assert.equal(served.status, 200);
    assert.equal(await served.text(), "export {};");
    const climbing = await app.request("/static/..%2f..%2fetc%2fpasswd");
    assert.equal(climbing.status, 404);
    await climbing.body?.cancel();
    // A sibling directory whose name starts with the static directory's is outside it too.
    await Deno.mkdir(`${staticDir}-private`);
    await Deno.writeTextFile(`${staticDir}-private/secret.txt`, "secret");
    const name = staticDir.split("/").pop();
    const sibling = await app.request(`/static/..%2f${name}-private%2fsecret.txt`);
    assert.equal(sibling.status, 404);
    await sibling.body?.cancel();
  } finally {
    await Deno.remove(staticDir, { recursive: true });
    await Deno.remove(`${staticDir}-private`, { recursive: true }).catch(() => {});
  }
});

dbTest(
  "pages take styles only from the stylesheet file: no 'unsafe-inline', no inline style",
  async ({ db }) => {
    const app = createApp(await createTestDeps(db));
    const page = (path: string) => app.request(path, { headers: { accept: "text/html" } });
    const setup = await page("/setup");
    // With a user, "/login" shows its form instead of leading to setup.
    await createUser(db, { email: "owner@example.com", name: "Owner" });
    const pages = [["/setup", setup], ["/login", await page("/login")], ["/x", await page("/x")]] as const;
    for (const [path, response] of pages) {
      const html = await response.text();
      assert.equal(response.status, path === "/x" ? 404 : 200, path);
      const policy = response.headers.get("content-security-policy") ?? "";
      assert.match(policy, /(^|; )style-src 'self'(;|$)/, path);
      assert.doesNotMatch(policy, /unsafe-inline/, path);
      // The browser would refuse both under this policy, so the page must not depend on either.
      assert.doesNotMatch(html, /<style[\s>]|\sstyle=/, path);
      assert.match(html, /<link rel="stylesheet" href="\/static\/loom\.css"\/?>/, path);
    }
    const stylesheet = await app.request("/static/loom.css");
    assert.equal(stylesheet.status, 200);
    assert.equal(stylesheet.headers.get("content-type"), "text/css; charset=utf-8");
    assert.match(await stylesheet.text(), /:root \{\s+color-scheme: light dark;/);
  },
);

dbTest("an invitation link's token never reaches the log", async ({ db }) => {
  const lines: string[] = [];
  const log = createLogger({ level: "debug", write: (line) => lines.push(line) });
  const app = createApp(await createTestDeps(db, { log }));
  const owner = await createUser(db, { email: "owner@example.com", name: "Owner" });
  const organization = await createOrganization(db, { name: "Acme" });
  await addMembership(db, { userId: owner.id, organizationId: organization.id, role: "owner" });
  const { token } = await createInvitation(db, {
    organizationId: organization.id,
    email: "lin@example.com",
    role: "member",
  });
  const requests: [string, RequestInit][] = [
    [`/invitations/${token}`, {}],
    [`/invitations/${token}`, { method: "POST", body: "_csrf=forged" }],
    [`/invitations/${token}x`, {}],
    [`/invitations/${token}/anything`, {}],
  ];
  for (const [path, init] of requests) {
    const response = await app.request(path, init);
    await response.body?.cancel();
  }
  assert.ok(lines.length >= requests.length, "every request was logged");
  assert.ok(lines.some((line) => line.includes("/invitations/:token")));
  for (const line of lines) assert.ok(!line.includes(token), line);
});
