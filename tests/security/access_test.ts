/**
 * Authorization across organizations, for every route in `routes.gen.ts`: a member of one organization cannot
 * read or change another's repositories, reviews, prompts, keys, invitations, members or settings by guessing
 * ids; signed-out requests and requests without the CSRF token change nothing; members cannot do admins' work.
 */
import assert from "node:assert/strict";
import { dbTest } from "../../lib/db/testing.ts";
import { sql } from "../../lib/db/mod.ts";
import { routes } from "../../routes.gen.ts";
import { getRepo } from "../../lib/db/repos.ts";
import { listPromptVersions } from "../../lib/db/prompts.ts";
import { listCredentials } from "../../lib/db/credentials.ts";
import { listInvitations } from "../../lib/db/invitations.ts";
import { listMembers } from "../../lib/db/organizations.ts";
import { listOrgLearnings } from "../../lib/learnings/mod.ts";
import { anonymous, signedIn, type Tenant, twoTenants } from "./harness.ts";
import type { Db } from "../../lib/db/mod.ts";

/** Routes anyone may call: health, webhooks (own signature checks), and the sign-in flow. */
const PUBLIC = new Set([
  "/healthz",
  "/readyz",
  "/metrics",
  "/api/webhooks/:platform",
  "/",
  "/setup",
  "/login",
  "/logout",
  "/auth/:provider",
  "/auth/:provider/callback",
  "/invitations/:token",
]);

/** Everything a tenant owns, to prove nothing changed after an attack. */
async function snapshot(db: Db, tenant: Tenant) {
  const organizationId = tenant.organization.id;
  return {
    repo: await getRepo(db, tenant.repo.id),
    prompts: await listPromptVersions(db, organizationId, tenant.promptName),
    credentials: await listCredentials(db, organizationId),
    invitations: await listInvitations(db, organizationId),
    members: await listMembers(db, organizationId),
    organization: (await db.query(sql`select name from organizations where id = ${organizationId}`))[0],
    jobs: (await db.query(sql`select count(*) as count from jobs`))[0],
    learnings: await listOrgLearnings(db, organizationId),
  };
}

/** Requests that name the other tenant's objects, for every dashboard route with a mutation or an id. */
function attacks(
  victim: Tenant,
): { path: string; method: string; form?: Record<string, string>; json?: unknown }[] {
  return [
    { method: "GET", path: `/repos/${victim.repo.id}` },
    { method: "POST", path: `/repos/${victim.repo.id}`, form: { paused: "1" } },
    { method: "PATCH", path: `/api/repos/${victim.repo.id}`, json: { paused: true } },
    { method: "GET", path: `/reviews/${victim.reviewId}` },
    { method: "POST", path: `/reviews/${victim.reviewId}` },
    { method: "GET", path: `/api/reviews/${victim.reviewId}` },
    ...victim.learningIds.flatMap((id): { path: string; method: string; form?: Record<string, string> }[] => [
      { method: "GET", path: `/learnings/${id}` },
      { method: "POST", path: `/learnings/${id}`, form: { action: "disable" } },
      { method: "POST", path: `/learnings/${id}`, form: { action: "delete" } },
      { method: "POST", path: `/learnings/${id}`, form: { action: "save", rule: "hijacked" } },
    ]),
    { method: "GET", path: `/prompts/${victim.promptName}` },
    { method: "POST", path: `/prompts/${victim.promptName}`, form: { body: "hijacked", intent: "save" } },
    {
      method: "POST",
      path: "/settings",
      form: { intent: "delete-credential", id: String(victim.credential.id) },
    },
    { method: "POST", path: "/settings", form: { intent: "revoke", id: String(victim.invitation.id) } },
    {
      method: "POST",
      path: "/settings",
      form: { intent: "member", userId: String(victim.member.id), role: "remove" },
    },
    {
      method: "POST",
      path: "/settings",
      form: { intent: "member", userId: String(victim.owner.id), role: "member" },
    },
    {
      method: "POST",
      path: "/account/organization",
      form: { organizationId: String(victim.organization.id) },
    },
  ];
}

