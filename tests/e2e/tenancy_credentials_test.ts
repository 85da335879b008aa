/**
 * Two organizations on one Loom, end to end in the real process: each organization's pull requests are read and
 * reviewed with its own GitHub token (the fake GitHub gives each token only its own organization's repository and
 * answers 404 to the other's) and its own model key reaches the fake model; a third organization with no
 * credential of its own, to which the operator did not lend the server's, gets a failed review whose reason the
 * dashboard shows — and nothing is spent on it.
 */
import assert from "node:assert/strict";
import { sign } from "@octokit/webhooks-methods";
import { sql } from "../../lib/db/mod.ts";
import { createSecretBox } from "../../lib/crypto/secret_box.ts";
import { createRepo } from "../../lib/db/repos.ts";
import { saveCredential } from "../../lib/db/credentials.ts";
import { addMembership, createOrganization } from "../../lib/db/organizations.ts";
import { createUser } from "../../lib/db/users.ts";
import { createSession } from "../../lib/db/sessions.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../fakes/github.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { makeGitDiff } from "../fakes/git_diff.ts";
import { createE2eDatabase, startLoom, waitFor } from "../support/loom_process.ts";
import {
  BASE_SOURCE,
  E2E_SECRET_KEY,
  findingsReply,
  HEAD_SOURCE,
  postWebhook,
  REVIEWED_PATH,
} from "../support/e2e_review.ts";

const TEAMS: { name: string; repo: string; token?: string; key?: string }[] = [
  { name: "Acme", repo: "acme/app", token: "ghp_acme_token_0000000000000000000000", key: "sk-acme-key" },
  { name: "Beta", repo: "beta/app", token: "ghp_beta_token_0000000000000000000000", key: "sk-beta-key" },
  { name: "Gamma", repo: "gamma/app" },
];

function payload(repo: string, repoId: number, headSha: string, baseSha: string) {
  const [owner, name] = repo.split("/");
  return {
    action: "opened",
    number: 7,
    pull_request: {
      number: 7,
      title: `Change of ${repo}`,
      draft: false,
      state: "open",
      user: { login: "ada", id: 1, type: "User" },
      head: { sha: headSha, ref: "feature" },
      base: { sha: baseSha, ref: "main" },
    },
    repository: { id: repoId, name, full_name: repo, private: true, owner: { login: owner } },
    sender: { login: "ada", id: 1, type: "User" },
  };
}

