/** Each page's title names the page, as a browser tab and a screen reader announce it. */
import assert from "node:assert/strict";
import { dbTest } from "../../lib/db/testing.ts";
import { createApp } from "../../app.ts";
import { addMembership, createOrganization } from "../../lib/db/organizations.ts";
import { createUser } from "../../lib/db/users.ts";
import { createSession } from "../../lib/db/sessions.ts";
import { savePrompt } from "../../lib/db/prompts.ts";
import { createTestDeps } from "../support/app_server.ts";
import { seedRepo, seedReview } from "../browser/seed.ts";

dbTest("every page's title matches the page", async ({ db }) => {
  const organization = await createOrganization(db, { name: "Acme" });
  const owner = await createUser(db, { email: "ada@acme.test", name: "Ada" });
  await addMembership(db, { userId: owner.id, organizationId: organization.id, role: "owner" });
  const repo = await seedRepo(db, { fullName: "acme/api", organizationId: organization.id });
  const review = await seedReview(db, repo, { prNumber: 40, title: "Add login rate limit" });
  await savePrompt(db, {
    organizationId: organization.id,
    name: "strict-security",
    body: "Be strict.",
    createdBy: owner.id,
  });
  const { token } = await createSession(db, owner.id, { ttlMs: 3_600_000 });
  const app = createApp(await createTestDeps(db));
  const title = async (path: string, signedIn = true) => {
    const response = await app.request(path, {
      headers: { accept: "text/html", ...(signedIn ? { cookie: `loom_session=${token}` } : {}) },
    });
    return /<title>([^<]*)<\/title>/.exec(await response.text())?.[1];
  };
  const expected: [string, string][] = [
    ["/", "Dashboard · Loom"],
    ["/repos", "Repositories · Loom"],
    [`/repos/${repo.id}`, "Repository acme/api · Loom"],
    ["/reviews", "Review history · Loom"],
    [`/reviews/${review.id}`, "Review of #40 Add login rate limit · Loom"],
    ["/prompts", "Prompt library · Loom"],
    ["/prompts/strict-security", "Prompt strict-security · Loom"],
    ["/analytics", "Analytics · Loom"],
    ["/settings", "Organization settings · Loom"],
    ["/account", "Account · Loom"],
    ["/no/such/page", "Not found · Loom"],
    [`/reviews/999999`, "Not found · Loom"],
  ];
  for (const [path, name] of expected) assert.equal(await title(path), name, path);
  assert.equal(await title("/login", false), "Sign in · Loom");
});
