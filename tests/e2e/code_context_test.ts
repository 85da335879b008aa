/**
 * Code context in a real review, end to end on the GitHub fake: a pull request changes a function's signature in
 * one file, and the fake model's prompt shows the caller of that function from another file — one the diff does
 * not touch — inside the untrusted-data fence, found through an index of the head commit built from GitHub's
 * repository archive. A push after it updates the cached index from the comparison instead of downloading the
 * archive again; the dashboard's data lists the context each step was given. An archive that fails or hangs
 * does not fail the review: it goes on with the diff's own files, and its summary says the index was unavailable.
 */
import assert from "node:assert/strict";
import { sign } from "@octokit/webhooks-methods";
import examples from "@octokit/webhooks-examples" with { type: "json" };
import { sql } from "../../lib/db/mod.ts";
import { loadReviewLive } from "../../lib/dashboard/review_live.ts";
import { createOrganization } from "../../lib/db/organizations.ts";
import { FAKE_GITHUB_TOKEN, type FakeGitHub, startFakeGitHub } from "../fakes/github.ts";
import { makeGitDiff } from "../fakes/git_diff.ts";
import type { FakeLlmRequest, FakeReply } from "../fakes/openai.ts";
import { type LoomProcess, startLoom } from "../support/loom_process.ts";
import { postWebhook, setupReviewE2e, waitForCompletedJobs } from "../support/e2e_review.ts";

const WEBHOOK_SECRET = "e2e-webhook-secret";
const REPO = "octo-org/shop";
const CHANGED = "src/pricing.ts";
const CALLER = "src/checkout.ts";

const PRICING_BASE = `export function price(amount: number): number {
  return Math.round(amount * 100) / 100;
}
`;
const PRICING_HEAD = `export function price(amount: number, currency: string): number {
  const rate = currency === "EUR" ? 0.9 : 1;
  return Math.round(amount * rate * 100) / 100;
}
`;
const PRICING_SECOND = `${PRICING_HEAD}
export function free(): number {
  return price(0, "USD");
}
`;
// A credential in a file the diff does not touch: it reaches the prompt only as context, and must be redacted.
const AWS_KEY = "AKIAIOSFODNN7EXAMPLE";
const CHECKOUT = `import { price } from "./pricing.ts";

export function checkoutTotal(items: { amount: number }[]): number {
  const audit = { key: "${AWS_KEY}" };
  let total = 0;
  for (const item of items) total += price(item.amount);
  return total + (audit.key ? 0 : 0);
}
`;

// deno-lint-ignore no-explicit-any
type Payload = Record<string, any>;

function payload(action: string, headSha: string, baseSha: string, before?: string): Payload {
  const definition = (examples as unknown as { name: string; examples: Payload[] }[])
    .find((item) => item.name === "pull_request");
  const body = structuredClone(definition!.examples.find((item) => item.action === "opened")!);
  Object.assign(body, { action, number: 7 });
  if (before !== undefined) Object.assign(body, { before, after: headSha });
  Object.assign(body.pull_request, { number: 7, draft: false });
  Object.assign(body.pull_request.head, { sha: headSha });
  Object.assign(body.pull_request.base, { sha: baseSha, ref: "main" });
  Object.assign(body.repository, { full_name: REPO, name: "shop" });
  body.repository.owner.login = "octo-org";
  return body;
}

async function deliver(loom: LoomProcess, path: string, body: Payload, deliveryId: string) {
  const text = JSON.stringify(body);
  const answer = await postWebhook(loom, path, text, {
    "x-github-event": "pull_request",
    "x-github-delivery": deliveryId,
    "x-hub-signature-256": await sign(WEBHOOK_SECRET, text),
  });
  assert.equal(answer.body.outcome, "enqueued", JSON.stringify(answer.body));
}

const noFindings = (request: FakeLlmRequest): FakeReply =>
  request.structured ? { json: { findings: [] }, usage: { inputTokens: 900, outputTokens: 20 } } : "ok";

