/**
 * Managing a repository from its page, in Chromium against the real app: pause and resume, regenerating the
 * webhook secret (the new one shown once with a Copy button, the old one accepted until the stated expiry and
 * refused after it), the delivery log with each delivery's outcome and reason, and disconnecting (queued jobs
 * cancelled, webhooks refused with 410, history kept) and connecting again. Webhooks are signed with
 * `@octokit/webhooks-methods` and sent over HTTP; the server's clock is injected so the grace period can end.
 */
import assert from "node:assert/strict";
import { sign } from "@octokit/webhooks-methods";
import examples from "@octokit/webhooks-examples" with { type: "json" };
import type { Page } from "playwright-core";
import { dbTest } from "../../lib/db/testing.ts";
import { createRepo, getRepo, SECRET_GRACE_MS } from "../../lib/db/repos.ts";
import { addMembership, createOrganization } from "../../lib/db/organizations.ts";
import { createUser } from "../../lib/db/users.ts";
import { createSession } from "../../lib/db/sessions.ts";
import { enqueue, getJob } from "../../lib/queue/mod.ts";
import { formatTime } from "../../lib/dashboard/format.ts";
import { githubWebhook } from "../../lib/platforms/github/webhook.ts";
import { ensureIslandsBuilt, launchBrowser, screenshotPath } from "../support/browser.ts";
import { createTestDeps, serveApp } from "../support/app_server.ts";
import { seedReview } from "./seed.ts";

const OLD_SECRET = "the-secret-the-platform-has-now";
const DAY = 86_400_000;
// deno-lint-ignore no-explicit-any
type Payload = Record<string, any>;

function opened(): Payload {
  const definition = (examples as unknown as { name: string; examples: Payload[] }[]).find((item) =>
    item.name === "pull_request"
  );
  return structuredClone(definition!.examples.find((item) => item.action === "opened")!);
}

async function shot(page: Page, name: string, dialect: string): Promise<void> {
  await page.screenshot({ path: await screenshotPath(`${name}-${dialect}`), fullPage: true });
}

/** The delivery log's rows as [outcome, reason] pairs, newest first. */
async function deliveryRows(page: Page): Promise<{ outcome: string; text: string }[]> {
  const rows = page.locator('[data-testid="delivery-log"] tbody tr');
  const result = [];
  for (let index = 0; index < await rows.count(); index++) {
    const row = rows.nth(index);
    result.push({ outcome: (await row.getAttribute("data-outcome"))!, text: await row.innerText() });
  }
  return result;
}

