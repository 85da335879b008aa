/**
 * `deno run -A tools/screenshots.ts [out-dir]`: every dashboard page at 1280 px and 390 px wide, from a fresh
 * SQLite database with realistic history, into `docs/screenshots/` (referenced from docs/dashboard.md). Uses
 * Debian's Chromium like the browser tests (`apt-get install -y chromium`); nothing is downloaded.
 */
import { createSqliteDb } from "../lib/db/mod.ts";
import { migrate } from "../lib/db/migrate.ts";
import { addMembership, createOrganization } from "../lib/db/organizations.ts";
import { createUser } from "../lib/db/users.ts";
import { createSession } from "../lib/db/sessions.ts";
import { savePrompt } from "../lib/db/prompts.ts";
import { createInvitation } from "../lib/db/invitations.ts";
import { saveCredential } from "../lib/db/credentials.ts";
import { hashPassword } from "../lib/auth/mod.ts";
import { loadServerConfig } from "../lib/config/env.ts";
import { enqueue } from "../lib/queue/mod.ts";
import { disconnectRepo, regenerateRepoSecret } from "../lib/db/repos.ts";
import { recordDelivery, recordRefusal } from "../lib/db/deliveries.ts";
import { createTestDeps, serveApp, TEST_SECRET_KEY, TEST_SETUP_TOKEN } from "../tests/support/app_server.ts";
import { ensureIslandsBuilt, launchBrowser } from "../tests/support/browser.ts";
import { seedRepo, seedReview } from "../tests/browser/seed.ts";

const WIDTHS = [1280, 390] as const;
const out = Deno.args[0] ?? new URL("../docs/screenshots/", import.meta.url).pathname;

await ensureIslandsBuilt();
await Deno.mkdir(out, { recursive: true });
const directory = await Deno.makeTempDir({ prefix: "loom-screenshots-" });
const db = createSqliteDb(`${directory}/loom.db`);
await migrate(db);
const config = loadServerConfig({
  LOOM_SECRET_KEY: TEST_SECRET_KEY,
  LOOM_PUBLIC_URL: "https://loom.example.com",
});
const deps = await createTestDeps(db, { config });
const server = serveApp(deps);
const browser = await launchBrowser();
const shots: string[] = [];

async function capture(name: string, path: string, cookie?: string): Promise<void> {
  for (const width of WIDTHS) {
    const context = await browser.newContext({ viewport: { width, height: width > 500 ? 860 : 844 } });
    if (cookie) await context.addCookies([{ name: "loom_session", value: cookie, url: server.url }]);
    const page = await context.newPage();
    await page.goto(server.url + path);
    // Islands hydrate and charts draw after load.
    await page.waitForLoadState("networkidle");
    if (path.startsWith("/analytics")) {
      await page.waitForSelector('[data-ready="on"] canvas', { timeout: 10_000 });
    }
    const file = `${out}${name}-${width}.png`;
    await page.screenshot({ path: file, fullPage: true });
    shots.push(file);
    await context.close();
  }
}

