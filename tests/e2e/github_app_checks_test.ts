/**
 * Check runs end to end, in the real process: Loom installed as a GitHub App receives the App's signed
 * `pull_request` deliveries (real payloads from @octokit/webhooks-examples) and reports each review as a check
 * run `loom/review` on the fake GitHub — never a commit status — with an annotation per finding on the diff, sent
 * at most 50 per request, and the conclusion the outcome rules give: a completed review without blockers is
 * `success`, a partial one (a step failed) `failure`, and a failed one (nothing reviewed) `action_required`,
 * linked to the review's dashboard page.
 */
import assert from "node:assert/strict";
import { sign } from "@octokit/webhooks-methods";
import examples from "@octokit/webhooks-examples" with { type: "json" };
import { BUILTIN_PROMPTS } from "../../lib/config/load.ts";
import { loadServerConfig } from "../../lib/config/env.ts";
import { configuredHost } from "../../lib/platforms/hosts.ts";
import { sql } from "../../lib/db/mod.ts";
import { createOrganization } from "../../lib/db/organizations.ts";
import { createRepo } from "../../lib/db/repos.ts";
import { createUser } from "../../lib/db/users.ts";
import { claimInstallation } from "../../lib/db/github_installations.ts";
import { startFakeGitHub } from "../fakes/github.ts";
import { makeGitDiff } from "../fakes/git_diff.ts";
import type { FakeLlmRequest, FakeReply } from "../fakes/openai.ts";
import { generateGitHubAppKey } from "../support/github_app_key.ts";
import { startLoom } from "../support/loom_process.ts";
import {
  BASE_SOURCE,
  HEAD_SOURCE,
  postWebhook,
  REVIEWED_PATH,
  setupReviewE2e,
  waitForCompletedJobs,
} from "../support/e2e_review.ts";

const APP_ID = "31337";
const APP_SECRET = "e2e-app-webhook-secret";
const INSTALLATION = 957387;
const REPOSITORY = { id: 186853002, fullName: "Codertocat/Hello-World" };
const PUBLIC_URL = "https://loom.example";
// More than one request's worth of annotations (GitHub takes 50 per request).
const ANCHORED_FINDINGS = 60;

// deno-lint-ignore no-explicit-any
type Payload = Record<string, any>;

/** Each pull request's head says which outcome its review gets from the fake model. */
const MODES = { 1: "completed", 2: "partial", 3: "failed" } as const;

function unauthorized(): FakeReply {
  return { status: 401, body: { error: { message: "Incorrect API key provided" } } };
}

/** The fake model: the `bugs` step reports findings; `failed` heads get 401s, `partial` heads fail `security`. */
function reply(request: FakeLlmRequest): FakeReply {
  if (!request.structured) return "ok";
  const text = request.messages.map((message) => message.content).join("\n");
  if (text.includes("mode: failed")) return unauthorized();
  if (text.includes("mode: partial") && text.includes(BUILTIN_PROMPTS.security)) return unauthorized();
  if (!text.includes(BUILTIN_PROMPTS.bugs)) return { json: { findings: [] } };
  const count = text.includes("mode: completed") ? ANCHORED_FINDINGS : 1;
  const findings: Record<string, unknown>[] = Array.from({ length: count }, (_, index) => ({
    path: REVIEWED_PATH,
    line: 10,
    side: "RIGHT",
    severity: "warning",
    title: `Loop bound ${index + 1} reads past the end`,
    body: `Case ${index + 1}: \`i <= keys.length\` reads one past the end.`,
  }));
  // Outside the diff: in the summary, never an annotation.
  findings.push({
    path: REVIEWED_PATH,
    line: 200,
    side: "RIGHT",
    severity: "info",
    title: "TTL",
    body: "Why?",
  });
  return { json: { findings }, usage: { inputTokens: 100, outputTokens: 50 } };
}