dbTest("every route is either public or covered by these authorization tests", async ({ db }) => {
  const { b } = await twoTenants(db);
  const pattern = (path: string) =>
    path.replace(/\/\d+$/, "/:id").replace(new RegExp(`/prompts/${b.promptName}$`), "/prompts/:name");
  const covered = new Set([
    ...attacks(b).map((attack) => pattern(attack.path)),
    "/repos",
    "/reviews",
    "/prompts",
    "/learnings",
    "/learnings/export",
    "/analytics",
    "/settings",
    "/account",
    "/api/reviews",
    "/api/analytics",
    "/api/prompts/preview",
    "/api/repos",
    "/settings/github-app",
    "/settings/github-app/install",
    "/settings/github-app/setup",
    "/settings/github-app/callback",
  ]);
  const unknown = routes.map((route) => route.pattern).filter((route) =>
    !PUBLIC.has(route) && !covered.has(route)
  );
  assert.deepEqual(unknown, [], "add new routes to tests/security/access_test.ts");
});

dbTest(
  "a member of one organization cannot read or change another's data by guessing ids",
  async ({ db }) => {
    const { app, a, b } = await twoTenants(db);
    const before = await snapshot(db, b);
    for (const user of [a.owner, a.member]) {
      const client = await signedIn(app, db, user);
      for (const attack of attacks(b)) {
        const response = await client.request(attack.path, attack);
        const text = await response.text();
        assert.ok(
          [403, 404].includes(response.status),
          `${attack.method} ${attack.path}: ${response.status}`,
        );
        assert.doesNotMatch(
          text,
          /Bravo|private prompt|very-secret/,
          `${attack.method} ${attack.path} leaks`,
        );
      }
    }
    assert.deepEqual(await snapshot(db, b), before);
  },
);

dbTest("lists, analytics and the JSON API show only the viewer's organization", async ({ db }) => {
  const { app, a, b } = await twoTenants(db);
  const client = await signedIn(app, db, a.owner);
  for (
    const path of [
      "/",
      "/repos",
      "/reviews",
      `/reviews?repo=${b.repo.id}`,
      "/prompts",
      "/learnings",
      "/analytics",
      "/settings",
      "/settings/github-app",
      "/account",
    ]
  ) {
    const response = await client.request(path);
    const text = await response.text();
    assert.equal(response.status, 200, path);
    assert.match(
      response.headers.get("content-security-policy") ?? "",
      /script-src 'self'; style-src 'self';/,
      path,
    );
    assert.doesNotMatch(response.headers.get("content-security-policy") ?? "", /unsafe-inline/, path);
    // Refused by that policy, so no page may carry one: the look comes from /static/loom.css alone.
    assert.doesNotMatch(text, /<style[\s>]|\sstyle=/, path);
    assert.equal(response.headers.get("x-frame-options"), "DENY", path);
    assert.match(text, /Alpha/, path);
    assert.doesNotMatch(text, /Bravo|bravo|very-secret/, path);
  }
  const exported = await client.request("/learnings/export");
  assert.match(exported.headers.get("content-type") ?? "", /^application\/yaml/);
  const yaml = await exported.text();
  assert.equal(yaml.match(/Alpha private rule/g)?.length, 2, "the repository's and the organization's");
  assert.doesNotMatch(yaml, /Bravo|bravo/);
  const overview = await (await client.request("/api/reviews")).json();
  assert.deepEqual(overview.reviews.map((review: { id: number }) => review.id), [a.reviewId]);
  const analytics = await (await client.request("/api/analytics?days=7")).json();
  assert.equal(analytics.totals.reviews, 1);
  // The owner's own key is never sent back in full either.
  assert.doesNotMatch(await (await client.request("/settings")).text(), new RegExp(a.credentialValue));
});

dbTest("signed-out requests to every dashboard route are refused and change nothing", async ({ db }) => {
  const { app, a } = await twoTenants(db);
  const before = await snapshot(db, a);
  const client = anonymous(app);
  for (const { pattern, module } of routes) {
    if (PUBLIC.has(pattern)) continue;
    const path = pattern.replace(":id", String(a.repo.id)).replace(":name", a.promptName);
    for (const method of Object.keys(module.handler)) {
      const response = await client.request(path, { method, json: method === "GET" ? undefined : {} });
      await response.body?.cancel();
      if (pattern.startsWith("/api/")) assert.equal(response.status, 401, `${method} ${path}`);
      else {
        assert.equal(response.status, 303, `${method} ${path}`);
        assert.match(response.headers.get("location") ?? "", /^\/login/);
      }
    }
  }
  assert.deepEqual(await snapshot(db, a), before);
});