try {
  // First run: the set-up page, before anyone exists.
  await capture("setup", `/setup?token=${TEST_SETUP_TOKEN}`);

  const organization = await createOrganization(db, { name: "Acme" });
  const owner = await createUser(db, {
    email: "ada@acme.example",
    name: "Ada Lovelace",
    passwordHash: await hashPassword("correct horse battery staple"),
  });
  await addMembership(db, { userId: owner.id, organizationId: organization.id, role: "owner" });
  const api = await seedRepo(db, { fullName: "acme/payments-api", organizationId: organization.id });
  const web = await seedRepo(db, {
    platform: "gitlab",
    fullName: "acme/web/storefront",
    organizationId: organization.id,
  });
  const titles = [
    "Add login rate limit",
    "Cache the config loader",
    "Fix flaky queue test",
    "Retry refunds on timeout",
    "Paginate the order history",
    "Drop the legacy session table",
  ];
  const reviews = [];
  for (const [index, title] of titles.entries()) {
    reviews.push(
      await seedReview(db, index % 2 ? web : api, {
        prNumber: 40 + index,
        title,
        author: index % 3 ? "lin" : "ada",
        daysAgo: index * 3,
      }),
    );
  }
  await seedReview(db, api, { prNumber: 39, title: "Upgrade the SDKs", daysAgo: 0, status: "failed" });
  await enqueue(db, "review_pull_request", {
    platform: "github",
    repoId: api.id,
    repo: api.fullName,
    number: 47,
    headSha: "c0ffee",
    baseSha: "b4se",
    baseRef: "main",
    headRef: "feature/export",
    title: "Export invoices as CSV",
    author: "lin",
    authorIsBot: false,
    draft: false,
    action: "opened",
  });
  await savePrompt(db, {
    organizationId: organization.id,
    name: "strict-security",
    body:
      "Review for injection, authentication and secrets.\n\nReport only problems a reviewer would block on.",
    createdBy: owner.id,
  });
  await saveCredential(db, deps.secretBox, {
    organizationId: organization.id,
    kind: "openai",
    name: "default",
    value: "sk-example-0000000000001234",
  });
  const { token: invitation } = await createInvitation(db, {
    organizationId: organization.id,
    email: "lin@acme.example",
    role: "member",
  });
  // The repository page: a secret regenerated two hours ago (the old one in its grace period), and deliveries.
  const minutesAgo = (minutes: number) => () => Date.now() - minutes * 60_000;
  await regenerateRepoSecret(db, api.id, await deps.secretBox.encrypt("k2".repeat(20)), minutesAgo(120));
  const accepted = [
    [3, "pull_request.synchronize", "enqueued"],
    [9, "comment", "ignored"],
    [26, "pull_request.labeled", "ignored"],
    [41, "pull_request.opened", "enqueued"],
    [42, "pull_request.opened", "duplicate_job"],
    [95, "pull_request.closed", "cancelled"],
  ] as const;
  for (const [minutes, event, outcome] of accepted) {
    await recordDelivery(db, {
      platform: "github",
      deliveryId: crypto.randomUUID(),
      repoId: api.id,
      event,
      outcome,
    }, minutesAgo(minutes));
  }
  await recordRefusal(db, {
    repoId: api.id,
    deliveryId: crypto.randomUUID(),
    event: "pull_request",
    outcome: "bad_signature",
    reason: "Invalid signature",
  }, minutesAgo(15));
  const retired = await seedRepo(db, { fullName: "acme/legacy-billing", organizationId: organization.id });
  await seedReview(db, retired, { prNumber: 12, title: "Round invoice totals once", daysAgo: 9 });
  await disconnectRepo(db, retired.id, minutesAgo(60 * 24 * 2));
  await recordRefusal(db, {
    repoId: retired.id,
    deliveryId: crypto.randomUUID(),
    event: "pull_request",
    outcome: "disconnected",
    reason: "Repository is disconnected from Loom: remove this webhook, or connect the repository again",
  }, minutesAgo(30));
  const { token } = await createSession(db, owner.id, { ttlMs: 3_600_000 });

  await capture("landing", "/");
  await capture("login", "/login");
  await capture("invitation", `/invitations/${invitation}`);
  await capture("dashboard", "/", token);
  await capture("repositories", "/repos", token);
  await capture("repository", `/repos/${api.id}`, token);
  await capture("repository-disconnected", `/repos/${retired.id}`, token);
  await capture("reviews", "/reviews", token);
  await capture("reviews-failed", "/reviews?status=failed", token);
  await capture("review", `/reviews/${reviews[0]!.id}`, token);
  await capture("prompts", "/prompts", token);
  await capture("prompt-editor", "/prompts/strict-security", token);
  await capture("analytics", "/analytics?days=30", token);
  await capture("settings", "/settings", token);
  await capture("account", "/account", token);
  await capture("not-found", "/no/such/page", token);
  // deno-lint-ignore no-console
  console.log(`Wrote ${shots.length} screenshots to ${out}`);
} finally {
  await browser.close();
  await server[Symbol.asyncDispose]();
  await db.close();
  await Deno.remove(directory, { recursive: true });
}
