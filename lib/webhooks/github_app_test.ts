import assert from "node:assert/strict";
import { sign } from "@octokit/webhooks-methods";
import examples from "@octokit/webhooks-examples" with { type: "json" };
import { dbTest, type TestDatabase } from "../db/testing.ts";
import { sql } from "../db/mod.ts";
import { createRepo, getRepo, setRepoPaused } from "../db/repos.ts";
import { createOrganization } from "../db/organizations.ts";
import { createUser } from "../db/users.ts";
import {
  claimInstallation,
  listOfferedRepositories,
  pauseInstallationRepos,
} from "../db/github_installations.ts";
import { githubWebhook } from "../platforms/github/webhook.ts";
import { createApp } from "../../app.ts";
import { createTestDeps } from "../../tests/support/app_server.ts";
import { claim, getJob } from "../queue/mod.ts";

const APP_SECRET = "github-app-webhook-secret";
// deno-lint-ignore no-explicit-any
type Payload = Record<string, any>;

function example(name: string, action: string): Payload {
  const definition = (examples as unknown as { name: string; examples: Payload[] }[]).find((item) =>
    item.name === name
  );
  const found = definition?.examples.find((item) => item.action === action);
  assert.ok(found, `@octokit/webhooks-examples has a ${name}.${action} example`);
  return structuredClone(found);
}

// Installation A is the examples' own (Codertocat's, id 957387); B is another account's.
const INSTALLATION_A = 957387;
const INSTALLATION_B = 4242;
const HELLO_WORLD = { id: 186853002, fullName: "Codertocat/Hello-World" };
const SPACE = { id: 186853007, fullName: "Codertocat/Space" };

/** A `pull_request.opened` App delivery of `installation` for `repository`, from the real example. */
function opened(installation: number, repository: { id: number; fullName: string }): Payload {
  const payload = example("pull_request", "opened");
  payload.installation = { id: installation, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
  payload.repository.id = repository.id;
  payload.repository.full_name = repository.fullName;
  payload.repository.name = repository.fullName.split("/")[1];
  return payload;
}

function installationEvent(action: string, installation = INSTALLATION_A): Payload {
  const source = example("installation", action === "unsuspend" || action === "suspend" ? action : "created");
  if (action === "deleted") source.action = "deleted";
  source.installation.id = installation;
  return source;
}

async function setup(database: TestDatabase) {
  const { db } = database;
  const deps = await createTestDeps(db, { parsers: { github: githubWebhook } });
  deps.config = { ...deps.config, githubWebhookSecret: APP_SECRET };
  const app = createApp(deps);
  const acme = await createOrganization(db, { name: "Acme" });
  const beta = await createOrganization(db, { name: "Beta" });
  const admin = await createUser(db, { email: "admin@example.com", name: "Admin" });
  const account = (installationId: number, accountLogin: string) => ({
    host: "github.com",
    installationId,
    accountLogin,
    accountId: installationId,
    accountType: "Organization",
  });
  const claimedA = await claimInstallation(db, account(INSTALLATION_A, "Codertocat"), {
    organizationId: acme.id,
    userId: admin.id,
  });
  const claimedB = await claimInstallation(db, account(INSTALLATION_B, "beta-inc"), {
    organizationId: beta.id,
    userId: admin.id,
  });
  assert.ok(claimedA && claimedB);
  const connect = (
    organizationId: number,
    repository: { id: number; fullName: string },
    installationId: number | null,
  ) =>
    createRepo(db, {
      platform: "github",
      host: "github.com",
      fullName: repository.fullName,
      platformRepoId: String(repository.id),
      webhookSecret: "unused: App deliveries are verified with the App's secret",
      organizationId,
      installationId,
    });
  let deliveries = 0;
  const send = async (payload: unknown, event: string, options: { secret?: string; id?: string } = {}) => {
    const body = JSON.stringify(payload);
    const response = await app.request("/api/webhooks/github", {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": options.id ?? `delivery-${++deliveries}`,
        "x-hub-signature-256": await sign(options.secret ?? APP_SECRET, body),
      },
    });
    return { status: response.status, body: await response.json() };
  };
  const jobsOf = async (repoId: number) =>
    (await db.query<{ id: number; status: string; payload: string }>(
      sql`select id, status, payload from jobs order by id`,
    )).filter((job) => JSON.parse(job.payload).repoId === repoId);
  const allJobs = async () =>
    Number((await db.query<{ count: number }>(sql`select count(*) as count from jobs`))[0]!.count);
  return { db, acme, beta, connect, send, jobsOf, allJobs };
}

