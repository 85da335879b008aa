/** Accounts: first-run setup, password login, rate limits, cookies, sessions, OAuth sign-in and invitations. */
import assert from "node:assert/strict";
import { createApp } from "../../app.ts";
import { dbTest } from "../../lib/db/testing.ts";
import type { Db } from "../../lib/db/mod.ts";
import { sql } from "../../lib/db/mod.ts";
import { loadServerConfig } from "../../lib/config/env.ts";
import { countUsers, createUser, findUserByEmail } from "../../lib/db/users.ts";
import { addMembership, createOrganization, listMemberships } from "../../lib/db/organizations.ts";
import { countUserSessions, createSession } from "../../lib/db/sessions.ts";
import { acceptInvitation, createInvitation } from "../../lib/db/invitations.ts";
import { listRepos } from "../../lib/db/repos.ts";
import { hashPassword, reserveLoginAttempt } from "../../lib/auth/mod.ts";
import { createTestDeps, TEST_SECRET_KEY, TEST_SETUP_TOKEN } from "../support/app_server.ts";
import { seedRepo } from "../browser/seed.ts";
import { startFakeOAuth } from "./fake_oauth.ts";

type App = ReturnType<typeof createApp>;

/** GETs a page with an anonymous form and returns its CSRF token and cookie, as a browser would hold them. */
async function anonymousForm(app: App, path: string): Promise<{ csrf: string; cookie: string }> {
  const response = await app.request(path);
  const csrf = (await response.text()).match(/name="_csrf" value="([0-9a-f]{64})"/)?.[1];
  assert.ok(csrf, `${path} has a CSRF field`);
  return { csrf, cookie: response.headers.getSetCookie().map((value) => value.split(";")[0]).join("; ") };
}

async function postLogin(app: App, email: string, password: string, next = "/"): Promise<Response> {
  const { csrf, cookie } = await anonymousForm(app, "/login");
  return await app.request(`/login?next=${encodeURIComponent(next)}`, {
    method: "POST",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ _csrf: csrf, email, password }).toString(),
    redirect: "manual",
  });
}

async function withOwner(db: Db, password = "the owner's password") {
  const user = await createUser(db, {
    email: "owner@example.com",
    name: "Owner",
    // At an old, cheap cost: these tests are about the flow, and the first correct sign-in re-hashes it anyway.
    passwordHash: await hashPassword(password, { N: 2 ** 10, r: 8, p: 1 }),
  });
  const organization = await createOrganization(db, { name: "Acme" });
  await addMembership(db, { userId: user.id, organizationId: organization.id, role: "owner" });
  return { user, organization, password };
}

dbTest(
  "first run: / leads to setup, which needs the set-up token, creates the owner once and adopts unowned repositories",
  async ({ db }) => {
    const app = createApp(await createTestDeps(db));
    await seedRepo(db, { fullName: "octo/cli-added" });
    const home = await app.request("/", { redirect: "manual" });
    assert.equal(home.status, 303);
    assert.equal(home.headers.get("location"), "/setup");
    const { csrf, cookie } = await anonymousForm(app, "/setup");
    const form = {
      setupToken: TEST_SETUP_TOKEN,
      organizationName: "Acme",
      name: "Ada",
      email: "Ada@Example.com",
      password: "long enough password",
    };
    for (const setupToken of ["", "0".repeat(32), TEST_SETUP_TOKEN.slice(1)]) {
      const refused = await app.request("/setup", {
        method: "POST",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ ...form, setupToken, _csrf: csrf }).toString(),
      });
      assert.equal(refused.status, 403, `set-up token "${setupToken}"`);
      assert.match(await refused.text(), /not the set-up token Loom printed/);
    }
    assert.equal(await countUsers(db), 0, "no owner without the set-up token");
    const forged = await app.request("/setup", {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ ...form, _csrf: "0".repeat(64) }).toString(),
    });
    assert.equal(forged.status, 403);
    assert.equal(await countUsers(db), 0);
    const created = await app.request("/setup", {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ ...form, _csrf: csrf }).toString(),
      redirect: "manual",
    });
    assert.equal(created.status, 303);
    const owner = (await findUserByEmail(db, "ada@example.com"))!;
    assert.match(owner.passwordHash ?? "", /^scrypt\$131072\$8\$1\$/);
    const [membership] = await listMemberships(db, owner.id);
    assert.equal(membership?.role, "owner");
    assert.deepEqual((await listRepos(db, membership!.organization.id)).map((repo) => repo.fullName), [
      "octo/cli-added",
    ]);
    const again = await app.request("/setup", {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ ...form, email: "eve@example.com", _csrf: csrf }).toString(),
      redirect: "manual",
    });
    assert.equal(again.headers.get("location"), "/login");
    assert.equal(await countUsers(db), 1);
  },
);

