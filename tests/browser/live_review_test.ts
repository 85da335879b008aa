/**
 * The review page follows a review live: a browser opens it while the review waits for its retry ("Queued"),
 * and without reloading sees it run (a step running while the model holds its answer) and complete with its
 * finding. The review is the real task on the real worker loop against the fake GitHub and OpenAI servers; the
 * worker's clock is held still while the page is to show "Queued", so the retry cannot start early.
 */
import assert from "node:assert/strict";
import { dbTest } from "../../lib/db/testing.ts";
import { sql } from "../../lib/db/mod.ts";
import { createRepo } from "../../lib/db/repos.ts";
import { addMembership, createOrganization } from "../../lib/db/organizations.ts";
import { createUser } from "../../lib/db/users.ts";
import { createSession } from "../../lib/db/sessions.ts";
import { loadServerConfig } from "../../lib/config/env.ts";
import { silentLogger } from "../../lib/log.ts";
import { createReviewDeps } from "../../lib/runtime.ts";
import { enqueue, getJob } from "../../lib/queue/mod.ts";
import { runWorker } from "../../worker/run_worker.ts";
import { createTasks } from "../../worker/tasks/mod.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../fakes/github.ts";
import { type FakeLlmRequest, type FakeReply, startFakeOpenAI } from "../fakes/openai.ts";
import { makeGitDiff } from "../fakes/git_diff.ts";
import { ensureIslandsBuilt, launchBrowser, screenshotPath } from "../support/browser.ts";
import { createTestDeps, serveApp, TEST_SECRET_KEY } from "../support/app_server.ts";

const REPO = "octo-org/live-service";
const BASE = "export function add(a: number, b: number) {\n  return a + b;\n}\n";
const HEAD = "export function add(a: number, b: number) {\n  return a - b;\n}\n";

function finding(request: FakeLlmRequest): FakeReply {
  return {
    json: {
      findings: [{
        path: "src/math.ts",
        line: 2,
        side: "RIGHT",
        severity: "blocker",
        title: "Subtraction in add()",
        body: "`add` **subtracts** <script>alert(1)</script>",
      }],
    },
    usage: { inputTokens: 300 + request.messages.length, outputTokens: 40 },
  };
}

