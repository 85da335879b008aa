/**
 * The learnings acceptance flow with the dashboard in Chromium: `@loom ignore … because …` on pull request 1
 * (through the real GitHub client against the fake) creates a learning; pull request 2 with the same pattern gets
 * no comment for it; the Learnings page lists it with who, when and a link to the source comment; clicking
 * Disable there brings the comment back on pull request 3. The rule is then edited on its page, and an import
 * with a mistake is refused with the line and column, importing nothing.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { dbTest } from "../../lib/db/testing.ts";
import { addMembership } from "../../lib/db/organizations.ts";
import { createUser } from "../../lib/db/users.ts";
import { createSession } from "../../lib/db/sessions.ts";
import { getLearning, listOrgLearnings } from "../../lib/learnings/mod.ts";
import { ensureIslandsBuilt, launchBrowser, screenshotPath } from "../support/browser.ts";
import { createTestDeps, serveApp } from "../support/app_server.ts";
import { FLOW_REPO, startLearningsFlow } from "../support/learnings_flow.ts";

const RULE = "Our CLI scripts report on the console; console.log is their output.";

async function shot(page: Page, name: string, dialect: string): Promise<void> {
  await page.screenshot({ path: await screenshotPath(`${name}-${dialect}`), fullPage: true });
}

dbTest(
  "learnings: ignore with a reason on PR 1, suppressed on PR 2, disabled in the browser, back on PR 3",
  async ({ db, dialect }) => {
    await ensureIslandsBuilt();
    await using flow = await startLearningsFlow(db);
    const owner = await createUser(db, { email: "ada@octo.test", name: "Ada" });
    await addMembership(db, { userId: owner.id, organizationId: flow.organization.id, role: "owner" });

    const first = await flow.review(1, "scripts/build.ts", 'console.log("built");');
    assert.equal(first.comments.length, 1);
    await flow.command(
      1,
      "701",
      `@loom ignore Avoid console.log in production code (line 2) in scripts/** because ${RULE}`,
    );
    const second = await flow.review(2, "scripts/deploy.ts", 'console.log("deployed");', "// Deploy.\n");
    assert.deepEqual(second.comments, [], "the same pattern on PR 2 is not posted");
    assert.match(second.summary, /1 finding suppressed by learnings/);

    const deps = await createTestDeps(db, { config: flow.server });
    await using server = serveApp(deps);
    const session = await createSession(db, owner.id, { ttlMs: 86_400_000 });
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addCookies([{ name: "loom_session", value: session.token, url: server.url }]);
      const page = await context.newPage();
      await page.goto(`${server.url}/learnings`);
      const [learning] = await listOrgLearnings(db, flow.organization.id);
      assert.ok(learning);
      const row = page.locator(`tr[data-learning-id="${learning.id}"]`);
      assert.equal(await row.getAttribute("data-status"), "active");
      const text = await row.innerText();
      assert.match(text, /console\.log is their output/);
      assert.match(text, new RegExp(`${FLOW_REPO}[\\s\\S]*scripts/\\*\\*`));
      assert.match(text, /ada · /, "who created it, and when");
      assert.equal(
        await row.locator("a", { hasText: "@loom ignore" }).getAttribute("href"),
        `${flow.github.url}/${FLOW_REPO}/pull/1#issuecomment-701`,
      );
      await shot(page, "learnings", dialect);

      // Disable it in the browser: PR 3 gets the comment again.
      await Promise.all([
        page.waitForURL(/notice=learning-saved/),
        row.locator("button", { hasText: "Disable" }).click(),
      ]);
      assert.equal(await row.getAttribute("data-status"), "disabled");
      assert.match(await row.innerText(), /changed by Ada/);
      assert.equal((await getLearning(db, learning.id))!.enabled, false);
      const third = await flow.review(3, "scripts/test.ts", 'console.log("tested");');
      assert.equal(third.comments.length, 1, "the comment is back on PR 3");
      assert.match(third.comments[0]!, /Avoid `console.log` in production code/);

      // Edit the rule on its page, and enable it again.
      await page.click(`tr[data-learning-id="${learning.id}"] a[href="/learnings/${learning.id}"]`);
      await page.fill('textarea[name="rule"]', "Scripts print; that is fine.");
      await page.fill('textarea[name="paths"]', "scripts/**\ntools/**");
      await Promise.all([page.waitForURL(/notice=learning-saved/), page.click('button[value="save"]')]);
      await Promise.all([page.waitForURL(/notice=learning-saved/), page.click('button[value="enable"]')]);
      assert.equal(await page.locator('[data-testid="learning-status"]').innerText(), "active");
      const edited = (await getLearning(db, learning.id))!;
      assert.deepEqual([edited.rule, edited.pathGlobs, edited.enabled], [
        "Scripts print; that is fine.",
        ["scripts/**", "tools/**"],
        true,
      ]);
      await page.fill('textarea[name="rule"]', "");
      await page.locator('textarea[name="rule"]').evaluate((element) => element.removeAttribute("required"));
      await page.click('button[value="save"]');
      assert.match(await page.locator('[role="alert"]').innerText(), /The rule is empty/);

      // A bad import names the line and column and imports nothing.
      await page.goto(`${server.url}/learnings`);
      await page.fill('[data-testid="import-yaml"]', "learnings:\n  - rule: Fine.\n    enabeld: true\n");
      await page.click('button:text-is("Import")');
      assert.match(
        await page.locator('[data-testid="import-issues"]').innerText(),
        /Line 3, column 5: learnings\[0\]\.enabeld: Unknown key "enabeld"/,
      );
      assert.equal((await listOrgLearnings(db, flow.organization.id)).length, 1);
      await page.fill('[data-testid="import-yaml"]', "learnings:\n  - rule: Prefer early returns.\n");
      await page.click('button:text-is("Import")');
      assert.match(await page.locator('[role="status"]').innerText(), /Imported 1 learning\./);
      assert.match(
        await page.locator('[data-testid="learning-table"]').innerText(),
        /Prefer early returns\.[\s\S]*Organization/,
      );
      await shot(page, "learnings-imported", dialect);
    } finally {
      await browser.close();
    }
  },
);
