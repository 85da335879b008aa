/**
 * Password guessing against `/login`: parallel bursts, spraying many accounts from behind the documented reverse
 * proxy, and failures on the owner's own account. Accounts here get cheap scrypt hashes (N=2^10, as a much older
 * Loom would have made them) so forty sign-ins take milliseconds; the limits do not depend on the cost, and the
 * re-hash test shows such a hash is replaced at today's cost on the first correct sign-in.
 */
import assert from "node:assert/strict";
import { createApp } from "../../app.ts";
import { dbTest } from "../../lib/db/testing.ts";
import type { Db } from "../../lib/db/mod.ts";
import { loadServerConfig } from "../../lib/config/env.ts";
import { createUser, findUserByEmail, replacePasswordHash, setPasswordHash } from "../../lib/db/users.ts";
import { addMembership, createOrganization } from "../../lib/db/organizations.ts";
import { hashPassword, SCRYPT_COST, verifyPassword } from "../../lib/auth/mod.ts";
import { createTestDeps, TEST_SECRET_KEY } from "../support/app_server.ts";

type App = ReturnType<typeof createApp>;

const CHEAP = { N: 2 ** 10, r: 8, p: 1 };
const PROXY = "10.0.0.1";

async function addUser(db: Db, email: string, password: string) {
  const user = await createUser(db, {
    email,
    name: email,
    passwordHash: await hashPassword(password, CHEAP),
  });
  const organization = await createOrganization(db, { name: `Org of ${email}` });
  await addMembership(db, { userId: user.id, organizationId: organization.id, role: "owner" });
  return user;
}

/** A browser's sign-in: the form's CSRF token and cookie, then the POST, from `client` through the proxy. */
function signInAs(app: App) {
  let form: { csrf: string; cookie: string } | undefined;
  return async (email: string, password: string, client?: string): Promise<Response> => {
    const env = { remoteAddr: { hostname: PROXY } };
    const forwarded: Record<string, string> = client ? { "x-forwarded-for": client } : {};
    if (!form) {
      const page = await app.request("/login", { headers: forwarded }, env);
      const csrf = (await page.text()).match(/name="_csrf" value="([0-9a-f]{64})"/)![1]!;
      form = { csrf, cookie: page.headers.getSetCookie().map((value) => value.split(";")[0]).join("; ") };
    }
    return await app.request("/login", {
      method: "POST",
      headers: { ...forwarded, cookie: form.cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: form.csrf, email, password }).toString(),
      redirect: "manual",
    }, env);
  };
}

dbTest("a parallel burst of 40 wrong passwords answers 429 after the limit, not 40 × 401", async ({ db }) => {
  const app = createApp(await createTestDeps(db));
  await addUser(db, "owner@example.com", "the owner's password");
  const signIn = signInAs(app);
  const responses = await Promise.all(
    Array.from({ length: 40 }, (_, index) => signIn("owner@example.com", `guess ${index}`)),
  );
  const statuses = responses.map((response) => response.status);
  await Promise.all(responses.map((response) => response.body?.cancel()));
  const unauthorized = statuses.filter((status) => status === 401).length;
  const limited = statuses.filter((status) => status === 429).length;
  assert.equal(unauthorized + limited, 40, statuses.join(","));
  assert.ok(
    unauthorized <= 5,
    `${unauthorized} passwords were checked; the account allows 5 before backing off`,
  );
  assert.ok(limited >= 35, statuses.join(","));
});

