import assert from "node:assert/strict";
import { dbTest } from "../../lib/db/testing.ts";
import { createRepo } from "../../lib/db/repos.ts";
import { finishReview, startReview } from "../../lib/db/reviews.ts";
import { enqueue } from "../../lib/queue/mod.ts";
import { ensureIslandsBuilt, launchBrowser, screenshotPath } from "../support/browser.ts";
import { createTestDeps, serveApp } from "../support/app_server.ts";

dbTest("dashboard home lists reviews and updates them live without reloading", async ({ db, dialect }) => {
  await ensureIslandsBuilt();
  const repo = await createRepo(db, { platform: "github", fullName: "octo/hello", webhookSecret: "x" });
  const first = await startReview(db, {
    repoId: repo.id,
    prNumber: 7,
    headSha: "a1",
    title: "Add login",
    author: "ada",
  });
  await finishReview(db, first, { status: "completed", verdict: "COMMENT" });
  await using server = serveApp(await createTestDeps(db));
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(server.url + "/");
    assert.equal(await page.title(), "Reviews · Loom");
    await page.waitForSelector('[data-island="LiveReviews"] [data-live="on"]');
    assert.match(await page.locator(`tr[data-review-id="${first}"]`).innerText(), /#7 Add login/);

    // New work appears without a reload: a queued job and a running review.
    await enqueue(db, "review_pull_request", {
      platform: "github",
      repoId: repo.id,
      repo: "octo/hello",
      number: 8,
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
    const second = await startReview(db, {
      repoId: repo.id,
      prNumber: 8,
      headSha: "b2",
      title: "Fix cache",
      author: "lin",
    });
    await page.waitForSelector(`tr[data-review-id="${second}"]`);
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="queue-pending"]')?.textContent === "1"
    );
    assert.match(await page.locator(`tr[data-review-id="${second}"] .pill`).innerText(), /running/);
    await page.screenshot({ path: await screenshotPath(`dashboard-home-${dialect}`), fullPage: true });
  } finally {
    await browser.close();
  }
});

dbTest("dashboard home renders without JavaScript", async ({ db }) => {
  const repo = await createRepo(db, { platform: "github", fullName: "octo/hello", webhookSecret: "x" });
  await startReview(db, {
    repoId: repo.id,
    prNumber: 3,
    headSha: "c3",
    title: "Server-rendered",
    author: "ada",
  });
  await using server = serveApp(await createTestDeps(db));
  const html = await (await fetch(server.url + "/")).text();
  assert.match(html, /#<!-- -->3<!-- --> <!-- -->Server-rendered|#3 Server-rendered/);
  assert.match(html, /data-island="LiveReviews"/);
});
