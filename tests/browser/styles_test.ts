/**
 * Every page is styled by the stylesheet file alone. The Content-Security-Policy allows styles only from this
 * origin (no 'unsafe-inline'), so a `<style>` element or a `style=""` attribute would be dropped by the browser;
 * this drives Chromium through each page and checks that the look comes through (computed styles of the shell,
 * the analytics bars), that the browser reported no policy violation, and that the policy really is enforced: a
 * `style=""` attribute added to the page is refused. Each page is saved to `test-output/screenshots/styled-*`.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { dbTest } from "../../lib/db/testing.ts";
import { addMembership, createOrganization } from "../../lib/db/organizations.ts";
import { createUser } from "../../lib/db/users.ts";
import { createSession } from "../../lib/db/sessions.ts";
import { ensureIslandsBuilt, launchBrowser, screenshotPath } from "../support/browser.ts";
import { createTestDeps, serveApp } from "../support/app_server.ts";
import { seedRepo, seedReview } from "./seed.ts";

declare global {
  // The policy violations the page reported, collected by the init script below.
  var cspViolations: string[] | undefined;
}

/** The look of a page: what the stylesheet sets on the shell, read from the browser's computed styles. */
async function shellStyle(page: Page) {
  return await page.evaluate(() => {
    const computed = (selector: string) => getComputedStyle(document.querySelector(selector)!);
    return {
      stylesheets: [...document.styleSheets].map((sheet) => new URL(sheet.href ?? "inline:").pathname),
      bodyBackground: computed("body").backgroundColor,
      bodyFontSize: computed("body").fontSize,
      headerDisplay: computed("header.top").display,
      mainMaxWidth: computed("main").maxWidth,
      violations: globalThis.cspViolations ?? [],
    };
  });
}

dbTest(
  "every page is styled from /static/loom.css under a policy that refuses inline styles",
  async ({ db, dialect }) => {
    await ensureIslandsBuilt();
    const organization = await createOrganization(db, { name: "Acme" });
    const owner = await createUser(db, { email: "ada@acme.test", name: "Ada" });
    await addMembership(db, { userId: owner.id, organizationId: organization.id, role: "owner" });
    const repo = await seedRepo(db, { fullName: "octo/styled", organizationId: organization.id });
    const review = await seedReview(db, repo, { prNumber: 7, title: "Style from a file" });
    const { token } = await createSession(db, owner.id, { ttlMs: 3_600_000 });
    await using server = serveApp(await createTestDeps(db));
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      // Collected from the first script on, so a violation while the page is parsed is counted too.
      await context.addInitScript(() => {
        document.addEventListener("securitypolicyviolation", (event) => {
          (globalThis.cspViolations ??= []).push(`${event.violatedDirective} ${event.blockedURI}`);
        });
      });
      const page = await context.newPage();
      await page.goto(server.url + "/login");
      const signedOut = await shellStyle(page);
      await page.screenshot({ path: await screenshotPath(`styled-login-${dialect}`), fullPage: true });
      await context.addCookies([{ name: "loom_session", value: token, url: server.url }]);
      const pages: [string, string][] = [
        ["home", "/"],
        ["repositories", "/repos"],
        ["repository", `/repos/${repo.id}`],
        ["reviews", "/reviews"],
        ["review", `/reviews/${review.id}`],
        ["prompts", "/prompts"],
        ["analytics", "/analytics"],
        ["settings", "/settings"],
        ["account", "/account"],
      ];
      const looks: [string, Awaited<ReturnType<typeof shellStyle>>][] = [["login", signedOut]];
      for (const [name, path] of pages) {
        await page.goto(server.url + path);
        if (name === "analytics") {
          await page.waitForSelector(
            '[data-ready="on"] [data-chart="reviews"] canvas',
          );
        }
        looks.push([name, await shellStyle(page)]);
        await page.screenshot({ path: await screenshotPath(`styled-${name}-${dialect}`), fullPage: true });
      }
      for (const [name, look] of looks) {
        assert.deepEqual(look, {
          stylesheets: ["/static/loom.css"],
          bodyBackground: "rgb(246, 246, 248)",
          bodyFontSize: "15px",
          headerDisplay: "flex",
          mainMaxWidth: "1184px",
          violations: [],
        }, name);
      }

      // The findings-by-step bar is an SVG width, drawn in the accent colour without a style attribute.
      await page.goto(server.url + "/analytics");
      const bar = await page.evaluate(() => {
        const rect = document.querySelector("svg.bar rect")!;
        return { width: rect.getAttribute("width"), fill: getComputedStyle(rect).fill };
      });
      assert.deepEqual(bar, { width: "100", fill: "rgb(75, 63, 209)" });

      // The policy is enforced: a style attribute written into the page is refused and reported.
      const probe = await page.evaluate(() => {
        document.querySelector("main")!.insertAdjacentHTML(
          "beforeend",
          '<p id="probe" style="color: rgb(1, 2, 3)">probe</p>',
        );
        return getComputedStyle(document.getElementById("probe")!).color;
      });
      assert.notEqual(probe, "rgb(1, 2, 3)");
      await page.waitForFunction(() =>
        (globalThis.cspViolations ?? []).some((entry) => entry.startsWith("style-src"))
      );
    } finally {
      await browser.close();
    }
  },
);
