import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { dbTest } from "../../lib/db/testing.ts";
import { listRepos } from "../../lib/db/repos.ts";
import { latestPrompt } from "../../lib/db/prompts.ts";
import { listMemberships } from "../../lib/db/organizations.ts";
import { findUserByEmail } from "../../lib/db/users.ts";
import { enqueue, getJob } from "../../lib/queue/mod.ts";
import { sql } from "../../lib/db/mod.ts";
import { ensureIslandsBuilt, launchBrowser, screenshotPath } from "../support/browser.ts";
import { createTestDeps, serveApp, TEST_SECRET_KEY, TEST_SETUP_TOKEN } from "../support/app_server.ts";
import { loadServerConfig } from "../../lib/config/env.ts";
import { startFakeGitLab } from "../fakes/gitlab.ts";
import { seedRepo, seedReview } from "./seed.ts";

const OWNER = { email: "ada@example.com", password: "correct horse battery", name: "Ada Lovelace" };

async function shot(page: Page, name: string, dialect: string): Promise<void> {
  await page.screenshot({ path: await screenshotPath(`${name}-${dialect}`), fullPage: true });
}

dbTest(
  "dashboard: setup, login, connecting a repo, browsing a review, editing a prompt and every page",
  async ({ db, dialect }) => {
    await ensureIslandsBuilt();
    // A repository added with `deno task repo:add` before anyone signed up, with review history.
    const legacy = await seedRepo(db, { fullName: "octo/legacy" });
    const reviews = [];
    for (
      const [index, title] of ["Add login rate limit", "Cache the config loader", "Fix flaky queue test"]
        .entries()
    ) {
      reviews.push(await seedReview(db, legacy, { prNumber: 40 + index, title, daysAgo: index * 2 }));
    }
    await seedReview(db, legacy, { prNumber: 39, title: "Upgrade the SDKs", daysAgo: 5, status: "failed" });
    // Connecting asks GitLab for the repository with the server's token, lent to the first organization.
    const gitlab = startFakeGitLab();
    const deps = await createTestDeps(db, {
      config: loadServerConfig({
        LOOM_SECRET_KEY: TEST_SECRET_KEY,
        LOOM_DB_REQUEST_TIMEOUT_MS: "10000",
        LOOM_GITLAB_URL: gitlab.url,
        LOOM_GITLAB_TOKEN: gitlab.token,
      }),
    });
    await using server = serveApp(deps);
    await using _gitlab = gitlab;
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const page = await context.newPage();

      // First run: "/" leads to setup, which creates the owner and adopts the unowned repository.
      await page.goto(server.url + "/");
      assert.equal(new URL(page.url()).pathname, "/setup");
      await shot(page, "setup", dialect);
      await page.fill('input[name="setupToken"]', TEST_SETUP_TOKEN);
      await page.fill('input[name="organizationName"]', "Acme");
      await page.fill('input[name="name"]', OWNER.name);
      await page.fill('input[name="email"]', OWNER.email);
      await page.fill('input[name="password"]', OWNER.password);
      await Promise.all([page.waitForURL(/\/repos$/), page.click('button[type="submit"]')]);
      assert.match(await page.locator('[data-testid="repo-table"]').innerText(), /octo\/legacy/);

      // Connecting a repository shows the webhook with its generated secret.
      await page.selectOption('select[name="platform"]', "gitlab");
      await page.fill('input[name="fullName"]', "acme/platform/api");
      await Promise.all([
        page.waitForURL(/\/repos\/\d+\?notice=repo-connected/),
        page.click('button:text-is("Connect")'),
      ]);
      const instructions = await page.locator('[data-testid="setup-instructions"]').innerText();
      assert.match(instructions, /\/api\/webhooks\/gitlab\?repo=\d+/);
      assert.match(instructions, /Secret token:\s*\S{40,}/);
      // The webhook URL and the secret each have a Copy button that puts exactly the value on the clipboard.
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
      const webhookUrl = (await page.locator('[data-testid="setup-instructions"] pre').first().innerText())
        .trim();
      assert.match(webhookUrl, /^http:\/\/\S+\/api\/webhooks\/gitlab\?repo=\d+$/);
      await page.click('button[aria-label="Copy the webhook URL"]');
      await page.locator('button[aria-label="Copy the webhook URL"]:text-is("Copied")').waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), webhookUrl);
      await page.click('button[aria-label="Copy the secret"]');
      assert.match(await page.evaluate(() => navigator.clipboard.readText()), /^\S{40,}$/);
      await shot(page, "repository-connected", dialect);
      const owner = (await findUserByEmail(db, OWNER.email))!;
      const organization = (await listMemberships(db, owner.id))[0]!.organization;
      assert.deepEqual((await listRepos(db, organization.id)).map((repo) => repo.fullName).sort(), [
        "acme/platform/api",
        "octo/legacy",
      ]);
      await page.click("text=Pause reviews");
      assert.equal(await page.locator('[data-testid="repo-status"]').innerText(), "paused");
      await page.click("text=Resume reviews");
      assert.equal(await page.locator('[data-testid="repo-status"]').innerText(), "active");
      await page.goto(server.url + "/repos");
      await shot(page, "repositories", dialect);

      // Signing out leads to the landing page; a wrong password is refused, the right one signs in.
      await page.click("text=Sign out");
      await page.goto(server.url + "/");
      assert.match(await page.locator("h1").innerText(), /Code review that never sleeps/);
      await shot(page, "landing", dialect);
      await page.click("text=Sign in");
      await page.fill('input[name="email"]', OWNER.email);
      await page.fill('input[name="password"]', "not the password");
      await page.click('button[type="submit"]');
      assert.match(await page.locator('[role="alert"]').innerText(), /Wrong email or password/);
      await shot(page, "login", dialect);
      await page.fill('input[name="password"]', OWNER.password);
      await Promise.all([page.waitForURL(server.url + "/"), page.click('button[type="submit"]')]);

      // Home: recent reviews and queue health, live.
      await page.waitForSelector('[data-island="LiveReviews"] [data-live="on"]');
      assert.match(
        await page.locator(`tr[data-review-id="${reviews[0]!.id}"]`).innerText(),
        /#40 Add login rate limit/,
      );
      await enqueue(db, "review_pull_request", {
        platform: "github",
        repoId: legacy.id,
        repo: "octo/legacy",
        number: 50,
        headSha: "b2",
        baseSha: "b",
        baseRef: "main",
        headRef: "f",
        title: "Fix cache",
        author: "lin",
        authorIsBot: false,
        draft: false,
        action: "opened",
      });
      await page.waitForFunction(() =>
        document.querySelector('[data-testid="queue-pending"] strong')?.textContent === "1"
      );
      // The waiting count links to the job it counts, listed on the same page.
      assert.match(
        await page.locator('[data-testid="waiting"]').innerText(),
        /#50 Fix cache[\s\S]*octo\/legacy/,
      );
      // The failed count of today links to exactly the failed reviews it counts.
      const failedToday = await page.locator('[data-testid="failed-today"] strong').innerText();
      await page.click('[data-testid="failed-today"]');
      assert.equal(String(await page.locator("tr[data-review-id]").count()), failedToday);
      await page.goBack();
      await shot(page, "dashboard-home", dialect);

      // Review history with a filter, then one review's details and a re-run.
      await page.click("header nav >> text=Reviews");
      await page.selectOption('select[name="status"]', "failed");
      await page.click("text=Filter");
      assert.equal(await page.locator("tr[data-review-id]").count(), 1);
      await page.goto(server.url + "/reviews");
      assert.equal(await page.locator("tr[data-review-id]").count(), 4);
      await shot(page, "reviews", dialect);
      await page.click("text=#40 Add login rate limit");
      assert.equal(await page.locator('[data-testid="finding"]').count(), 3);
      assert.match(
        await page.locator('[data-testid="finding"]').first().innerText(),
        /src\/auth\/login\.ts:12/,
      );
      assert.match(
        await page.locator('[data-testid="steps"]').innerText(),
        /security[\s\S]*4,600[\s\S]*style/,
      );
      assert.match(await page.locator('[data-testid="job"]').innerText(), /Completed · attempt 1 of 5/);
      await shot(page, "review-detail", dialect);
      await page.click('[data-testid="rerun"]');
      assert.match(await page.locator('[role="status"]').innerText(), /A new review is queued/);
      const rerun = await db.query<{ id: number }>(
        sql`select id from jobs where status = 'pending' and payload like ${'%"action":"manual"%'}`,
      );
      assert.equal(rerun.length, 1);
      assert.equal((await getJob(db, Number(rerun[0]!.id)))?.payload.repoId, legacy.id);

      // Prompt library: create, edit with the live preview, save a second version.
      await page.click("header nav >> text=Prompts");
      await page.fill('input[name="name"]', "team-style");
      await page.fill('textarea[name="body"]', "Flag functions longer than 50 lines.");
      await Promise.all([page.waitForURL(/\/prompts\/team-style/), page.click("text=Create prompt")]);
      // The server-rendered form has a "Preview" button that the island drops once it has hydrated; text typed
      // before that reaches no input handler, and the live preview would never follow it.
      await page.waitForSelector('[data-island="PromptEditor"] button[value="preview"]', {
        state: "detached",
      });
      await page.fill('textarea[name="body"]', "Flag functions longer than 40 lines and missing tests.");
      await page.waitForFunction(() =>
        document.querySelector('[data-testid="preview-system"]')?.textContent?.includes(
          "longer than 40 lines",
        )
      );
      await shot(page, "prompt-edit", dialect);
      await Promise.all([page.waitForURL(/notice=prompt-saved/), page.click("text=Save new version")]);
      assert.equal(await page.locator('[data-testid="versions"] li').count(), 2);
      assert.equal(
        (await latestPrompt(db, organization.id, "team-style"))?.body,
        "Flag functions longer than 40 lines and missing tests.",
      );
      await page.goto(server.url + "/prompts");
      await shot(page, "prompts", dialect);

      // Analytics draws its charts in the browser.
      await page.click("header nav >> text=Analytics");
      await page.waitForSelector('[data-ready="on"] [data-chart="reviews"] canvas');
      assert.equal(await page.locator('[data-testid="total-reviews"] strong').innerText(), "4");
      await shot(page, "analytics", dialect);

      // Settings: a key is saved encrypted and only its last four characters are shown; an invitation link.
      await page.click("header nav >> text=Settings");
      await page.fill('input[name="value"]', "sk-test-abcdefghijklmnop1234");
      await page.click("text=Save encrypted");
      const credentials = await page.locator('[data-testid="credentials"]').innerText();
      assert.match(credentials, /…1234/);
      assert.doesNotMatch(await page.content(), /abcdefghijklmnop/);
      await page.fill('input[name="email"]', "lin@example.com");
      await page.click("text=Create invitation");
      const inviteLink = (await page.locator('[data-testid="invite-link"]').innerText()).trim();
      await shot(page, "settings", dialect);
      await page.click("header .who >> text=Ada Lovelace");
      await shot(page, "account", dialect);

      // The invited person joins as a member in a separate browser context.
      const guest = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
      await guest.goto(server.url + new URL(inviteLink).pathname);
      await shot(guest, "invitation", dialect);
      await guest.fill('input[name="name"]', "Lin Chen");
      await guest.fill('input[name="password"]', "another long password");
      await Promise.all([guest.waitForURL(server.url + "/"), guest.click("text=Accept invitation")]);
      assert.match(await guest.locator("h1").innerText(), /Hello, Lin Chen/);
      assert.equal(await guest.locator('[data-testid="rerun"]').count(), 0);
      await guest.goto(server.url + `/reviews/${reviews[1]!.id}`);
      assert.equal(await guest.locator('[data-testid="rerun"]').count(), 0);
      await guest.goto(server.url + "/repos/999999");
      await shot(guest, "not-found", dialect);

      // A narrow, dark screen.
      const phone = await (await browser.newContext({
        viewport: { width: 390, height: 844 },
        colorScheme: "dark",
        storageState: await context.storageState(),
      })).newPage();
      await phone.goto(server.url + `/reviews/${reviews[0]!.id}`);
      await shot(phone, "review-detail-mobile-dark", dialect);
    } finally {
      await browser.close();
    }
  },
);