function openedPayload(number: number, heads: { headSha: string; baseSha: string }): Payload {
  const definition = (examples as unknown as { name: string; examples: Payload[] }[])
    .find((item) => item.name === "pull_request");
  const payload = structuredClone(definition!.examples.find((item) => item.action === "opened")!);
  payload.installation = { id: INSTALLATION, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
  payload.number = number;
  payload.pull_request.number = number;
  payload.pull_request.draft = false;
  payload.pull_request.head.sha = heads.headSha;
  payload.pull_request.base.sha = heads.baseSha;
  payload.pull_request.base.ref = "main";
  payload.repository.id = REPOSITORY.id;
  payload.repository.full_name = REPOSITORY.fullName;
  return payload;
}

for (const dialect of ["sqlite", "postgres"] as const) {
  Deno.test(`a GitHub App's reviews are check runs with annotations and the outcome's conclusion [${dialect}]`, async () => {
    const key = await generateGitHubAppKey();
    await using context = await setupReviewE2e({
      dialect,
      platform: "github",
      fullName: "octo-org/token-install",
      webhookSecret: "unused",
      reply,
    });
    await using github = startFakeGitHub({
      app: { appId: APP_ID, publicKey: key.publicKey, installationIds: [INSTALLATION], slug: "loom-review" },
    });
    const { db } = context.database;
    // The fake is the GitHub instance: installations and repositories are keyed by its host.
    const host = configuredHost("github", loadServerConfig({ LOOM_GITHUB_API_URL: github.url }))!;
    const organization = await createOrganization(db, { name: "Codertocat" });
    const admin = await createUser(db, { email: "admin@example.com", name: "Admin" });
    const claimed = await claimInstallation(db, {
      host,
      installationId: INSTALLATION,
      accountLogin: "Codertocat",
      accountId: 21031067,
      accountType: "User",
    }, { organizationId: organization.id, userId: admin.id });
    assert.ok(claimed);
    await createRepo(db, {
      platform: "github",
      host,
      fullName: REPOSITORY.fullName,
      platformRepoId: String(REPOSITORY.id),
      webhookSecret: "unused: App deliveries are verified with the App's secret",
      organizationId: organization.id,
      installationId: INSTALLATION,
    });
    const heads = new Map<number, { headSha: string; baseSha: string }>();
    for (const [number, mode] of Object.entries(MODES)) {
      const head = `${HEAD_SOURCE}// mode: ${mode}\n`;
      const diff = await makeGitDiff({ [REVIEWED_PATH]: { base: BASE_SOURCE, head } });
      github.state.addPullRequest({
        repo: REPOSITORY.fullName,
        number: Number(number),
        title: `Review ${mode}`,
        author: "Codertocat",
        headSha: diff.headSha,
        baseSha: diff.baseSha,
        baseRef: "main",
        headRef: `review-${mode}`,
        diff: diff.diff,
        files: { [REVIEWED_PATH]: { base: BASE_SOURCE, head } },
      });
      heads.set(Number(number), diff);
    }

    await using loom = await startLoom({
      ...context.env,
      LOOM_PUBLIC_URL: PUBLIC_URL,
      LOOM_GITHUB_API_URL: github.url,
      LOOM_GITHUB_APP_ID: APP_ID,
      LOOM_GITHUB_APP_PRIVATE_KEY: key.pem,
      LOOM_GITHUB_WEBHOOK_SECRET: APP_SECRET,
    });
    for (const [number, head] of heads) {
      const body = JSON.stringify(openedPayload(number, head));
      const answer = await postWebhook(loom, "/api/webhooks/github", body, {
        "x-github-event": "pull_request",
        "x-github-delivery": `app-delivery-${number}`,
        "x-hub-signature-256": await sign(APP_SECRET, body),
      });
      assert.equal(answer.body.outcome, "enqueued", JSON.stringify(answer.body));
    }
    await waitForCompletedJobs(context, loom, 3, () => JSON.stringify(github.state.checkRuns));

    assert.equal(github.state.statuses.length, 0, "an App install reports through check runs only");
    const reviews = await db.query<{ id: number; headSha: string; status: string }>(
      sql`select id, head_sha, status from reviews order by id`,
    );
    const runOf = (number: number) => {
      const runs = github.state.checkRuns.filter((run) => run.headSha === heads.get(number)!.headSha);
      assert.equal(runs.length, 1, `one check run for pull request ${number}`);
      const run = runs[0]!;
      assert.equal(run.name, "loom/review");
      assert.equal(run.status, "completed");
      assert.equal(run.creator.login, "loom-review[bot]");
      const review = reviews.find((row) => row.headSha === run.headSha)!;
      assert.equal(run.detailsUrl, `${PUBLIC_URL}/reviews/${review.id}`, "linked to the review's page");
      return { run, review };
    };

    const completed = runOf(1);
    assert.equal(completed.review.status, "completed");
    assert.equal(completed.run.conclusion, "success");
    assert.equal(
      completed.run.annotations.length,
      ANCHORED_FINDINGS,
      "every finding on the diff, none outside",
    );
    assert.ok(completed.run.annotationRequests.every((count) => count <= 50));
    assert.deepEqual(completed.run.annotationRequests.filter((count) => count > 0), [50, 10]);
    for (const annotation of completed.run.annotations) {
      assert.deepEqual(
        [annotation.path, annotation.startLine, annotation.endLine, annotation.level],
        [REVIEWED_PATH, 10, 10, "warning"],
      );
    }
    assert.match(completed.run.annotations[0]!.message, /reads one past the end/);
    assert.match(completed.run.output!.summary, /## Loom review/);
    assert.doesNotMatch(completed.run.output!.summary, /<!--/, "no hidden markers in the check run");

    const partial = runOf(2);
    assert.equal(partial.review.status, "partial");
    assert.equal(partial.run.conclusion, "failure", "a partial review never passes");
    assert.equal(partial.run.annotations.length, 1);
    assert.match(partial.run.output!.title, /Partial review: step security failed/);

    const failed = runOf(3);
    assert.equal(failed.review.status, "failed");
    assert.equal(failed.run.conclusion, "action_required", "nothing was reviewed: someone must act");
    assert.equal(failed.run.annotations.length, 0);
    assert.match(failed.run.output!.title, /Nothing was reviewed/);
  });
}