dbTest(
  "20 failures on other accounts behind the trusted proxy do not lock out the owner's correct sign-in",
  async ({ db }) => {
    const config = loadServerConfig({ LOOM_SECRET_KEY: TEST_SECRET_KEY, LOOM_TRUSTED_PROXIES: "10.0.0.0/8" });
    const app = createApp(await createTestDeps(db, { config }));
    await addUser(db, "owner@example.com", "the owner's password");
    const attacker = "203.0.113.5";
    const signIn = signInAs(app);
    for (let index = 0; index < 20; index++) {
      const email = `victim-${crypto.randomUUID().slice(0, 8)}@example.com`;
      await addUser(db, email, "their own password");
      const response = await signIn(email, "wrong guess", attacker);
      assert.equal(response.status, 401, `failure ${index + 1}`);
      await response.body?.cancel();
    }
    // The attacker's own address is spent, however it dresses up its X-Forwarded-For.
    for (const forwarded of [attacker, `198.51.100.7, ${attacker}`]) {
      const response = await signIn("someone@example.com", "wrong guess", forwarded);
      assert.equal(response.status, 429, forwarded);
      await response.body?.cancel();
    }
    const owner = await signIn("owner@example.com", "the owner's password", "198.51.100.7");
    assert.equal(owner.status, 303);
    assert.match(owner.headers.getSetCookie().join("\n"), /loom_session=[0-9a-f]{64}/);
  },
);

dbTest(
  "failures on the owner's account back off exponentially; the correct password after the wait signs in",
  async ({ db }) => {
    let now = 1_000_000_000;
    const app = createApp(await createTestDeps(db, { now: () => now }));
    await addUser(db, "owner@example.com", "the owner's password");
    const signIn = signInAs(app);
    const status = async (password: string) => {
      const response = await signIn("owner@example.com", password);
      await response.body?.cancel();
      return { status: response.status, retryAfter: response.headers.get("retry-after") };
    };
    for (let index = 0; index < 5; index++) assert.equal((await status(`guess ${index}`)).status, 401);
    assert.deepEqual(await status("the owner's password"), { status: 429, retryAfter: "1" });
    now += 1000;
    assert.deepEqual(await status("guess 5"), { status: 401, retryAfter: null });
    assert.deepEqual(
      await status("the owner's password"),
      { status: 429, retryAfter: "2" },
      "the wait doubles",
    );
    now += 2000;
    assert.equal(
      (await status("the owner's password")).status,
      303,
      "the right password after the wait works",
    );
    // Success resets the account: without the reset, the first failure here would start a 4 s wait.
    assert.equal((await status("again 1")).status, 401);
    assert.equal((await status("again 2")).status, 401);
  },
);

dbTest("a correct password stored at an older scrypt cost is re-hashed at today's cost", async ({ db }) => {
  const app = createApp(await createTestDeps(db));
  await addUser(db, "owner@example.com", "the owner's password");
  const before = (await findUserByEmail(db, "owner@example.com"))!.passwordHash!;
  assert.match(before, /^scrypt\$1024\$8\$1\$/);
  const wrong = await signInAs(app)("owner@example.com", "not the password");
  await wrong.body?.cancel();
  assert.equal(
    (await findUserByEmail(db, "owner@example.com"))!.passwordHash,
    before,
    "a failure changes nothing",
  );
  const response = await signInAs(app)("owner@example.com", "the owner's password");
  assert.equal(response.status, 303);
  const after = (await findUserByEmail(db, "owner@example.com"))!.passwordHash!;
  assert.match(after, new RegExp(`^scrypt\\$${SCRYPT_COST.N}\\$${SCRYPT_COST.r}\\$${SCRYPT_COST.p}\\$`));
  assert.equal(await verifyPassword("the owner's password", after), true);
});

dbTest(
  "a re-hash never undoes a password changed while the sign-in was checking the old one",
  async ({ db }) => {
    const user = await addUser(db, "owner@example.com", "the old password");
    const old = user.passwordHash!;
    const changed = await hashPassword("the new password", CHEAP);
    await setPasswordHash(db, user.id, changed);
    // The sign-in that verified the old password now re-hashes it: the stored hash is no longer the one it read.
    await replacePasswordHash(db, user.id, { from: old, to: await hashPassword("the old password", CHEAP) });
    assert.equal((await findUserByEmail(db, "owner@example.com"))!.passwordHash, changed);
  },
);