dbTest(
  "a signed App webhook for a repository of installation A never creates a job for organization B",
  async (database) => {
    const { db, acme, beta, connect, send, jobsOf, allJobs } = await setup(database);
    // Organization B holds the repository the delivery names, through B's own installation.
    const betaRepo = await connect(beta.id, HELLO_WORLD, INSTALLATION_B);
    const viaA = await send(opened(INSTALLATION_A, HELLO_WORLD), "pull_request");
    assert.deepEqual([viaA.status, viaA.body.outcome], [202, "ignored"]);
    assert.equal(await allJobs(), 0);
    // Recorded, and attached to no repository: B's delivery history does not show A's event either.
    const recorded = await db.query<{ repoId: unknown; outcome: string }>(
      sql`select repo_id, outcome from webhook_deliveries`,
    );
    assert.deepEqual(recorded.map((row) => [row.repoId, row.outcome]), [[null, "ignored"]]);

    // A row of B known only by name (no repository id, no installation) is not reached by name any more.
    await db.exec(sql`delete from repos where id = ${betaRepo.id}`);
    await createRepo(db, {
      platform: "github",
      host: "github.com",
      fullName: HELLO_WORLD.fullName,
      webhookSecret: "x",
      organizationId: beta.id,
    });
    assert.equal((await send(opened(INSTALLATION_A, HELLO_WORLD), "pull_request")).body.outcome, "ignored");
    // Nor by an installation nobody claimed, nor by B's installation for A's repository.
    const acmeRepo = await connect(acme.id, SPACE, INSTALLATION_A);
    assert.equal((await send(opened(777, SPACE), "pull_request")).body.outcome, "ignored");
    assert.equal((await send(opened(INSTALLATION_B, SPACE), "pull_request")).body.outcome, "ignored");
    assert.equal(await allJobs(), 0);

    // The same delivery for A's own repository through A's installation is a review of A's repository.
    const own = await send(opened(INSTALLATION_A, SPACE), "pull_request");
    assert.deepEqual([own.status, own.body.outcome], [202, "enqueued"]);
    const job = await getJob(db, own.body.jobId);
    assert.equal(job?.payload.repoId, acmeRepo.id);
    assert.equal((await jobsOf(acmeRepo.id)).length, 1);

    // A wrong signature is refused as any other; the App secret does not sign for the repositories' secrets.
    const forged = await send(opened(INSTALLATION_A, SPACE), "pull_request", { secret: "guess" });
    assert.equal(forged.status, 401);
  },
);

dbTest("uninstalling the GitHub App stops reviews: queued ones are cancelled, later events ignored", async (
  database,
) => {
  const { db, acme, connect, send, jobsOf } = await setup(database);
  const repo = await connect(acme.id, SPACE, INSTALLATION_A);
  const queued = await send(opened(INSTALLATION_A, SPACE), "pull_request");
  assert.equal(queued.body.outcome, "enqueued");
  // One review is running on a worker, another waits.
  const [running] = await claim(db, "worker-1", { leaseMs: 60_000 });
  assert.equal(running?.id, queued.body.jobId);
  const waiting = opened(INSTALLATION_A, SPACE);
  waiting.number = 9999;
  waiting.pull_request.number = 9999;
  waiting.pull_request.id = 2;
  waiting.pull_request.head.sha = "e".repeat(40);
  assert.equal((await send(waiting, "pull_request")).body.outcome, "enqueued");

  const uninstalled = await send(installationEvent("deleted"), "installation", { id: "uninstall-1" });
  assert.deepEqual([uninstalled.status, uninstalled.body.outcome], [202, "installation"]);
  const jobs = await jobsOf(repo.id);
  assert.deepEqual(jobs.map((job) => job.status), ["cancelled", "cancelled"]);
  for (const job of jobs) assert.equal((await getJob(db, job.id))?.error, "GitHub App uninstalled");
  const stopped = await getRepo(db, repo.id);
  assert.equal(stopped?.paused, true);
  const [row] = await db.query<{ pausedReason: string }>(
    sql`select paused_reason from repos where id = ${repo.id}`,
  );
  assert.equal(row!.pausedReason, "installation_deleted");

  // Later events of the deleted installation make nothing, and a replayed uninstall changes nothing.
  const synchronize = opened(INSTALLATION_A, SPACE);
  synchronize.action = "synchronize";
  synchronize.pull_request.head.sha = "f".repeat(40);
  assert.equal((await send(synchronize, "pull_request")).body.outcome, "ignored");
  assert.equal((await jobsOf(repo.id)).filter((item) => item.status === "pending").length, 0);
  assert.equal((await send(installationEvent("deleted"), "installation", { id: "uninstall-1" })).status, 200);
  // An unsuspend cannot bring a deleted installation back.
  await send(installationEvent("unsuspend"), "installation");
  assert.equal((await getRepo(db, repo.id))?.paused, true);
  assert.equal((await send(opened(INSTALLATION_A, SPACE), "pull_request")).body.outcome, "ignored");
});

