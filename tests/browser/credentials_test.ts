/**
 * Settings shows which credential each repository's reviews will use — the organization's own token, or none
 * when the server's is not lent to it — and the Test button asks the platform what a saved token can do: who it
 * acts as and which of the organization's repositories it can read, through the real client against the fake.
 */
import assert from "node:assert/strict";
import { dbTest } from "../../lib/db/testing.ts";
import { createRepo } from "../../lib/db/repos.ts";
import { addMembership, createOrganization } from "../../lib/db/organizations.ts";
import { createUser } from "../../lib/db/users.ts";
import { createSession } from "../../lib/db/sessions.ts";
import { saveCredential } from "../../lib/db/credentials.ts";
import { createSecretBox } from "../../lib/crypto/secret_box.ts";
import { loadServerConfig } from "../../lib/config/env.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../fakes/github.ts";
import { ensureIslandsBuilt, launchBrowser, screenshotPath } from "../support/browser.ts";
import { createTestDeps, serveApp, TEST_SECRET_KEY } from "../support/app_server.ts";

const BETA_TOKEN = "ghp_beta_team_token_000000000000000000";

dbTest(
  "settings: which credential each repository uses, and testing a saved token",
  async ({ db, dialect }) => {
    await ensureIslandsBuilt();
    await using github = startFakeGitHub({
      tokens: { [BETA_TOKEN]: "beta-bot", [FAKE_GITHUB_TOKEN]: "server-bot" },
      access: { [BETA_TOKEN]: ["beta/app"] },
    });
    // Acme, the first organization, is the one the server's token is lent to by default.
    await createOrganization(db, { name: "Acme" });
    const beta = await createOrganization(db, { name: "Beta" });
    const owner = await createUser(db, { email: "bo@beta.test", name: "Bo" });
    await addMembership(db, { userId: owner.id, organizationId: beta.id, role: "owner" });
    const box = await createSecretBox(TEST_SECRET_KEY);
    await saveCredential(db, box, {
      organizationId: beta.id,
      kind: "github",
      name: "bot",
      value: BETA_TOKEN,
    });
    for (
      const [platform, fullName] of [["github", "beta/app"], ["github", "beta/secret"], [
        "gitlab",
        "beta/lib",
      ]]
    ) {
      await createRepo(db, {
        platform: platform as "github" | "gitlab",
        fullName: fullName!,
        webhookSecret: "unused",
        organizationId: beta.id,
      });
    }
    const config = loadServerConfig({
      LOOM_SECRET_KEY: TEST_SECRET_KEY,
      LOOM_DB_REQUEST_TIMEOUT_MS: "10000",
      LOOM_GITHUB_API_URL: github.url,
      LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN,
      LOOM_GITLAB_TOKEN: "glpat-server",
    });
    await using server = serveApp(await createTestDeps(db, { config }));
    const browser = await launchBrowser();
    try {
      const { token } = await createSession(db, owner.id, { ttlMs: 3_600_000 });
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addCookies([{ name: "loom_session", value: token, url: server.url }]);
      const page = await context.newPage();
      await page.goto(`${server.url}/settings`);

      const uses = page.locator('[data-testid="repo-credentials"]');
      const line = async (name: string) => await uses.locator("li", { hasText: name }).innerText();
      assert.match(await line("beta/app"), /the organization's GitHub credential "bot"/);
      assert.match(await line("beta/secret"), /the organization's GitHub credential "bot"/);
      // The server's GitLab token exists, but is not lent to Beta.
      assert.match(await line("beta/lib"), /none: No GitLab credential for gitlab\.com in organization beta/);
      assert.match(await line("beta/lib"), /LOOM_SHARE_SERVER_CREDENTIALS/);

      const credential = page.locator("[data-credential-id]", { hasText: "GitHub token" });
      await Promise.all([
        page.waitForLoadState("load"),
        credential.locator('button:text-is("Test")').click(),
      ]);
      const result = page.locator('[data-testid="credential-test"]');
      await result.waitFor();
      const text = await result.innerText();
      assert.match(text, /GitHub accepts it: it acts as beta-bot/);
      assert.match(text, /Reads beta\/app\./);
      assert.match(text, /Cannot read beta\/secret: .*404/);
      assert.equal(
        await result.getAttribute("class"),
        "notice error",
        "a repository it cannot read is a problem",
      );
      await page.screenshot({
        path: await screenshotPath(`settings-credential-test-${dialect}`),
        fullPage: true,
      });
    } finally {
      await browser.close();
    }
  },
);