dbTest("login answers a wrong password and an unknown email the same way", async ({ db }) => {
  const app = createApp(await createTestDeps(db));
  const { password } = await withOwner(db);
  const wrong = await postLogin(app, "owner@example.com", "not the password");
  const unknown = await postLogin(app, "nobody@example.com", "not the password");
  assert.equal(wrong.status, 401);
  assert.equal(unknown.status, 401);
  const message = (html: string) => html.match(/role="alert"[^>]*>([^<]*)</)?.[1];
  const [wrongText, unknownText] = [await wrong.text(), await unknown.text()];
  assert.equal(message(wrongText), "Wrong email or password.");
  assert.equal(message(unknownText), message(wrongText));
  assert.equal(wrong.headers.getSetCookie().some((value) => value.startsWith("loom_session=")), false);
  const ok = await postLogin(app, "OWNER@example.com", password, "//evil.example/steal");
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get("location"), "/", "next= only accepts same-site paths");
  assert.match(ok.headers.get("set-cookie") ?? "", /loom_session=[0-9a-f]{64}/);
});

dbTest("login is rate limited per account with a clear 429, even for the right password", async ({ db }) => {
  // A fixed clock: five scrypt checks on a loaded machine can take longer than the first one-second wait.
  const app = createApp(await createTestDeps(db, { now: () => 1_000_000_000 }));
  const { password } = await withOwner(db);
  for (let attempt = 0; attempt < 5; attempt++) {
    await (await postLogin(app, "owner@example.com", "guess " + attempt)).body?.cancel();
  }
  const limited = await postLogin(app, "owner@example.com", password);
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("retry-after"), "1");
  assert.match(await limited.text(), /Too many failed sign-in attempts. Try again in 1 seconds/);
});

dbTest("reserveLoginAttempt() limits an address that sprays many accounts", async ({ db }) => {
  const limits = {
    perAddress: { max: 3, windowMs: 60_000 },
    perAccount: { freeFailures: 10, firstDelayMs: 1000, maxDelayMs: 60_000 },
  };
  let now = 5_000_000;
  const options = { limits, now: () => now };
  for (const email of ["a@x.test", "b@x.test", "c@x.test"]) {
    assert.deepEqual(await reserveLoginAttempt(db, { address: "10.0.0.1", email }, options), {
      status: "reserved",
    });
  }
  assert.deepEqual(await reserveLoginAttempt(db, { address: "10.0.0.1", email: "d@x.test" }, options), {
    status: "limited",
    retryAfterSeconds: 60,
  });
  assert.equal(
    (await reserveLoginAttempt(db, { address: "10.0.0.2", email: "d@x.test" }, options)).status,
    "reserved",
  );
  now += 60_001;
  assert.equal(
    (await reserveLoginAttempt(db, { address: "10.0.0.1", email: "e@x.test" }, options)).status,
    "reserved",
  );
});

dbTest(
  "session cookies are HttpOnly, SameSite=Lax, and Secure except on plain http://localhost",
  async ({ db }) => {
    const { password } = await withOwner(db);
    for (
      const [publicUrl, secure] of [["https://loom.example.com", true], [
        "http://localhost:8000",
        false,
      ]] as const
    ) {
      const config = loadServerConfig({ LOOM_SECRET_KEY: TEST_SECRET_KEY, LOOM_PUBLIC_URL: publicUrl });
      const app = createApp(await createTestDeps(db, { config }));
      const response = await postLogin(app, "owner@example.com", password);
      const cookie = response.headers.getSetCookie().find((value) => value.startsWith("loom_session="))!;
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Lax/);
      assert.match(cookie, /Path=\//);
      assert.equal(/;\s*Secure/.test(cookie), secure, publicUrl);
    }
  },
);