dbTest(
  "a suspended installation stops reviews and unsuspending resumes only what the suspension paused",
  async (database) => {
    const { db, acme, connect, send, jobsOf } = await setup(database);
    const running = await connect(acme.id, SPACE, INSTALLATION_A);
    const pausedByHand = await connect(acme.id, HELLO_WORLD, INSTALLATION_A);
    await setRepoPaused(db, pausedByHand.id, true);
    assert.equal((await send(opened(INSTALLATION_A, SPACE), "pull_request")).body.outcome, "enqueued");

    assert.equal((await send(installationEvent("suspend"), "installation")).body.outcome, "installation");
    assert.equal((await jobsOf(running.id))[0]!.status, "cancelled");
    assert.equal((await getRepo(db, running.id))?.paused, true);
    const reopened = opened(INSTALLATION_A, SPACE);
    reopened.action = "reopened";
    assert.equal((await send(reopened, "pull_request")).body.outcome, "ignored");

    assert.equal((await send(installationEvent("unsuspend"), "installation")).body.outcome, "installation");
    assert.equal((await getRepo(db, running.id))?.paused, false);
    assert.equal((await getRepo(db, pausedByHand.id))?.paused, true);
    assert.equal((await send(reopened, "pull_request")).body.outcome, "enqueued");
  },
);

dbTest(
  "installation_repositories: removed stops that repository's reviews, added offers it to the owner again",
  async (database) => {
    const { db, acme, beta, connect, send, jobsOf } = await setup(database);
    const kept = await connect(acme.id, HELLO_WORLD, INSTALLATION_A);
    const removedRepo = await connect(acme.id, SPACE, INSTALLATION_A);
    assert.equal((await send(opened(INSTALLATION_A, SPACE), "pull_request")).body.outcome, "enqueued");
    assert.equal((await send(opened(INSTALLATION_A, HELLO_WORLD), "pull_request")).body.outcome, "enqueued");

    const removal = example("installation_repositories", "removed");
    removal.installation.id = INSTALLATION_A;
    removal.repositories_removed = [{
      ...removal.repositories_removed[0],
      id: SPACE.id,
      "full_name": SPACE.fullName,
    }];
    assert.equal((await send(removal, "installation_repositories")).body.outcome, "installation");
    assert.equal((await jobsOf(removedRepo.id))[0]!.status, "cancelled");
    assert.equal((await jobsOf(kept.id))[0]!.status, "pending");
    assert.equal((await getRepo(db, removedRepo.id))?.paused, true);
    assert.equal((await getRepo(db, kept.id))?.paused, false);

    // Added back (the real payload names Codertocat/Space): resumed, and a new repository is offered to A only.
    const addition = example("installation_repositories", "added");
    addition.installation.id = INSTALLATION_A;
    addition.repositories_added.push({
      ...addition.repositories_added[0],
      id: 99,
      "full_name": "Codertocat/New",
    });
    assert.equal((await send(addition, "installation_repositories")).body.outcome, "installation");
    assert.equal((await getRepo(db, removedRepo.id))?.paused, false);
    assert.deepEqual((await listOfferedRepositories(db, acme.id)).map((item) => item.fullName), [
      "Codertocat/New",
    ]);
    assert.deepEqual(await listOfferedRepositories(db, beta.id), []);
  },
);

