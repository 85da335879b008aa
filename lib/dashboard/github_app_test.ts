/**
 * Claiming a GitHub App installation from the dashboard, through the App's OAuth web flow against the fake GitHub
 * over real HTTP, and connecting what it offers; then an App delivery reaches the connected repository.
 */
import assert from "node:assert/strict";
import { generateGitHubAppKey } from "../../tests/support/github_app_key.ts";
import { sign } from "@octokit/webhooks-methods";
import examples from "@octokit/webhooks-examples" with { type: "json" };
import { dbTest } from "../db/testing.ts";
import { sql } from "../db/mod.ts";
import { addMembership, createOrganization } from "../db/organizations.ts";
import { createUser } from "../db/users.ts";
import { createSession } from "../db/sessions.ts";
import { getInstallation, listOfferedRepositories } from "../db/github_installations.ts";
import { getRepo } from "../db/repos.ts";
import { githubWebhook } from "../platforms/github/webhook.ts";
import { getJob } from "../queue/mod.ts";
import { createApp } from "../../app.ts";
import { createTestDeps } from "../../tests/support/app_server.ts";
import { type FakeInstallation, startFakeGitHub } from "../../tests/fakes/github.ts";

const APP_SECRET = "app-webhook-secret";
const ORG_INSTALLATION: FakeInstallation = {
  id: 501,
  account: { login: "acme-gh", type: "Organization" },
  repositories: [{ id: 9001, fullName: "acme-gh/api" }, { id: 9002, fullName: "acme-gh/web" }],
  members: { alice: "admin", bob: "member" },
};
const USER_INSTALLATION: FakeInstallation = {
  id: 502,
  account: { login: "carol", type: "User" },
  repositories: [{ id: 9101, fullName: "carol/tool" }],
};

async function setup(db: Parameters<Parameters<typeof dbTest>[1]>[0]["db"]) {
  const key = await generateGitHubAppKey();
  // GitHub's installations of the App; a test adds one (a reinstall) while the fake runs.
  const installations = [ORG_INSTALLATION, USER_INSTALLATION];
  const fake = startFakeGitHub({
    app: {
      appId: "777",
      publicKey: key.publicKey,
      slug: "loom-review",
      clientId: "Iv1.loomclaim",
      clientSecret: "claim-client-secret",
      installations,
    },
  });
  const deps = await createTestDeps(db, { parsers: { github: githubWebhook } });
  deps.config = {
    ...deps.config,
    githubApiUrl: fake.url,
    githubAppId: "777",
    githubAppPrivateKey: key.pem,
    githubAppClientId: "Iv1.loomclaim",
    githubAppClientSecret: "claim-client-secret",
    githubWebhookSecret: APP_SECRET,
  };
  const app = createApp(deps);
  // The App's GitHub instance, as installations and repositories are stored (`127.0.0.1:<port>` here).
  const host = new URL(fake.url).host;
  const admin = async (organizationName: string, email: string) => {
    const organization = await createOrganization(db, { name: organizationName });
    const user = await createUser(db, { email, name: email });
    await addMembership(db, { userId: user.id, organizationId: organization.id, role: "owner" });
    const { token, session } = await createSession(db, user.id, { ttlMs: 3_600_000 });
    return { organization, cookie: `loom_session=${token}`, csrf: session.csrfToken };
  };
  const acme = await admin("Acme", "ada@acme.test");
  const beta = await admin("Beta", "bea@beta.test");

  /** The whole flow: Loom's setup redirect, GitHub's consent as `githubLogin`, then Loom's callback. */
  const claim = async (
    viewer: { cookie: string },
    installationId: number,
    githubLogin: string,
    tamper?: (callback: URL) => void,
  ) => {
    const start = await app.request(`/settings/github-app/setup?installation_id=${installationId}`, {
      headers: { cookie: viewer.cookie, accept: "text/html" },
    });
    assert.equal(start.status, 302);
    const claimCookie = /loom_github_app_claim=[^;]+/.exec(start.headers.get("set-cookie") ?? "")![0];
    const consent = await fetch(start.headers.get("location")!, {
      headers: { "x-fake-login": githubLogin },
      redirect: "manual",
    });
    assert.equal(consent.status, 302);
    const callback = new URL(consent.headers.get("location")!);
    assert.equal(callback.pathname, "/settings/github-app/callback");
    tamper?.(callback);
    const done = await app.request(`${callback.pathname}${callback.search}`, {
      headers: { cookie: `${viewer.cookie}; ${claimCookie}`, accept: "text/html" },
    });
    return { status: done.status, location: done.headers.get("location"), text: await done.text() };
  };
  const connect = async (viewer: { cookie: string; csrf: string }, platformRepoId: string) => {
    const response = await app.request("/settings/github-app", {
      method: "POST",
      headers: {
        cookie: viewer.cookie,
        "content-type": "application/x-www-form-urlencoded",
        accept: "text/html",
      },
      body: new URLSearchParams({ _csrf: viewer.csrf, intent: "connect", host, platformRepoId }),
    });
    return {
      status: response.status,
      location: response.headers.get("location"),
      text: await response.text(),
    };
  };
  return { fake, app, acme, beta, claim, connect, host, installations };
}