dbTest("review page: goes from queued to running to completed without a reload", async ({ db, dialect }) => {
  await ensureIslandsBuilt();
  // The model fails the first attempt (500s), then holds its answers until the test releases them.
  let mode: "fail" | "hold" = "fail";
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  // The worker's clock: frozen while the page is to show "Queued", so the retry's run_at is not reached.
  let frozenAt: number | null = null;
  const now = () => frozenAt ?? Date.now();
  const github = startFakeGitHub();
  const openai = await startFakeOpenAI({
    reply: async (request) => {
      if (!request.structured) return "ok";
      if (mode === "fail") {
        frozenAt ??= Date.now();
        return { status: 500, headers: { "retry-after": "0" } };
      }
      await released;
      return finding(request);
    },
  });
  const stopWorker = new AbortController();
  let worker: Promise<void> = Promise.resolve();
  const browser = await launchBrowser();
  try {
    const diff = await makeGitDiff({ "src/math.ts": { base: BASE, head: HEAD } });
    github.state.addPullRequest({
      repo: REPO,
      number: 7,
      title: "Fix add",
      author: "ada",
      headSha: diff.headSha,
      baseSha: diff.baseSha,
      baseRef: "main",
      headRef: "fix",
      diff: diff.diff,
      files: { "src/math.ts": { base: BASE, head: HEAD } },
    });
    const config = loadServerConfig({
      LOOM_SECRET_KEY: TEST_SECRET_KEY,
      LOOM_GITHUB_API_URL: github.url,
      LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN,
      LOOM_LLM_PROVIDER: "openai",
      LOOM_LLM_MODEL: "gpt-4o-mini",
      LOOM_LLM_BASE_URL: openai.url,
      LOOM_LLM_API_KEY: "sk-live",
      LOOM_LLM_CACHE_TTL_MS: "0",
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
    const { id: jobId } = await enqueue(db, "review_pull_request", {
      platform: "github",
      repoId: repo.id,
      repo: REPO,
      number: 7,
      headSha: diff.headSha,
      baseSha: diff.baseSha,
      baseRef: "main",
      headRef: "fix",
      title: "Fix add",
      author: "ada",
      authorIsBot: false,
      draft: false,
      action: "opened",
    }, { maxAttempts: 3 });
    worker = runWorker({
      db,
      log: silentLogger,
      tasks: createTasks(createReviewDeps(config, db, silentLogger)),
      concurrency: 1,
      leaseMs: 10_000,
      jobTimeoutMs: 60_000,
      pollIntervalMs: 50,
      shutdownGraceMs: 1_000,
      signal: stopWorker.signal,
      now,
    });
    await waitFor("the first attempt to fail", async () => {
      const job = await getJob(db, jobId);
      return job?.status === "pending" && job.attempts === 1;
    });
    const [review] = await db.query<{ id: number }>(sql`select id from reviews where job_id = ${jobId}`);
    assert.ok(review, "the first attempt recorded its review");

    await using server = serveApp(await createTestDeps(db, { config }));
    const { token } = await createSession(db, owner.id, { ttlMs: 3_600_000 });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addCookies([{ name: "loom_session", value: token, url: server.url }]);
    const page = await context.newPage();
    await page.goto(`${server.url}/reviews/${review.id}`);
    const status = page.locator('[data-testid="review-status"]');
    assert.equal(await status.getAttribute("data-phase"), "queued");
    assert.equal(await status.innerText(), "Queued");
    assert.match(await page.locator('[data-testid="phase-detail"]').innerText(), /attempt 2 of 3/);
    assert.match(await page.locator('[data-testid="job"]').innerText(), /Waiting · attempt 1 of 3/);
    // Marks this document: a reload or navigation would lose the mark.
    await page.evaluate(() => Object.assign(globalThis, { loomNoReload: true }));
    const home = await context.newPage();
    await home.goto(`${server.url}/`);
    await page.screenshot({ path: await screenshotPath(`live-review-queued-${dialect}`), fullPage: true });

    // The retry starts once the clock moves on; the model holds its answers, so a step stays running.
    mode = "hold";
    frozenAt = null;
    await page.locator('[data-testid="review-status"][data-phase="running"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="steps"] tr[data-state="running"]').first().waitFor({ timeout: 30_000 });
    assert.match(await page.locator('[data-testid="steps"]').innerText(), /Running/);
    await home.locator(`tr[data-review-id="${review.id}"] .pill.running`).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: await screenshotPath(`live-review-running-${dialect}`), fullPage: true });

    release();
    await page.locator('[data-testid="review-status"][data-phase="completed"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.evaluate(() => (globalThis as { loomNoReload?: boolean }).loomNoReload), true);
    assert.equal(await page.locator('[data-testid="steps"] tr[data-state="running"]').count(), 0);
    assert.equal(await page.locator('[data-testid="steps"] tr[data-state="queued"]').count(), 0);
    assert.ok(await page.locator('[data-testid="steps"] tr[data-state="completed"]').count() >= 1);
    const findings = page.locator('[data-testid="finding"]');
    await findings.first().waitFor();
    assert.match(await findings.first().innerText(), /Subtraction in add\(\)/);
    // The body's Markdown is rendered, its raw HTML shown as text.
    assert.equal(await findings.first().locator("strong").innerText(), "subtracts");
    assert.equal(await page.locator(".finding script").count(), 0);
    assert.equal(
      await findings.first().locator('[data-testid="finding-link"]').getAttribute("href"),
      `${github.url}/${REPO}/blob/${diff.headSha}/src/math.ts#L2`,
    );
    assert.equal(await page.locator('[data-testid="verdict"]').innerText(), "Changes requested");
    await home.locator(`tr[data-review-id="${review.id}"] .pill.completed`).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: await screenshotPath(`live-review-completed-${dialect}`), fullPage: true });
    await context.close();
  } finally {
    release();
    stopWorker.abort();
    await worker;
    await browser.close();
    await openai.close();
    await github.close();
  }
});

async function waitFor(what: string, done: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
