/**
 * A fresh Loom prints its one-time set-up token, `/setup` creates the owner only with it, and once the owner
 * exists a restarted Loom prints no token.
 */
import assert from "node:assert/strict";
import { createE2eDatabase, startLoom } from "../support/loom_process.ts";
import { TEST_SECRET_KEY } from "../support/app_server.ts";
import { countUsers } from "../../lib/db/users.ts";

async function postSetup(url: string, setupToken: string): Promise<Response> {
  const page = await fetch(`${url}/setup`);
  const csrf = (await page.text()).match(/name="_csrf" value="([0-9a-f]{64})"/)![1]!;
  const cookie = page.headers.getSetCookie().map((value) => value.split(";")[0]).join("; ");
  return await fetch(`${url}/setup`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      _csrf: csrf,
      setupToken,
      organizationName: "Acme",
      name: "Ada",
      email: "ada@example.com",
      password: "a long enough password",
    }),
  });
}

Deno.test({
  name: "the set-up token is printed at first start, required by /setup, and gone once the owner exists",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using database = await createE2eDatabase("sqlite");
    const env = { LOOM_DATABASE_URL: database.url, LOOM_SECRET_KEY: TEST_SECRET_KEY };
    {
      await using loom = await startLoom(env, ["--no-worker"]);
      await loom.waitForLog(/Loom has no owner yet/);
      const line = loom.logs().split("\n").find((text) => text.includes("Loom has no owner yet"))!;
      const { url, setupToken } = JSON.parse(line) as { url: string; setupToken: string };
      assert.match(setupToken, /^[0-9a-f]{32}$/);
      assert.equal(new URL(url).searchParams.get("token"), setupToken);
      const link = await fetch(`${loom.url}/setup?token=${setupToken}`);
      assert.match(await link.text(), new RegExp(`name="setupToken"[^>]*value="${setupToken}"`));
      const guessed = await postSetup(loom.url, "0".repeat(32));
      assert.equal(guessed.status, 403);
      await guessed.body?.cancel();
      assert.equal(await countUsers(database.db), 0);
      const created = await postSetup(loom.url, setupToken);
      assert.equal(created.status, 303);
      await created.body?.cancel();
      assert.equal(await countUsers(database.db), 1);
    }
    await using restarted = await startLoom(env, ["--no-worker"]);
    const again = await fetch(`${restarted.url}/healthz`);
    await again.body?.cancel();
    assert.doesNotMatch(restarted.logs(), /Loom has no owner yet|setupToken/);
  },
});