dbTest("sign out ends this session; sign out everywhere ends all of them", async ({ db }) => {
  const app = createApp(await createTestDeps(db));
  const { user } = await withOwner(db);
  const sessions = await Promise.all([1, 2, 3].map(() => createSession(db, user.id, { ttlMs: 3_600_000 })));
  const logout = (index: number, form: Record<string, string>) =>
    app.request("/logout", {
      method: "POST",
      headers: {
        cookie: `loom_session=${sessions[index]!.token}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ _csrf: sessions[index]!.session.csrfToken, ...form }).toString(),
      redirect: "manual",
    });
  const one = await logout(0, {});
  assert.match(one.headers.get("set-cookie") ?? "", /loom_session=;/);
  assert.equal(await countUserSessions(db, user.id), 2);
  const stale = await app.request("/", { headers: { cookie: `loom_session=${sessions[0]!.token}` } });
  assert.match(
    await stale.text(),
    /Code review that never sleeps/,
    "the old cookie shows the signed-out landing page",
  );
  await (await logout(1, { everywhere: "1" })).body?.cancel();
  assert.equal(await countUserSessions(db, user.id), 0);
});

dbTest("expired sessions are refused and deleted", async ({ db }) => {
  let now = 1_000_000;
  const app = createApp(await createTestDeps(db, { now: () => now }));
  const { user } = await withOwner(db);
  const { token } = await createSession(db, user.id, { ttlMs: 60_000, now: () => now });
  assert.equal(
    (await app.request("/settings", { headers: { cookie: `loom_session=${token}` } })).status,
    200,
  );
  now += 60_001;
  const expired = await app.request("/settings", {
    headers: { cookie: `loom_session=${token}` },
    redirect: "manual",
  });
  assert.equal(expired.status, 303);
  assert.equal((await db.query(sql`select id from sessions`)).length, 0);
});

dbTest(
  "GitLab sign-in runs arctic with PKCE against the provider and signs in the linked user",
  async ({ db }) => {
    await using provider = startFakeOAuth({ id: "loom-client", secret: "loom-secret" });
    const config = loadServerConfig({
      LOOM_SECRET_KEY: TEST_SECRET_KEY,
      LOOM_PUBLIC_URL: "https://loom.example.com",
      LOOM_GITLAB_URL: provider.url,
      LOOM_GITLAB_OAUTH_CLIENT_ID: "loom-client",
      LOOM_GITLAB_OAUTH_CLIENT_SECRET: "loom-secret",
    });
    const app = createApp(await createTestDeps(db, { config }));
    await withOwner(db);
    const start = await app.request("/auth/gitlab?next=/reviews", { redirect: "manual" });
    const authorize = new URL(start.headers.get("location")!);
    assert.equal(authorize.origin + authorize.pathname, `${provider.url}/oauth/authorize`);
    assert.equal(authorize.searchParams.get("redirect_uri"), "https://loom.example.com/auth/gitlab/callback");
    assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
    const codeChallenge = authorize.searchParams.get("code_challenge")!;
    assert.match(codeChallenge, /^[A-Za-z0-9_-]{43}$/);
    const stateCookie = start.headers.get("set-cookie")!.split(";")[0]!;
    const state = authorize.searchParams.get("state")!;
    const ada = { id: 501, username: "ada", name: "Ada", email: "owner@example.com", verified: true };
    const callback = (code: string, callbackState = state) =>
      app.request(`/auth/gitlab/callback?code=${code}&state=${callbackState}`, {
        headers: { cookie: stateCookie },
        redirect: "manual",
      });

    const wrongState = await callback(provider.grant(ada, { codeChallenge }), "forged");
    assert.equal(wrongState.headers.get("location"), "/login?error=oauth-state");
    // A code issued to someone else's sign-in (another verifier's challenge), injected into this one, is useless.
    const injected = await callback(provider.grant(ada, { codeChallenge: "A".repeat(43) }));
    assert.equal(injected.headers.get("location"), "/login?error=oauth-failed");
    assert.equal(provider.tokenRequests.at(-1)?.body.code_verifier?.length, 43);

    const signedIn = await callback(provider.grant(ada, { codeChallenge }));
    assert.equal(signedIn.headers.get("location"), "/reviews");
    assert.match(signedIn.headers.getSetCookie().join("\n"), /loom_session=[0-9a-f]{64}.*HttpOnly.*Secure/s);
    assert.equal(provider.tokenRequests.at(-1)?.body.grant_type, "authorization_code");
    const linked = await db.query(sql`select provider, provider_user_id from user_identities`);
    assert.deepEqual(linked, [{ provider: "gitlab", providerUserId: "501" }]);
  },
);

dbTest("GitLab sign-in trusts an email only with a confirmed_at date", async ({ db }) => {
  await using provider = startFakeOAuth({ id: "loom-client", secret: "loom-secret" });
  const config = loadServerConfig({
    LOOM_SECRET_KEY: TEST_SECRET_KEY,
    LOOM_GITLAB_URL: provider.url,
    LOOM_GITLAB_OAUTH_CLIENT_ID: "loom-client",
    LOOM_GITLAB_OAUTH_CLIENT_SECRET: "loom-secret",
  });
  const app = createApp(await createTestDeps(db, { config }));
  await withOwner(db);
  const signIn = async (user: Parameters<typeof provider.grant>[0]) => {
    const start = await app.request("/auth/gitlab", { redirect: "manual" });
    const authorize = new URL(start.headers.get("location")!);
    const codeChallenge = authorize.searchParams.get("code_challenge")!;
    const response = await app.request(
      `/auth/gitlab/callback?code=${provider.grant(user, { codeChallenge })}&state=${
        authorize.searchParams.get("state")
      }`,
      { headers: { cookie: start.headers.get("set-cookie")!.split(";")[0]! }, redirect: "manual" },
    );
    await response.body?.cancel();
    return response.headers.get("location");
  };
  const owner = { username: "owner", name: "Owner", email: "owner@example.com" };
  assert.equal(await signIn({ ...owner, id: 1, verified: false }), "/login?error=oauth-unknown");
  assert.equal(
    await signIn({ ...owner, id: 2, verified: true, omitConfirmedAt: true }),
    "/login?error=oauth-unknown",
    "no confirmed_at field is no confirmation",
  );
  assert.equal(await signIn({ ...owner, id: 3, verified: true }), "/");
});

dbTest("OAuth sign-in never creates accounts and ignores unverified emails", async ({ db }) => {
  await using provider = startFakeOAuth({ id: "gh-client", secret: "gh-secret" });
  const config = loadServerConfig({
    LOOM_SECRET_KEY: TEST_SECRET_KEY,
    LOOM_GITHUB_API_URL: provider.url,
    LOOM_GITHUB_OAUTH_CLIENT_ID: "gh-client",
    LOOM_GITHUB_OAUTH_CLIENT_SECRET: "gh-secret",
  });
  const app = createApp(await createTestDeps(db, { config }));
  await withOwner(db);
  const signIn = async (user: Parameters<typeof provider.grant>[0], session = "") => {
    const start = await app.request("/auth/github", { redirect: "manual" });
    const authorize = new URL(start.headers.get("location")!);
    // The fake stands in for the GitHub host that `LOOM_GITHUB_API_URL` names (an Enterprise server's web host).
    assert.equal(authorize.origin + authorize.pathname, `${provider.url}/login/oauth/authorize`);
    assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
    const codeChallenge = authorize.searchParams.get("code_challenge")!;
    const state = authorize.searchParams.get("state");
    const cookie = [start.headers.get("set-cookie")!.split(";")[0]!, session].filter(Boolean).join("; ");
    const code = provider.grant(user, { codeChallenge });
    const response = await app.request(`/auth/github/callback?code=${code}&state=${state}`, {
      headers: { cookie },
      redirect: "manual",
    });
    await response.body?.cancel();
    return response.headers.get("location");
  };
  assert.equal(
    await signIn({ id: 9, username: "eve", name: "Eve", email: "eve@example.com", verified: true }),
    "/login?error=oauth-unknown",
  );
  assert.equal(
    await signIn({ id: 10, username: "mallory", name: "M", email: "owner@example.com", verified: false }),
    "/login?error=oauth-unknown",
  );
  assert.equal(
    await signIn({ id: 11, username: "owner", name: "Owner", email: "owner@example.com", verified: true }),
    "/",
  );
  assert.equal(await countUsers(db), 1);
  // A signed-in user links a new identity, but not one that already belongs to someone else.
  const lin = await createUser(db, { email: "lin@example.com", name: "Lin" });
  const { token } = await createSession(db, lin.id, { ttlMs: 60_000 });
  const owned = { id: 11, username: "owner", name: "Owner", email: "owner@example.com", verified: true };
  assert.equal(await signIn(owned, `loom_session=${token}`), "/account?error=identity-taken");
  const mine = { id: 12, username: "lin", name: "Lin", email: "lin@example.com", verified: false };
  assert.equal(await signIn(mine, `loom_session=${token}`), "/account?notice=identity-linked");
  assert.equal(await signIn(mine), "/");
});

dbTest("an invitation adds a member once and cannot take over an existing account", async ({ db }) => {
  const app = createApp(await createTestDeps(db));
  const { organization } = await withOwner(db);
  const { token } = await createInvitation(db, {
    organizationId: organization.id,
    email: "lin@example.com",
    role: "member",
  });
  const accept = async (form: Record<string, string>) => {
    const { csrf, cookie } = await anonymousForm(app, `/invitations/${token}`);
    return await app.request(`/invitations/${token}`, {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
      redirect: "manual",
    });
  };
  const joined = await accept({ name: "Lin", password: "lin's long password" });
  assert.equal(joined.status, 303);
  const lin = (await findUserByEmail(db, "lin@example.com"))!;
  assert.deepEqual((await listMemberships(db, lin.id)).map((membership) => membership.role), ["member"]);
  const reused = await app.request(`/invitations/${token}`);
  assert.equal(reused.status, 404);

  const { token: second } = await createInvitation(db, {
    organizationId: organization.id,
    email: "owner@example.com",
    role: "admin",
  });
  const { csrf, cookie } = await anonymousForm(app, `/invitations/${second}`);
  const takeover = await app.request(`/invitations/${second}`, {
    method: "POST",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ _csrf: csrf, name: "Eve", password: "eve's new password" }).toString(),
  });
  assert.equal(takeover.status, 400);
  assert.match(await takeover.text(), /sign in first/);
});

dbTest("an invitation is accepted only by the invited address, whoever holds the link", async ({ db }) => {
  const app = createApp(await createTestDeps(db));
  const { organization } = await withOwner(db);
  const { token, invitation } = await createInvitation(db, {
    organizationId: organization.id,
    email: "Lin@Example.com",
    role: "admin",
  });
  const signedIn = async (email: string) => {
    const user = (await findUserByEmail(db, email)) ?? await createUser(db, { email, name: email });
    const { token: session } = await createSession(db, user.id, { ttlMs: 60_000 });
    const page = await app.request(`/invitations/${token}`, {
      headers: { cookie: `loom_session=${session}` },
    });
    const html = await page.text();
    const csrf = html.match(/name="_csrf" value="([0-9a-f]{64})"/)![1]!;
    const accepted = await app.request(`/invitations/${token}`, {
      method: "POST",
      headers: { cookie: `loom_session=${session}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
      redirect: "manual",
    });
    return { user, html, accepted };
  };
  // Someone else signed in, with the forwarded link: refused, with the reason, and nothing changes.
  const eve = await signedIn("eve@example.com");
  assert.match(eve.html, /This invitation is for lin@example\.com/);
  assert.doesNotMatch(eve.html, /Accept invitation<\/button>/);
  assert.equal(eve.accepted.status, 403);
  assert.match(await eve.accepted.text(), /sign out, then open the link again/);
  assert.deepEqual(await listMemberships(db, eve.user.id), []);
  // The database refuses it too, whatever a caller checked.
  assert.equal(
    await acceptInvitation(db, invitation, { id: eve.user.id, email: "eve@example.com" }),
    false,
  );
  assert.deepEqual(await listMemberships(db, eve.user.id), []);
  // The invited address (in any case) accepts, once.
  const lin = await signedIn("LIN@example.com");
  assert.equal(lin.accepted.status, 303);
  assert.deepEqual((await listMemberships(db, lin.user.id)).map((membership) => membership.role), ["admin"]);
});
