/**
 * The review spine end to end, in the real process: a signed GitHub webhook (a real payload from
 * @octokit/webhooks-examples) goes in, and exactly one review with correctly anchored inline comments comes out
 * on a local fake GitHub, reviewed by a local fake OpenAI-compatible server — also when the webhook is delivered
 * twice, and when the worker is killed with SIGKILL in the middle of the review.
 */
import assert from "node:assert/strict";
import { sign } from "@octokit/webhooks-methods";
import examples from "@octokit/webhooks-examples" with { type: "json" };
import { sql } from "../../lib/db/mod.ts";
import { createRepo } from "../../lib/db/repos.ts";
import { createSecretBox } from "../../lib/auth/secret_box.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../fakes/github.ts";
import { type FakeLlmRequest, type FakeReply, startFakeOpenAI } from "../fakes/openai.ts";
import { makeGitDiff } from "../fakes/git_diff.ts";
import { createE2eDatabase, type LoomProcess, startLoom, waitFor } from "../support/loom_process.ts";

const SECRET_KEY = "e2e-secret-key-e2e-secret-key-0123456789abc";
const WEBHOOK_SECRET = "e2e-webhook-secret";
const REPO = "octo-org/cache-service";

const BASE = `export function cacheKey(user: string): string {
  return user;
}

export function ttlSeconds(): number {
  return 60;
}
`;
const HEAD = `export function cacheKey(user: string, tenant: string): string {
  return user + tenant;
}

export function ttlSeconds(): number {
  return 60 * 60 * 24 * 365;
}

export function evict(keys: string[]) {
  for (let i = 0; i <= keys.length; i++) delete store[keys[i]];
}
`;

/** What the model "finds": one problem on an added line, one on a line the diff does not show. */
function findingsReply(request: FakeLlmRequest): FakeReply {
  if (!request.structured) return "ok";
  return {
    json: {
      findings: [
        {
          path: "src/cache.ts",
          line: 10,
          side: "RIGHT",
          severity: "warning",
          title: "Off-by-one in evict loop",
          body: "`i <= keys.length` reads one past the end; use `<`.",
          suggestion: "  for (let i = 0; i < keys.length; i++) delete store[keys[i]];",
        },
        {
          path: "src/cache.ts",
          line: 200,
          side: "RIGHT",
          severity: "info",
          title: "Document the TTL choice",
          body: "A one-year TTL deserves a comment explaining why.",
        },
      ],
    },
    usage: { inputTokens: 1200, outputTokens: 150 },
  };
}

// deno-lint-ignore no-explicit-any
type Payload = Record<string, any>;

function openedPayload(headSha: string, baseSha: string): Payload {
  const definition = (examples as unknown as { name: string; examples: Payload[] }[])
    .find((item) => item.name === "pull_request");
  const payload = structuredClone(definition!.examples.find((item) => item.action === "opened")!);
  payload.number = 42;
  payload.pull_request.number = 42;
  payload.pull_request.draft = false;
  payload.pull_request.head.sha = headSha;
  payload.pull_request.base.sha = baseSha;
  payload.pull_request.base.ref = "main";
  payload.repository.full_name = REPO;
  payload.repository.name = "cache-service";
  payload.repository.owner.login = "octo-org";
  return payload;
}

async function deliver(loom: LoomProcess, repoId: number, payload: Payload, deliveryId: string) {
  const body = JSON.stringify(payload);
  const response = await fetch(`${loom.url}/api/webhooks/github?repo=${repoId}`, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": "pull_request",
      "x-github-delivery": deliveryId,
      "x-hub-signature-256": await sign(WEBHOOK_SECRET, body),
    },
  });
  return { status: response.status, body: await response.json() };
}

async function setup(dialect: "sqlite" | "postgres", reply: (request: FakeLlmRequest) => FakeReply | Promise<FakeReply>) {
  const database = await createE2eDatabase(dialect);
  const github = startFakeGitHub();
  const openai = await startFakeOpenAI({ reply });
  const diff = await makeGitDiff({ "src/cache.ts": { base: BASE, head: HEAD } });
  github.state.addPullRequest({
    repo: REPO,
    number: 42,
    title: "Add cache eviction",
    author: "ada",
    headSha: diff.headSha,
    baseSha: diff.baseSha,
    baseRef: "main",
    headRef: "eviction",
    diff: diff.diff,
    files: { "src/cache.ts": { base: BASE, head: HEAD } },
  });
  const box = await createSecretBox(SECRET_KEY);
  const repo = await createRepo(database.db, {
    platform: "github",
    fullName: REPO,
    webhookSecret: await box.encrypt(WEBHOOK_SECRET),
  });
  const env = {
    LOOM_DATABASE_URL: database.url,
    LOOM_SECRET_KEY: SECRET_KEY,
    LOOM_GITHUB_API_URL: github.url,
    LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN,
    LOOM_LLM_PROVIDER: "openai",
    LOOM_LLM_MODEL: "gpt-4o-mini",
    LOOM_LLM_BASE_URL: openai.url,
    LOOM_LLM_API_KEY: "sk-e2e",
    LOOM_POLL_INTERVAL_MS: "100",
    LOOM_JOB_LEASE_MS: "1500",
  };
  return {
    database,
    github,
    openai,
    diff,
    repo,
    env,
    async [Symbol.asyncDispose]() {
      await openai.close();
      await github.close();
      await database[Symbol.asyncDispose]();
    },
  };
}