for (const dialect of ["sqlite", "postgres"] as const) {
  Deno.test(`each organization's reviews use its own platform token and model key [${dialect}]`, async () => {
    await using database = await createE2eDatabase(dialect);
    const db = database.db;
    const box = await createSecretBox(E2E_SECRET_KEY);
    const diff = await makeGitDiff({ [REVIEWED_PATH]: { base: BASE_SOURCE, head: HEAD_SOURCE } });
    // The server's own token reads nothing here: a review that used it would fail visibly.
    const github = startFakeGitHub({
      tokens: {
        [TEAMS[0]!.token!]: "acme-bot",
        [TEAMS[1]!.token!]: "beta-bot",
        [FAKE_GITHUB_TOKEN]: "server-bot",
      },
      access: {
        [TEAMS[0]!.token!]: [TEAMS[0]!.repo],
        [TEAMS[1]!.token!]: [TEAMS[1]!.repo],
        [FAKE_GITHUB_TOKEN]: [],
      },
    });
    await using _github = github;
    await using openai = await startFakeOpenAI({ reply: findingsReply });
    const hooks: { repo: string; path: string; secret: string; organizationId: number }[] = [];
    for (const team of TEAMS) {
      const organization = await createOrganization(db, { name: team.name });
      if (team.token && team.key) {
        await saveCredential(db, box, {
          organizationId: organization.id,
          kind: "github",
          name: "bot",
          value: team.token,
        });
        await saveCredential(db, box, {
          organizationId: organization.id,
          kind: "openai",
          name: "key",
          value: team.key,
        });
      }
      const secret = `secret-${team.name}`;
      const repo = await createRepo(db, {
        platform: "github",
        fullName: team.repo,
        organizationId: organization.id,
        webhookSecret: await box.encrypt(secret),
      });
      hooks.push({
        repo: team.repo,
        path: `/api/webhooks/github?repo=${repo.id}`,
        secret,
        organizationId: organization.id,
      });
      github.state.addPullRequest({
        repo: team.repo,
        number: 7,
        title: `Change of ${team.repo}`,
        author: "ada",
        headSha: diff.headSha,
        baseSha: diff.baseSha,
        baseRef: "main",
        headRef: "feature",
        diff: diff.diff,
        files: { [REVIEWED_PATH]: { base: BASE_SOURCE, head: HEAD_SOURCE } },
      });
    }
    await using loom = await startLoom({
      LOOM_DATABASE_URL: database.url,
      LOOM_SECRET_KEY: E2E_SECRET_KEY,
      LOOM_GITHUB_API_URL: github.url,
      // Lent by default to the first organization only; Acme has its own, so the server's is used by no one.
      LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN,
      LOOM_LLM_PROVIDER: "openai",
      LOOM_LLM_MODEL: "gpt-4o-mini",
      LOOM_LLM_BASE_URL: openai.url,
      LOOM_LLM_API_KEY: "sk-server-key",
      LOOM_POLL_INTERVAL_MS: "100",
      LOOM_JOB_LEASE_MS: "1500",
    });
    for (const [index, hook] of hooks.entries()) {
      const body = JSON.stringify(payload(hook.repo, 101 + index, diff.headSha, diff.baseSha));
      const answer = await postWebhook(loom, hook.path, body, {
        "x-github-event": "pull_request",
        "x-github-delivery": `delivery-${index}`,
        "x-hub-signature-256": await sign(hook.secret, body),
      });
      assert.equal(answer.status, 202, JSON.stringify(answer.body));
    }
    const finished = await waitFor(async () => {
      const jobs = await db.query<{ status: string }>(sql`select status from jobs order by id`);
      return jobs.length === 3 && jobs.every((job) => job.status === "completed" || job.status === "failed")
        ? jobs.map((job) => job.status)
        : undefined;
    }, () => `jobs did not finish: ${loom.logs()}`);
    assert.deepEqual(finished, ["completed", "completed", "failed"]);

    // Connected before ids were kept, each repository learned its platform id from its verified delivery.
    const ids = await db.query<{ platformRepoId: string }>(
      sql`select platform_repo_id from repos order by id`,
    );
    assert.deepEqual(ids.map((row) => row.platformRepoId), ["101", "102", "103"]);

    // Each review was posted by its own organization's bot, and every request about a repository carried the
    // token of the organization that connected it.
    assert.deepEqual(
      github.state.reviews.map((review) => [review.repo, review.user.login]).sort(),
      [["acme/app", "acme-bot"], ["beta/app", "beta-bot"]],
    );
    for (const team of TEAMS.slice(0, 2)) {
      const calls = github.requests.filter((request) => request.path.includes(`/repos/${team.repo}/`));
      assert.ok(calls.length > 3, `${team.repo} was read and written`);
      for (const call of calls) assert.equal(call.headers.get("authorization"), `token ${team.token}`);
    }
    assert.equal(github.requests.some((request) => request.path.includes("/repos/gamma/app/")), false);

    // Each organization's model key reached the model with its own pull request; the server's key never did.
    for (const team of TEAMS.slice(0, 2)) {
      const asked = openai.requests.filter((request) =>
        request.messages.some((message) => message.content.includes(`Change of ${team.repo}`))
      );
      assert.ok(asked.length > 0, `${team.repo} was reviewed`);
      for (const request of asked) assert.equal(request.headers.get("authorization"), `Bearer ${team.key}`);
    }
    assert.equal(
      openai.requests.some((request) => request.headers.get("authorization")?.includes("sk-server")),
      false,
    );

    // Gamma's review failed for good, with the reason on its dashboard page.
    const [failed] = await db.query<{ id: unknown; error: string }>(
      sql`select id, error from reviews where status = 'failed'`,
    );
    assert.match(failed!.error, /No GitHub credential for 127\.0\.0\.1:\d+ in organization gamma/);
    const member = await createUser(db, { email: "gil@gamma.test", name: "Gil" });
    await addMembership(db, { userId: member.id, organizationId: hooks[2]!.organizationId, role: "member" });
    const { token } = await createSession(db, member.id, { ttlMs: 3_600_000 });
    const page = await fetch(`${loom.url}/reviews/${Number(failed!.id)}`, {
      headers: { cookie: `loom_session=${token}` },
    });
    const html = await page.text();
    assert.equal(page.status, 200);
    assert.match(html, /No GitHub credential for 127\.0\.0\.1:\d+ in organization gamma/);
    assert.match(html, /LOOM_SHARE_SERVER_CREDENTIALS/);
  });
}