dbTest(
  "repository page: pause, regenerate the secret with a grace period, the delivery log, disconnect",
  async ({ db, dialect }) => {
    await ensureIslandsBuilt();
    let clock = Date.now();
    const deps = await createTestDeps(db, { parsers: { github: githubWebhook }, now: () => clock });
    const organization = await createOrganization(db, { name: "Acme" });
    const owner = await createUser(db, { email: "ada@acme.test", name: "Ada" });
    const member = await createUser(db, { email: "lin@acme.test", name: "Lin" });
    await addMembership(db, { userId: owner.id, organizationId: organization.id, role: "owner" });
    await addMembership(db, { userId: member.id, organizationId: organization.id, role: "member" });
    const payload = opened();
    const repo = await createRepo(db, {
      platform: "github",
      fullName: payload.repository.full_name,
      organizationId: organization.id,
      webhookSecret: await deps.secretBox.encrypt(OLD_SECRET),
    });
    const history = await seedReview(db, repo, { prNumber: 7, title: "Earlier review", daysAgo: 1 });
    await using server = serveApp(deps);
    let sequence = 0;
    const deliver = async (secret: string, event = "pull_request") => {
      // Deliveries a second apart, as the log orders them by the time they arrived.
      clock += 1000;
      const body = JSON.stringify({
        ...payload,
        pull_request: {
          ...payload.pull_request,
          head: {
            ...payload.pull_request.head,
            sha: `${++sequence}`.padStart(40, "a"),
          },
        },
      });
      const response = await fetch(`${server.url}/api/webhooks/github?repo=${repo.id}`, {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "x-github-event": event,
          "x-github-delivery": `delivery-${sequence}`,
          "x-hub-signature-256": await sign(secret, body),
        },
      });
      await response.body?.cancel();
      return response.status;
    };
    const sessions = {
      owner: (await createSession(db, owner.id, { ttlMs: 30 * DAY })).token,
      member: (await createSession(db, member.id, { ttlMs: 30 * DAY })).token,
    };
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addCookies([{ name: "loom_session", value: sessions.owner, url: server.url }]);
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
      const page = await context.newPage();
      const repoUrl = `${server.url}/repos/${repo.id}`;

      // Pause and resume: a delivery while paused is logged as refused because of the pause.
      await page.goto(repoUrl);
      assert.match(await page.locator('[data-testid="no-deliveries"]').innerText(), /No deliveries yet/);
      await Promise.all([page.waitForURL(/notice=repo-paused/), page.click("text=Pause reviews")]);
      assert.equal(await page.locator('[data-testid="repo-status"]').innerText(), "paused");
      assert.equal(await deliver(OLD_SECRET), 202);
      await Promise.all([page.waitForURL(/notice=repo-resumed/), page.click("text=Resume reviews")]);
      assert.equal(await page.locator('[data-testid="repo-status"]').innerText(), "active");
      assert.equal(await deliver(OLD_SECRET), 202);
      assert.equal(await deliver(OLD_SECRET, "ping"), 202);
      await page.reload();
      const afterPause = await deliveryRows(page);
      assert.deepEqual(afterPause.map((row) => row.outcome), ["ignored", "enqueued", "paused"]);
      assert.match(afterPause[0]!.text, /ping[\s\S]*Not an event Loom acts on/);
      assert.match(afterPause[1]!.text, /pull_request\.opened[\s\S]*queued[\s\S]*A review was queued/);
      assert.match(afterPause[2]!.text, /refused: paused[\s\S]*paused: nothing was queued/);
      assert.match(afterPause[2]!.text, /delivery-1/);

      // Regenerate: the new secret is shown once with a Copy button; the old one works until the stated time.
      const regeneratedAt = clock;
      await page.click("text=Regenerate webhook secret");
      await page.waitForSelector('[data-testid="new-secret"]');
      const panel = page.locator('[data-testid="new-secret"]');
      const expiry = formatTime(regeneratedAt + SECRET_GRACE_MS);
      assert.match(await panel.innerText(), new RegExp(`still accepted until ${expiry}`));
      const newSecret = (await panel.locator("pre").innerText()).trim();
      assert.match(newSecret, /^\S{40,}$/);
      assert.notEqual(newSecret, OLD_SECRET);
      await page.click('button[aria-label="Copy the new secret"]');
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), newSecret);
      await shot(page, "repository-secret-regenerated", dialect);
      assert.equal(await deliver(OLD_SECRET), 202, "the old secret works within the grace period");
      assert.equal(await deliver(newSecret), 202, "the new secret works at once");
      await page.goto(repoUrl);
      assert.equal(await page.locator('[data-testid="new-secret"]').count(), 0, "shown only once");
      assert.match(await page.locator('[data-testid="secret-grace"]').innerText(), new RegExp(expiry));

      // A day later the old secret is refused, and the log says so.
      clock = regeneratedAt + SECRET_GRACE_MS;
      assert.equal(await deliver(OLD_SECRET), 401);
      assert.equal(await deliver(newSecret), 202);
      await page.goto(repoUrl);
      assert.equal(await page.locator('[data-testid="secret-grace"]').count(), 0);
      const afterExpiry = await deliveryRows(page);
      assert.equal(afterExpiry[1]!.outcome, "bad_signature");
      assert.match(afterExpiry[1]!.text, /refused: bad signature[\s\S]*Invalid signature/);
      await shot(page, "repository-delivery-log", dialect);

      // A member sees the log but no management controls.
      const memberContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
      await memberContext.addCookies([{ name: "loom_session", value: sessions.member, url: server.url }]);
      const memberPage = await memberContext.newPage();
      await memberPage.goto(repoUrl);
      assert.equal(await memberPage.locator('[data-testid="repo-manage"]').count(), 0);
      assert.equal(
        await memberPage.locator('[data-testid="delivery-log"] tbody tr').count(),
        afterExpiry.length,
      );
      await memberContext.close();

      // Disconnect: the queued review is cancelled, webhooks get 410 and are logged, history stays.
      const queued = await enqueue(db, "review_pull_request", {
        platform: "github",
        repoId: repo.id,
        repo: repo.fullName,
        number: 12,
        headSha: "c".repeat(40),
        baseSha: "b",
        baseRef: "main",
        headRef: "f",
        title: "Queued before the disconnect",
        author: "lin",
        authorIsBot: false,
        draft: false,
        action: "opened",
      }, { groupKey: "disconnect-test", now: () => clock });
      await page.click("text=Disconnect this repository…");
      await Promise.all([
        page.waitForURL(/notice=repo-disconnected/),
        page.click('button:text-is("Disconnect")'),
      ]);
      assert.equal(await page.locator('[data-testid="repo-status"]').innerText(), "disconnected");
      assert.match(await page.locator('[role="status"]').innerText(), /reviews were cancelled/);
      assert.equal((await getJob(db, queued.id))!.status, "cancelled");
      assert.equal(await deliver(newSecret), 410);
      await page.reload();
      assert.equal((await deliveryRows(page))[0]!.outcome, "disconnected");
      assert.match((await deliveryRows(page))[0]!.text, /refused: disconnected/);
      assert.match(await page.locator(`tr[data-review-id="${history.id}"]`).innerText(), /Earlier review/);
      assert.equal(await page.locator('[data-testid="repo-manage"]').count(), 0);
      await shot(page, "repository-disconnected", dialect);
      await page.goto(`${server.url}/repos`);
      assert.match(await page.locator(`tr[data-repo-id="${repo.id}"]`).innerText(), /disconnected/);

      // Connecting again restores the same repository with a new secret; the old ones no longer work.
      await page.goto(repoUrl);
      await page.click('button:text-is("Connect again")');
      await page.waitForSelector('[data-testid="new-secret"]');
      const restoredSecret = (await page.locator('[data-testid="new-secret"] pre').innerText()).trim();
      assert.equal(await page.locator('[data-testid="repo-status"]').innerText(), "active");
      assert.equal((await getRepo(db, repo.id))!.disconnectedAt, null);
      assert.equal(await deliver(newSecret), 401);
      assert.equal(await deliver(restoredSecret), 202);

      // Connecting the same repository from the repositories page restores it too, with its id and history.
      await page.click("text=Disconnect this repository…");
      await Promise.all([
        page.waitForURL(/notice=repo-disconnected/),
        page.click('button:text-is("Disconnect")'),
      ]);
      await page.goto(`${server.url}/repos`);
      await page.selectOption('select[name="platform"]', "github");
      await page.fill('input[name="fullName"]', repo.fullName);
      await Promise.all([
        page.waitForURL(new RegExp(`/repos/${repo.id}\\?notice=repo-connected`)),
        page.click('button:text-is("Connect")'),
      ]);
      assert.equal(await page.locator('[data-testid="repo-status"]').innerText(), "active");
      const instructions = await page.locator('[data-testid="setup-instructions"]').innerText();
      const connectedSecret = instructions.match(/Secret:\s*(\S{40,})/)?.[1];
      assert.ok(connectedSecret && connectedSecret !== restoredSecret);
      assert.equal(await deliver(restoredSecret), 401);
      assert.equal(await deliver(connectedSecret), 202);
      assert.match(await page.locator(`tr[data-review-id="${history.id}"]`).innerText(), /Earlier review/);
      await context.close();
    } finally {
      await browser.close();
    }
  },
);
