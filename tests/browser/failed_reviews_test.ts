/**
 * Failures before a review exists are reviews too, and the operator sees them in one click: a pull request the
 * platform answers 404 for, a broken `.loom/config.yaml` on the base branch and a missing platform token each
 * leave a failed review — first on the home page's "Needs attention" panel with its reason and what to do, and in
 * the Reviews list filtered by "failed". The jobs run through the real worker against the fake GitHub.
 */
import assert from "node:assert/strict";
import { dbTest } from "../../lib/db/testing.ts";
import { createRepo } from "../../lib/db/repos.ts";
import { addMembership, createOrganization } from "../../lib/db/organizations.ts";
import { createUser } from "../../lib/db/users.ts";
import { createSession } from "../../lib/db/sessions.ts";
import { loadServerConfig, type ServerConfig } from "../../lib/config/env.ts";
import { silentLogger } from "../../lib/log.ts";
import { createReviewDeps } from "../../lib/runtime.ts";
import type { Db } from "../../lib/db/mod.ts";
import { enqueue, getJob } from "../../lib/queue/mod.ts";
import { runWorker } from "../../worker/run_worker.ts";
import { createTasks } from "../../worker/tasks/mod.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../fakes/github.ts";
import { makeGitDiff } from "../fakes/git_diff.ts";
import { ensureIslandsBuilt, launchBrowser, screenshotPath } from "../support/browser.ts";
import { createTestDeps, serveApp, TEST_SECRET_KEY } from "../support/app_server.ts";

const REPO = "octo-org/broken-service";

async function runJob(db: Db, config: ServerConfig, jobId: number): Promise<void> {
  const stop = new AbortController();
  const worker = runWorker({
    db,
    log: silentLogger,
    tasks: createTasks(createReviewDeps(config, db, silentLogger)),
    concurrency: 1,
    leaseMs: 10_000,
    jobTimeoutMs: 30_000,
    pollIntervalMs: 50,
    shutdownGraceMs: 1_000,
    signal: stop.signal,
  });
  const deadline = Date.now() + 60_000;
  try {
    while ((await getJob(db, jobId))?.status !== "failed") {
      if (Date.now() > deadline) {
        throw new Error(`Job ${jobId} did not fail: ${JSON.stringify(await getJob(db, jobId))}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    stop.abort();
    await worker;
  }
}

dbTest(
  "failed reviews: 404, bad config and a missing token are failed rows the operator sees first",
  async ({ db, dialect }) => {
    await ensureIslandsBuilt();
    const github = startFakeGitHub();
    const browser = await launchBrowser();
    try {
      const diff = await makeGitDiff({ "src/a.ts": { base: "a\n", head: "b\n" } });
      github.state.addPullRequest({
        repo: REPO,
        number: 8,
        title: "Tune the cache",
        author: "ada",
        headSha: diff.headSha,
        baseSha: diff.baseSha,
        baseRef: "main",
        headRef: "tune",
        diff: diff.diff,
        files: {
          "src/a.ts": { base: "a\n", head: "b\n" },
          ".loom/config.yaml": { base: "pipelines:\n  default: [\n", head: "pipelines:\n  default: [\n" },
        },
      });
      const organization = await createOrganization(db, { name: "Acme" });
      const owner = await createUser(db, { email: "ada@acme.test", name: "Ada" });
      await addMembership(db, { userId: owner.id, organizationId: organization.id, role: "owner" });
      const repo = await createRepo(db, {
        platform: "github",
        fullName: REPO,
        webhookSecret: "unused",
        organizationId: organization.id,
      });
      const base = {
        LOOM_SECRET_KEY: TEST_SECRET_KEY,
        LOOM_GITHUB_API_URL: github.url,
        LOOM_LLM_API_KEY: "sk-x",
      };
      const withToken = loadServerConfig({ ...base, LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN });
      const withoutToken = loadServerConfig(base);
      const review = (number: number, title: string) =>
        enqueue(db, "review_pull_request", {
          platform: "github",
          repoId: repo.id,
          repo: REPO,
          number,
          headSha: number === 8 ? diff.headSha : "f".repeat(40),
          baseSha: diff.baseSha,
          baseRef: "main",
          headRef: "topic",
          title,
          author: "ada",
          authorIsBot: false,
          draft: false,
          action: "opened",
        }, { maxAttempts: 1 });
      // No such pull request on the platform (404), the broken base config, no token at all.
      await runJob(db, withToken, (await review(404, "Vanished pull request")).id);
      await runJob(db, withToken, (await review(8, "Tune the cache")).id);
      await runJob(db, withoutToken, (await review(9, "Nobody can read me")).id);

      await using server = serveApp(await createTestDeps(db, { config: withToken }));
      const { token } = await createSession(db, owner.id, { ttlMs: 3_600_000 });
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addCookies([{ name: "loom_session", value: token, url: server.url }]);
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      // "Needs attention" comes first on the page, one entry per failure, each with its reason.
      const first = await page.locator("main > section").first().getAttribute("data-testid");
      assert.equal(first, "needs-attention");
      const panel = page.locator('[data-testid="needs-attention"]');
      assert.equal(await panel.locator("li[data-review-id]").count(), 3);
      const text = await panel.innerText();
      assert.match(text, /#404 Vanished pull request/);
      assert.match(text, /#8 Tune the cache/);
      assert.match(text, /#9 Nobody can read me/);
      assert.match(text, /config\.yaml/i, "the config failure says which file");
      assert.equal(await panel.locator('[data-testid="next-step"]').count(), 3, "each says what to do");
      await page.screenshot({ path: await screenshotPath(`needs-attention-${dialect}`), fullPage: true });

      // One click lists them: the Reviews list filtered by "failed".
      await page.click('[data-testid="failed-count"]');
      assert.equal(new URL(page.url()).searchParams.get("status"), "failed");
      assert.equal(await page.locator("tr[data-review-id]").count(), 3);
      // The review page of one says what happened and links the pull request.
      await page.click("text=#404 Vanished pull request");
      assert.equal(await page.locator('[data-testid="review-status"]').getAttribute("data-phase"), "failed");
      assert.ok((await page.locator('[data-testid="next-step"]').innerText()).length > 10);
      assert.equal(
        await page.locator('[data-testid="pr-link"]').getAttribute("href"),
        `${github.url}/${REPO}/pull/404`,
      );
      await context.close();
    } finally {
      await browser.close();
      await github.close();
    }
  },
);