dbTest(
  "installation.created offers its repositories only once an organization claimed it",
  async (database) => {
    const { db, acme, send } = await setup(database);
    const created = installationEvent("created", 31337);
    assert.equal((await send(created, "installation")).body.outcome, "installation");
    const [row] = await db.query<{ organizationId: unknown; status: string; accountLogin: string }>(
      sql`select organization_id, status, account_login from github_installations where installation_id = 31337`,
    );
    // The webhook records that the installation exists; it never says which organization owns it.
    assert.deepEqual([row!.organizationId, row!.status, row!.accountLogin], [null, "active", "Codertocat"]);
    assert.deepEqual(await listOfferedRepositories(db, acme.id), []);
    const installed = example("installation", "created");
    assert.ok(installed.repositories.length > 0);
    // Claimed by A: the repositories it listed are offered to A.
    const user = await createUser(db, { email: "other@example.com", name: "Other" });
    await claimInstallation(db, {
      host: "github.com",
      installationId: 31337,
      accountLogin: "Codertocat",
      accountId: 1,
      accountType: "User",
    }, { organizationId: acme.id, userId: user.id });
    assert.deepEqual(
      (await listOfferedRepositories(db, acme.id)).map((item) => [item.fullName, item.installationId]),
      installed.repositories.map((repository: Payload) => [repository.full_name, 31337]),
    );
  },
);

dbTest("a malformed installation payload is refused with 400 and records nothing", async (database) => {
  const { db, send } = await setup(database);
  const broken = installationEvent("created");
  delete broken.installation.id;
  const response = await send(broken, "installation");
  assert.equal(response.status, 400);
  assert.match(response.body.message, /installation\.id/);
  const [count] = await db.query<{ count: number }>(sql`select count(*) as count from webhook_deliveries`);
  assert.equal(Number(count!.count), 0);
});

dbTest("an uninstall racing pull-request deliveries leaves no live review behind", async (database) => {
  const { acme, connect, send, jobsOf } = await setup(database);
  const repo = await connect(acme.id, SPACE, INSTALLATION_A);
  // Deliveries in flight while the uninstall is applied: each either waits for the pause and sees it, or made its
  // job before the pause could lock the repository, and the uninstall cancels it.
  const pullRequests = Array.from({ length: 12 }, (_, index) => {
    const payload = opened(INSTALLATION_A, SPACE);
    payload.number = 100 + index;
    payload.pull_request.number = 100 + index;
    return payload;
  });
  const results = await Promise.all([
    ...pullRequests.slice(0, 6).map((payload) => send(payload, "pull_request")),
    send(installationEvent("deleted"), "installation"),
    ...pullRequests.slice(6).map((payload) => send(payload, "pull_request")),
  ]);
  assert.ok(results.every((result) => result.status === 202), JSON.stringify(results));
  const live = (await jobsOf(repo.id)).filter((job) =>
    job.status === "pending" || job.status === "in_progress"
  );
  assert.deepEqual(live, []);
});

dbTest(
  "a delivery applied while an uninstall's pause commits waits for it and makes no job",
  async (database) => {
    const { acme, connect, send, jobsOf } = await setup(database);
    const repo = await connect(acme.id, SPACE, INSTALLATION_A);
    // Another process pauses the repository and has not committed yet.
    const other = database.connect();
    let release!: () => void;
    const held = new Promise<void>((resolve) => release = resolve);
    let pausedNow!: () => void;
    const paused = new Promise<void>((resolve) => pausedNow = resolve);
    const pausing = other.transaction(async (tx) => {
      await pauseInstallationRepos(
        tx,
        { host: "github.com", installationId: INSTALLATION_A },
        "installation_deleted",
      );
      pausedNow();
      await held;
    });
    await paused;
    const delivering = send(opened(INSTALLATION_A, SPACE), "pull_request");
    if (database.dialect === "postgres") {
      // The delivery waits on the pause's row lock instead of reading the row as it was and enqueuing past it.
      let settled = false;
      const waiting = (async () => {
        while (!settled) {
          const [row] = await database.db.query<{ count: number }>(sql`
          select count(*) as count from pg_locks waiting
          where not waiting.granted and exists (
            select 1 from pg_locks held where held.pid = waiting.pid and held.relation = 'repos'::regclass)`);
          if (Number(row!.count) > 0) return "waiting";
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        return "delivered";
      })();
      const first = await Promise.race([delivering.then(() => "delivered"), waiting]);
      settled = true;
      await waiting;
      if (first !== "waiting") {
        release();
        await pausing;
      }
      assert.equal(first, "waiting");
    }
    release();
    await pausing;
    const result = await delivering;
    assert.deepEqual([result.status, result.body.outcome], [202, "paused"]);
    assert.deepEqual(await jobsOf(repo.id), []);
  },
);