dbTest("every mutation without the session's CSRF token is refused", async ({ db }) => {
  const { app, a } = await twoTenants(db);
  const before = await snapshot(db, a);
  const client = await signedIn(app, db, a.owner);
  for (const { pattern, module } of routes) {
    // Webhooks verify signatures; OAuth callbacks check their state; first-run setup is closed once a user exists
    // (its anonymous CSRF check is in auth_test.ts).
    if (pattern.startsWith("/api/webhooks/") || pattern.startsWith("/auth/") || pattern === "/setup") {
      continue;
    }
    const path = pattern.replace(":id", String(a.repo.id)).replace(":name", a.promptName)
      .replace(":token", "0".repeat(64));
    for (const method of Object.keys(module.handler).filter((method) => method !== "GET")) {
      for (const json of [undefined, {}]) {
        const response = await client.request(path, {
          method,
          csrf: false,
          json,
          form: json ? undefined : { intent: "rename", name: "Owned" },
        });
        await response.body?.cancel();
        assert.ok(
          [403, 404].includes(response.status),
          `${method} ${path} ${json ? "json" : "form"}: ${response.status}`,
        );
      }
    }
  }
  // A wrong token is no better than none.
  const forged = await app.request("/settings", {
    method: "POST",
    headers: { cookie: client.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ _csrf: "0".repeat(64), intent: "rename", name: "Owned" }).toString(),
    redirect: "manual",
  });
  await forged.body?.cancel();
  assert.equal(forged.status, 403);
  assert.deepEqual(await snapshot(db, a), before);
});

dbTest("members cannot do what needs an admin", async ({ db }) => {
  const { app, a } = await twoTenants(db);
  const before = await snapshot(db, a);
  const client = await signedIn(app, db, a.member);
  const adminWork: { method: string; path: string; form?: Record<string, string>; json?: unknown }[] = [
    { method: "POST", path: "/repos", form: { platform: "github", fullName: "alpha/new" } },
    { method: "POST", path: "/api/repos", json: { platform: "github", fullName: "alpha/new" } },
    { method: "POST", path: "/settings", form: { intent: "test-credential", id: "1" } },
    { method: "POST", path: `/repos/${a.repo.id}`, form: { paused: "1" } },
    { method: "PATCH", path: `/api/repos/${a.repo.id}`, json: { paused: true } },
    { method: "POST", path: `/reviews/${a.reviewId}` },
    {
      method: "POST",
      path: "/settings",
      form: { intent: "credential", kind: "openai", name: "x", value: "sk-xxxxxxxxxxxxxxxx" },
    },
    { method: "POST", path: "/settings", form: { intent: "invite", email: "x@example.com", role: "admin" } },
    // Installing, claiming and connecting through the GitHub App are an admin's (the page itself is readable).
    {
      method: "POST",
      path: "/settings/github-app",
      form: { intent: "connect", host: "github.com", platformRepoId: "1" },
    },
    { method: "GET", path: "/settings/github-app/install" },
    { method: "GET", path: "/settings/github-app/setup?installation_id=1&setup_action=install" },
    { method: "GET", path: "/settings/github-app/callback?code=c&state=s" },
    {
      method: "POST",
      path: "/settings",
      form: { intent: "member", userId: String(a.owner.id), role: "remove" },
    },
    // Changing learnings changes every later review: an admin's, like the repository's settings.
    { method: "POST", path: `/learnings/${a.learningIds[0]}`, form: { action: "disable" } },
    { method: "POST", path: `/learnings/${a.learningIds[1]}`, form: { action: "delete" } },
    { method: "POST", path: "/learnings", form: { yaml: "learnings: []" } },
  ];
  for (const attack of adminWork) {
    const response = await client.request(attack.path, attack);
    await response.body?.cancel();
    assert.equal(response.status, 403, `${attack.method} ${attack.path}`);
  }
  assert.deepEqual(await snapshot(db, a), before);
  // Members may still read and write prompts, which are shared team knowledge.
  const saved = await client.request(`/prompts/${a.promptName}`, {
    method: "POST",
    form: { body: "Team edit", intent: "save" },
  });
  assert.equal(saved.status, 303);
  assert.equal((await listPromptVersions(db, a.organization.id, a.promptName))[0]?.body, "Team edit");
});

dbTest("an admin cannot demote or remove an owner, and the last owner stays", async ({ db }) => {
  const { app, a } = await twoTenants(db);
  await db.exec(sql`update memberships set role = 'admin' where user_id = ${a.member.id}`);
  const admin = await signedIn(app, db, a.member);
  const response = await admin.request("/settings", {
    method: "POST",
    form: { intent: "member", userId: String(a.owner.id), role: "remove" },
  });
  assert.equal(response.status, 400);
  assert.match(await response.text(), /Only an owner can change an owner/);
  assert.equal(
    (await listMembers(db, a.organization.id)).find((member) => member.userId === a.owner.id)?.role,
    "owner",
  );
});
