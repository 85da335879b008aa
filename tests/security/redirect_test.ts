/** `?next=` after signing in never leaves Loom's origin, however the target is spelled. */
import assert from "node:assert/strict";
import { createApp } from "../../app.ts";
import { dbTest } from "../../lib/db/testing.ts";
import { loadServerConfig } from "../../lib/config/env.ts";
import { createUser } from "../../lib/db/users.ts";
import { addMembership, createOrganization } from "../../lib/db/organizations.ts";
import { createSession } from "../../lib/db/sessions.ts";
import { createTestDeps, TEST_SECRET_KEY } from "../support/app_server.ts";

/** As an attacker would put them in a link: percent-encoded in the query string, decoded by the server. */
const LINKS = [
  "/%09/evil.example/",
  "/%0a/evil.example/",
  "/%0d%0a/evil.example/",
  "//evil.example",
  "/%2F/evil.example",
  "/%5Cevil.example",
  "%5C%5Cevil.example",
  "/.//evil.example",
  "https://evil.example/",
  "https:evil.example",
  "https:/evil.example",
  "https://loom.example.com@evil.example/",
  "javascript:alert(1)",
  "%09//evil.example",
];

dbTest("GET /login?next= redirects a signed-in user only within Loom's origin", async ({ db }) => {
  const config = loadServerConfig({
    LOOM_SECRET_KEY: TEST_SECRET_KEY,
    LOOM_PUBLIC_URL: "https://loom.example.com",
  });
  const app = createApp(await createTestDeps(db, { config }));
  const user = await createUser(db, { email: "owner@example.com", name: "Owner" });
  const organization = await createOrganization(db, { name: "Acme" });
  await addMembership(db, { userId: user.id, organizationId: organization.id, role: "owner" });
  const { token } = await createSession(db, user.id, { ttlMs: 60_000 });
  for (const link of LINKS) {
    const response = await app.request(`/login?next=${link}`, {
      headers: { cookie: `loom_session=${token}` },
      redirect: "manual",
    });
    assert.equal(response.status, 303, link);
    const location = response.headers.get("location")!;
    // What a browser would do with the header: strip tabs and newlines, resolve against the page.
    const followed = new URL(location, "https://loom.example.com/login");
    assert.equal(followed.origin, "https://loom.example.com", `${link} → ${location}`);
    assert.ok(location.startsWith("/") && !location.startsWith("//") && !/[\s\\]/.test(location), location);
  }
  const kept = await app.request(`/login?next=${encodeURIComponent("/reviews?page=2")}`, {
    headers: { cookie: `loom_session=${token}` },
    redirect: "manual",
  });
  assert.equal(kept.headers.get("location"), "/reviews?page=2");
});