async function jobState(context: Awaited<ReturnType<typeof setup>>) {
  const rows = await context.database.db.query<{ status: string; attempts: number }>(
    sql`select status, attempts from jobs order by id`,
  );
  return rows.map((row) => ({ status: row.status, attempts: Number(row.attempts) }));
}

function assertOneAnchoredReview(context: Awaited<ReturnType<typeof setup>>) {
  const reviews = context.github.state.reviews;
  assert.equal(reviews.length, 1, "exactly one review posted");
  const [review] = reviews;
  assert.equal(review!.commitId, context.diff.headSha);
  assert.equal(review!.event, "COMMENT");
  assert.equal(review!.comments.length, 1, "one inline comment");
  const [comment] = review!.comments;
  assert.equal(comment!.path, "src/cache.ts");
  assert.equal(comment!.line, 10);
  assert.equal(comment!.side, "RIGHT");
  assert.match(comment!.body, /Off-by-one in evict loop/);
  assert.match(comment!.body, /```suggestion\n {2}for \(let i = 0; i < keys\.length/);
  assert.match(comment!.body, /<!-- loom:fp=[0-9a-f]+ -->/);
  assert.match(review!.body, /Document the TTL choice/, "the unanchored finding is in the summary");
  assert.match(review!.body, /<!-- loom:summary head=/);
}

for (const dialect of ["sqlite", "postgres"] as const) {
  Deno.test(`a signed webhook delivered twice becomes exactly one anchored review [${dialect}]`, async () => {
    await using context = await setup(dialect, findingsReply);
    await using loom = await startLoom(context.env);
    const payload = openedPayload(context.diff.headSha, context.diff.baseSha);
    const first = await deliver(loom, context.repo.id, payload, "delivery-1");
    assert.equal(first.status, 202);
    assert.equal(first.body.outcome, "enqueued");
    const replay = await deliver(loom, context.repo.id, payload, "delivery-1");
    assert.equal(replay.body.status, "duplicate");
    const redelivery = await deliver(loom, context.repo.id, payload, "delivery-2");
    assert.equal(redelivery.body.outcome, "duplicate_job");

    await waitFor(
      async () => (await jobState(context)).every((job) => job.status === "completed") ? true : undefined,
      () => `job never completed: ${JSON.stringify(context.github.state.reviews)}\n${loom.logs()}`,
    );
    assertOneAnchoredReview(context);
    const [review] = await context.database.db.query<{ status: string; findingsCount: number; inputTokens: number }>(
      sql`select status, findings_count, input_tokens from reviews`,
    );
    assert.equal(review?.status, "completed");
    assert.equal(Number(review?.findingsCount), 2);
    assert.ok(Number(review?.inputTokens) > 0, "token usage recorded");
  });

  Deno.test(`a worker killed mid-review loses nothing and posts exactly once [${dialect}]`, async () => {
    let stall = true;
    let reachedLlm!: () => void;
    const llmReached = new Promise<void>((resolve) => (reachedLlm = resolve));
    await using context = await setup(dialect, (request) => {
      if (stall && request.structured) {
        reachedLlm();
        // Long enough that the first process is killed while waiting for the model.
        return { delayMs: 120_000 };
      }
      return findingsReply(request);
    });
    const first = await startLoom(context.env);
    try {
      const payload = openedPayload(context.diff.headSha, context.diff.baseSha);
      assert.equal((await deliver(first, context.repo.id, payload, "delivery-1")).body.outcome, "enqueued");
      await llmReached;
    } finally {
      await first.kill("SIGKILL");
    }
    stall = false;
    assert.deepEqual((await jobState(context)).map((job) => job.status), ["in_progress"], "claimed by the dead worker");

    await using second = await startLoom(context.env);
    await waitFor(
      async () => (await jobState(context))[0]?.status === "completed" ? true : undefined,
      () => `job never completed after the restart:\n${second.logs()}`,
    );
    assertOneAnchoredReview(context);
    assert.equal((await jobState(context))[0]?.attempts, 2, "the second process took over after the lease");
  });
}