/** A repository with the pull request seeded at its first head, and the caller beside it at every commit. */
async function setup(dialect: "sqlite" | "postgres", env: Record<string, string> = {}) {
  const context = await setupReviewE2e({
    dialect,
    platform: "github",
    fullName: REPO,
    webhookSecret: WEBHOOK_SECRET,
    reply: noFindings,
  });
  const organization = await createOrganization(context.database.db, { name: "Shop" });
  await context.database.db.exec(
    sql`update repos set organization_id = ${organization.id} where id = ${context.repo.id}`,
  );
  const first = await makeGitDiff({ [CHANGED]: { base: PRICING_BASE, head: PRICING_HEAD } });
  const github = startFakeGitHub();
  seedHead(github, first.headSha, first.baseSha, first.diff, PRICING_HEAD);
  return {
    ...context,
    organizationId: organization.id,
    first,
    github,
    env: {
      ...context.env,
      LOOM_GITHUB_API_URL: github.url,
      LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN,
      ...env,
    },
    async [Symbol.asyncDispose]() {
      await github.close();
      await context[Symbol.asyncDispose]();
    },
  };
}

function seedHead(github: FakeGitHub, headSha: string, baseSha: string, diff: string, pricing: string) {
  github.state.addPullRequest({
    repo: REPO,
    number: 7,
    title: "Prices take a currency",
    author: "ada",
    headSha,
    baseSha,
    baseRef: "main",
    headRef: "currency",
    diff,
    files: { [CHANGED]: { base: PRICING_BASE, head: pricing } },
  });
  github.state.addFile(REPO, headSha, CALLER, CHECKOUT);
  github.state.addFile(REPO, baseSha, CALLER, CHECKOUT);
}