dbTest("dashboard pages render on the server without JavaScript", async ({ db }) => {
  const deps = await createTestDeps(db);
  await using server = serveApp(deps);
  const repo = await seedRepo(db, { fullName: "octo/hello" });
  await seedReview(db, repo, { prNumber: 3, title: "Server-rendered" });
  const setupPage = await fetch(server.url + "/setup");
  const csrf = (await setupPage.text()).match(/name="_csrf" value="([0-9a-f]+)"/)![1]!;
  const cookie = setupPage.headers.get("set-cookie")!.split(";")[0]!;
  const created = await fetch(server.url + "/setup", {
    method: "POST",
    redirect: "manual",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      _csrf: csrf,
      setupToken: TEST_SETUP_TOKEN,
      organizationName: "Acme",
      name: "Ada",
      email: "ada@example.com",
      password: "a long enough password",
    }),
  });
  await created.body?.cancel();
  assert.equal(created.status, 303);
  const session = created.headers.getSetCookie().find((value) => value.startsWith("loom_session="))!.split(
    ";",
  )[0]!;
  const html = await (await fetch(server.url + "/", { headers: { cookie: session } })).text();
  assert.match(html, /#<!-- -->3<!-- --> <!-- -->Server-rendered|#3 Server-rendered/);
  assert.match(html, /data-island="LiveReviews"/);
  for (
    const path of [
      "/repos",
      "/reviews",
      "/prompts",
      "/analytics",
      "/settings",
      "/account",
      `/repos/${repo.id}`,
    ]
  ) {
    const response = await fetch(server.url + path, { headers: { cookie: session } });
    assert.equal(response.status, 200, path);
    assert.match(await response.text(), /<h1>/, path);
  }
});
