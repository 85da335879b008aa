/**
 * Check runs end to end, in the real process: Loom installed as a GitHub App receives the App's signed
 * `pull_request` deliveries (real payloads from @octokit/webhooks-examples) and reports each review as a check
 * run `loom/review` on the fake GitHub — never a commit status — with an annotation per finding on the diff, sent
 * at most 50 per request, and the conclusion the outcome rules give: a completed review without blockers is
 * `success`, a partial one (a step failed) `failure`, and a failed one (nothing reviewed) `action_required`,
 * linked to the review's dashboard page. A push while a review runs ends that head's run `cancelled`.
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
import { type LoomProcess, startLoom, waitFor } from "../support/loom_process.ts";
import {
  BASE_SOURCE,
  HEAD_SOURCE,
  jobStates,
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

function pullRequestPayload(
  action: "opened" | "synchronize",
  number: number,
  heads: { headSha: string; baseSha: string },
): Payload {
  const definition = (examples as unknown as { name: string; examples: Payload[] }[])
    .find((item) => item.name === "pull_request");
  const payload = structuredClone(definition!.examples.find((item) => item.action === "opened")!);
  payload.action = action;
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

/**
 * A database with the App's installation claimed by an organization and the repository connected through it, a
 * fake GitHub that knows the App, and a fake model answering `script`.
 */
async function setupApp(
  dialect: "sqlite" | "postgres",
  script: (request: FakeLlmRequest) => FakeReply | Promise<FakeReply>,
) {
  const key = await generateGitHubAppKey();
  const context = await setupReviewE2e({
    dialect,
    platform: "github",
    fullName: "octo-org/token-install",
    webhookSecret: "unused",
    reply: script,
  });
  const github = startFakeGitHub({
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
  return {
    ...context,
    github,
    env: {
      ...context.env,
      LOOM_PUBLIC_URL: PUBLIC_URL,
      LOOM_GITHUB_API_URL: github.url,
      LOOM_GITHUB_APP_ID: APP_ID,
      LOOM_GITHUB_APP_PRIVATE_KEY: key.pem,
      LOOM_GITHUB_WEBHOOK_SECRET: APP_SECRET,
    },
    /** Seeds pull request `number` at a head whose file ends with `// mode: <mode>`. */
    async seed(number: number, mode: string) {
      const head = `${HEAD_SOURCE}// mode: ${mode}\n`;
      const diff = await makeGitDiff({ [REVIEWED_PATH]: { base: BASE_SOURCE, head } });
      github.state.addPullRequest({
        repo: REPOSITORY.fullName,
        number,
        title: `Review ${mode}`,
        author: "Codertocat",
        headSha: diff.headSha,
        baseSha: diff.baseSha,
        baseRef: "main",
        headRef: `review-${number}`,
        diff: diff.diff,
        files: { [REVIEWED_PATH]: { base: BASE_SOURCE, head } },
      });
      return diff;
    },
    /** Delivers the App's signed `pull_request` webhook and checks it made a job. */
    async deliver(
      loom: LoomProcess,
      action: "opened" | "synchronize",
      number: number,
      heads: { headSha: string; baseSha: string },
    ) {
      const body = JSON.stringify(pullRequestPayload(action, number, heads));
      const answer = await postWebhook(loom, "/api/webhooks/github", body, {
        "x-github-event": "pull_request",
        "x-github-delivery": `app-delivery-${action}-${heads.headSha}`,
        "x-hub-signature-256": await sign(APP_SECRET, body),
      });
      assert.equal(answer.body.outcome, "enqueued", JSON.stringify(answer.body));
    },
    async [Symbol.asyncDispose]() {
      await github.close();
      await context[Symbol.asyncDispose]();
    },
  };
}

for (const dialect of ["sqlite", "postgres"] as const) {
  Deno.test(`a GitHub App's reviews are check runs with annotations and the outcome's conclusion [${dialect}]`, async () => {
    await using context = await setupApp(dialect, reply);
    const { github } = context;
    const { db } = context.database;
    const heads = new Map<number, { headSha: string; baseSha: string }>();
    for (const [number, mode] of Object.entries(MODES)) {
      heads.set(Number(number), await context.seed(Number(number), mode));
    }

    await using loom = await startLoom(context.env);
    for (const [number, head] of heads) await context.deliver(loom, "opened", number, head);
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

  Deno.test(`a superseded review's check run ends cancelled and the new head gets its own run [${dialect}]`, async () => {
    let reachedModel!: () => void;
    const reached = new Promise<void>((resolve) => (reachedModel = resolve));
    await using context = await setupApp(dialect, (request) => {
      const text = request.messages.map((message) => message.content).join("\n");
      if (request.structured && text.includes("mode: stalled")) {
        reachedModel();
        // Long enough that the push cancels the review while the model is still thinking.
        return { delayMs: 120_000 };
      }
      return reply(request);
    });
    const { github } = context;
    const first = await context.seed(7, "stalled");
    await using loom = await startLoom(context.env);
    await context.deliver(loom, "opened", 7, first);
    await reached;
    await waitFor(
      () => github.state.checkRuns.some((run) => run.headSha === first.headSha) ? true : undefined,
      () => `no check run for the first head\n${loom.logs()}`,
    );

    // The push: the pull request moves to a new head before the first review finishes.
    const second = await context.seed(7, "partial");
    await context.deliver(loom, "synchronize", 7, second);
    let jobs: { status: string }[] = [];
    await waitFor(
      async () => {
        jobs = await jobStates(context);
        return jobs.map((job) => job.status).join() === "cancelled,completed" ? true : undefined;
      },
      () => `jobs are ${JSON.stringify(jobs)}\n${loom.logs()}`,
    );

    const runs = (sha: string) => github.state.checkRuns.filter((run) => run.headSha === sha);
    assert.equal(runs(first.headSha).length, 1);
    assert.deepEqual(
      [
        runs(first.headSha)[0]!.status,
        runs(first.headSha)[0]!.conclusion,
        runs(first.headSha)[0]!.annotations,
      ],
      ["completed", "cancelled", []],
      "the superseded head's run says it was cancelled, and reports nothing",
    );
    assert.equal(runs(second.headSha).length, 1);
    assert.equal(runs(second.headSha)[0]!.conclusion, "failure", "the new head's partial review");
    assert.equal(github.state.reviews.filter((review) => review.commitId === first.headSha).length, 0);
    assert.equal(github.state.statuses.length, 0);
  });
}