dbTest("an installation is claimed only when GitHub says the admin manages its account", async ({ db }) => {
  const { fake, acme, beta, claim, host } = await setup(db);
  await using _fake = fake;
  // A member of the GitHub organization who is not one of its owners proves nothing.
  const member = await claim(acme, ORG_INSTALLATION.id, "bob");
  assert.equal(member.status, 403);
  assert.match(member.text, /bob is not an owner of the GitHub organization acme-gh/);
  assert.equal((await getInstallation(db, host, ORG_INSTALLATION.id))?.organizationId ?? null, null);
  // Someone else's installation id in the setup URL: GitHub does not list it for this user.
  const spoofed = await claim(acme, USER_INSTALLATION.id, "alice");
  assert.equal(spoofed.status, 403);
  assert.match(spoofed.text, /does not list installation 502 for alice/);
  // A callback whose state this browser was not given is refused before GitHub is asked anything.
  const forged = await claim(acme, ORG_INSTALLATION.id, "alice", (url) => url.searchParams.set("state", "x"));
  assert.equal(forged.status, 400);

  const owner = await claim(acme, ORG_INSTALLATION.id, "alice");
  assert.deepEqual([owner.status, owner.location], [303, "/settings/github-app?notice=installation-claimed"]);
  const claimed = await getInstallation(db, host, ORG_INSTALLATION.id);
  assert.equal(claimed?.organizationId, acme.organization.id);
  assert.equal(claimed?.accountLogin, "acme-gh");
  assert.deepEqual((await listOfferedRepositories(db, acme.organization.id)).map((item) => item.fullName), [
    "acme-gh/api",
    "acme-gh/web",
  ]);
  // Once owned, another organization cannot take it, even with the same proof; the user account's own owner can
  // claim theirs.
  const taken = await claim(beta, ORG_INSTALLATION.id, "alice");
  assert.equal(taken.status, 409);
  assert.equal((await getInstallation(db, host, ORG_INSTALLATION.id))?.organizationId, acme.organization.id);
  assert.equal((await claim(beta, USER_INSTALLATION.id, "carol")).status, 303);
  assert.deepEqual((await listOfferedRepositories(db, beta.organization.id)).map((item) => item.fullName), [
    "carol/tool",
  ]);
});

dbTest(
  "a repository offered by the installation is connected to it, and its App deliveries then make reviews",
  async ({ db }) => {
    const { fake, app, acme, beta, claim, connect, host, installations } = await setup(db);
    await using _fake = fake;
    assert.equal((await claim(acme, ORG_INSTALLATION.id, "alice")).status, 303);
    // Another organization cannot connect what Acme's installation offers.
    const stolen = await connect(beta, "9001");
    assert.equal(stolen.status, 404);
    const connected = await connect(acme, "9001");
    assert.equal(connected.status, 303);
    const repoId = Number(/\/repos\/(\d+)/.exec(connected.location!)![1]);
    const repo = await getRepo(db, repoId);
    assert.deepEqual(
      [repo?.organizationId, repo?.installationId, repo?.platformRepoId, repo?.fullName, repo?.host],
      [acme.organization.id, 501, "9001", "acme-gh/api", host],
    );
    assert.equal((await connect(acme, "9001")).status, 404);
    assert.deepEqual((await listOfferedRepositories(db, acme.organization.id)).map((item) => item.fullName), [
      "acme-gh/web",
    ]);

    const payload = structuredClone(
      (examples as unknown as { name: string; examples: Record<string, unknown>[] }[])
        .find((item) => item.name === "pull_request")!.examples.find((item) => item.action === "opened")!,
    ) as Record<string, Record<string, unknown>>;
    payload.installation = { id: 501 };
    payload.repository = { ...payload.repository, id: 9001, "full_name": "acme-gh/api" };
    const body = JSON.stringify(payload);
    const delivered = await app.request("/api/webhooks/github", {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-github-event": "pull_request",
        "x-github-delivery": "claimed-1",
        "x-hub-signature-256": await sign(APP_SECRET, body),
      },
    });
    const result = await delivered.json();
    assert.deepEqual([delivered.status, result.outcome], [202, "enqueued"]);
    assert.equal((await getJob(db, result.jobId))?.payload.repoId, repoId);
    const [jobs] = await db.query<{ count: number }>(sql`select count(*) as count from jobs`);
    assert.equal(Number(jobs!.count), 1);

    // Uninstalled: the review is cancelled and the repository's page says why it is paused.
    const uninstall = structuredClone(
      (examples as unknown as { name: string; examples: Record<string, unknown>[] }[])
        .find((item) => item.name === "installation")!.examples.find((item) => item.action === "deleted")!,
    ) as Record<string, Record<string, unknown>>;
    uninstall.installation = { ...uninstall.installation, id: 501 };
    const uninstallBody = JSON.stringify(uninstall);
    const removed = await app.request("/api/webhooks/github", {
      method: "POST",
      body: uninstallBody,
      headers: {
        "content-type": "application/json",
        "x-github-event": "installation",
        "x-github-delivery": "claimed-2",
        "x-hub-signature-256": await sign(APP_SECRET, uninstallBody),
      },
    });
    assert.equal(removed.status, 202);
    await removed.body?.cancel();
    assert.equal((await getJob(db, result.jobId))?.status, "cancelled");
    const repoPage = await app.request(`/repos/${repoId}`, {
      headers: { cookie: acme.cookie, accept: "text/html" },
    });
    const html = await repoPage.text();
    assert.match(html, /data-testid="installation-pause"/);
    assert.match(html, /the GitHub App was uninstalled from this account/);

    // Installed again (a new installation id) and claimed by the same organization: the repository is bound to
    // the new installation and runs again.
    installations.splice(0, 1, { ...ORG_INSTALLATION, id: 503 });
    assert.equal((await claim(acme, 503, "alice")).status, 303);
    const resumed = await getRepo(db, repoId);
    assert.deepEqual([resumed?.installationId, resumed?.paused, resumed?.pausedReason], [503, false, null]);
  },
);