/** The fenced context section of a prompt, or undefined. */
function contextSection(request: FakeLlmRequest): string | undefined {
  const text = request.messages.map((message) => message.content).join("\n");
  return /CONTEXT START \(untrusted[\s\S]*?CONTEXT END/.exec(text)?.[0];
}

function reviewPrompts(context: { openai: { requests: FakeLlmRequest[] } }): FakeLlmRequest[] {
  return context.openai.requests.filter((request) => request.structured);
}

const archiveDownloads = (github: FakeGitHub) =>
  github.requests.filter((request) => /\/tarball\//.test(request.path)).length;

for (const dialect of ["sqlite", "postgres"] as const) {
  Deno.test(`a review shows the model a caller from outside the diff, and a push reuses the index [${dialect}]`, async () => {
    await using context = await setup(dialect);
    await using loom = await startLoom(context.env);
    const { first, github } = context;
    await deliver(loom, context.webhookPath, payload("opened", first.headSha, first.baseSha), "d-1");
    await waitForCompletedJobs(context, loom, 1, () => JSON.stringify(github.state.reviews));

    const prompts = reviewPrompts(context);
    assert.ok(prompts.length > 0, "the model was asked");
    for (const prompt of prompts) {
      const section = contextSection(prompt);
      assert.ok(section, `the prompt has a context section:\n${prompt.messages.at(-1)?.content}`);
      // The caller's definition, by its source (path:start-end) and its text, inside the fence.
      assert.match(section, /#### caller: src\/checkout\.ts:3-8\n/);
      assert.match(section, /export function checkoutTotal\(items: \{ amount: number \}\[\]\): number \{/);
      assert.match(section, /total \+= price\(item\.amount\)/);
      // The caller's body holds a credential: it is in the fence, redacted like the diff.
      assert.match(section, /const audit = \{ key: "\[REDACTED[^\]]*\]" \};/);
      assert.ok(!prompt.messages.some((message) => message.content.includes(AWS_KEY)), "the key is redacted");
    }
    assert.equal(archiveDownloads(github), 1, "the head tree was downloaded once");
    const [summary] = github.state.reviews.map((review) => review.body);
    assert.match(summary!, /Code context: \d+ blocks? \([\d,]+ tokens\) of repository code/);
    assert.doesNotMatch(summary!, /Code context is partial/);

    // The dashboard's data: each llm step lists the caller it was given.
    // The completed record of the first head (a busy machine can retry an attempt whose lease ran out).
    const [{ id: firstReview }] = await context.database.db.query<{ id: number }>(
      sql`select id from reviews where head_sha = ${first.headSha} and status = 'completed' order by id desc limit 1`,
    );
    const platforms = {
      githubApiUrl: github.url,
      gitlabUrl: "https://gitlab.com",
      bitbucketUrl: "https://api.bitbucket.org/2.0",
      azureDevopsUrl: "https://dev.azure.com",
    };
    const live = await loadReviewLive(
      context.database.db,
      platforms,
      context.organizationId,
      Number(firstReview),
    );
    for (const step of live!.steps) {
      assert.ok(
        step.context?.some((source) =>
          source.kind === "caller" && /^src\/checkout\.ts:\d+-\d+$/.test(source.source)
        ),
        `step ${step.name} lists the caller: ${JSON.stringify(step.context)}`,
      );
    }

    // A push: the index of the first head is updated from the comparison, not downloaded again.
    const second = await makeGitDiff({ [CHANGED]: { base: PRICING_BASE, head: PRICING_SECOND } });
    seedHead(github, second.headSha, second.baseSha, second.diff, PRICING_SECOND);
    const pushed = await makeGitDiff({ [CHANGED]: { base: PRICING_HEAD, head: PRICING_SECOND } });
    github.state.addComparison(REPO, first.headSha, second.headSha, pushed.diff);
    const asked = reviewPrompts(context).length;
    await deliver(
      loom,
      context.webhookPath,
      payload("synchronize", second.headSha, second.baseSha, first.headSha),
      "d-2",
    );
    await waitForCompletedJobs(context, loom, 2, () => JSON.stringify(github.state.reviews));
    assert.equal(archiveDownloads(github), 1, "no second archive download");
    const later = reviewPrompts(context).slice(asked);
    assert.ok(later.length > 0);
    for (const prompt of later) {
      assert.match(contextSection(prompt) ?? "", /caller: src\/checkout\.ts:\d+-\d+/);
    }
    const cached = await context.database.db.query<{ commitSha: string }>(
      sql`select commit_sha from code_indexes order by created_at`,
    );
    assert.deepEqual(cached.map((row) => row.commitSha), [first.headSha, second.headSha]);
  });

  Deno.test(`an archive that fails or hangs degrades the context, not the review [${dialect}]`, async () => {
    // Four platform deadlines bound the download: 2 s here.
    await using context = await setup(dialect, { LOOM_PLATFORM_TIMEOUT_MS: "500" });
    await using loom = await startLoom(context.env);
    const { first, github } = context;
    github.state.failNext("/tarball/", 500);
    await deliver(loom, context.webhookPath, payload("opened", first.headSha, first.baseSha), "d-1");
    await waitForCompletedJobs(context, loom, 1, () => JSON.stringify(github.state.reviews));
    const [failed] = github.state.reviews;
    assert.match(failed!.body, /Code context is partial: the repository index was unavailable \(.*500.*\)/);

    // A push while the archive hangs (nothing is cached to update from): the deadline gives up, the review completes.
    const second = await makeGitDiff({ [CHANGED]: { base: PRICING_BASE, head: PRICING_SECOND } });
    seedHead(github, second.headSha, second.baseSha, second.diff, PRICING_SECOND);
    const release = github.state.holdNext("/tarball/");
    try {
      await deliver(
        loom,
        context.webhookPath,
        payload("synchronize", second.headSha, second.baseSha, first.headSha),
        "d-2",
      );
      await waitForCompletedJobs(context, loom, 2, () => JSON.stringify(github.state.reviews));
    } finally {
      release();
    }
    const hung = github.state.reviews.at(-1)!;
    assert.match(hung.body, /Code context is partial: the repository index was unavailable \(.*within 2 s\)/);
    const statuses = await context.database.db.query<{ status: string }>(
      sql`select status from reviews order by id`,
    );
    assert.deepEqual(statuses.map((row) => row.status), ["completed", "completed"]);
    const cached = await context.database.db.query(sql`select commit_sha from code_indexes`);
    assert.equal(cached.length, 0, "an index of the diff's files alone is not cached as the head's");
  });
}
