/**
 * A cancelled review never posts, however late its model answers, and its model call is aborted within a second.
 * The real worker loop (two slots) runs the real review task against the fake GitHub and the fake OpenAI; the
 * pull request moves on the fake, and its webhooks are applied the way the webhook receiver applies them. The
 * old head's model calls are held open until the test releases them.
 */
import assert from "node:assert/strict";
import { dbTest } from "../../lib/db/testing.ts";
import { applyWebhookDelivery, type DeliveryAction } from "../../lib/queue/webhook_delivery.ts";
import { sql } from "../../lib/db/mod.ts";
import { pullRequestGroupKey } from "../../lib/pull_request.ts";
import { makeGitDiff } from "../fakes/git_diff.ts";
import type { FakeLlmRequest, FakeReply } from "../fakes/openai.ts";
import type { RecordedRequest } from "../fakes/github.ts";
import { BASE, createReviewEnv, REPO, type ReviewEnv } from "./_review_env.ts";

const HEAD_B = "export function add(a: number, b: number) {\n  return a * b;\n}\n";
const GROUP = pullRequestGroupKey({ platform: "github", repo: REPO, number: 7 });
/** "Within 1 s", with room for a loaded machine. */
const WITHIN_ONE_SECOND = 1_500;

/** The model: one finding per head; head A's calls wait for `releaseA`. */
function scriptedModel() {
  let releaseA!: () => void;
  const heldA = new Promise<void>((resolve) => (releaseA = resolve));
  const isHeadB = (request: FakeLlmRequest) =>
    request.messages.some((message) => message.content.includes("a * b"));
  const reply = async (request: FakeLlmRequest): Promise<FakeReply> => {
    if (!request.structured) return "ok";
    const headB = isHeadB(request);
    if (!headB) await heldA;
    return {
      json: {
        findings: [{
          path: "src/math.ts",
          line: 2,
          side: "RIGHT",
          severity: "blocker",
          title: headB ? "Multiplication in add()" : "Subtraction in add()",
          body: headB ? "`add` multiplies." : "`add` subtracts.",
        }],
      },
      usage: { inputTokens: 300, outputTokens: 40 },
    };
  };
  return { reply, releaseA, isHeadB };
}

async function scenario(db: Parameters<typeof createReviewEnv>[0]) {
  const model = scriptedModel();
  const env = await createReviewEnv(db, model.reply);
  const pr = env.github.state.pullRequests.get(`${REPO}#7`)!;
  const headA = pr.headSha;
  const b = await makeGitDiff({ "src/math.ts": { base: BASE, head: HEAD_B } });
  let deliveries = 0;
  const deliver = async (event: string, action: DeliveryAction) =>
    await applyWebhookDelivery(env.db, { repo: env.repo, deliveryId: `d${++deliveries}`, event, action });
  const review = (headSha: string, action: "opened" | "synchronize"): DeliveryAction => ({
    kind: "enqueue_review",
    payload: {
      platform: "github",
      repoId: env.repo.id,
      repo: REPO,
      number: 7,
      headSha,
      baseSha: pr.baseSha,
      baseRef: "main",
      headRef: "fix",
      title: "Fix add",
      author: "ada",
      authorIsBot: false,
      draft: false,
      action,
    },
    dedupeKey: `review:${GROUP}@${headSha}`,
    groupKey: GROUP,
    supersedeReason: "Superseded by a newer push",
  });
  const pushB = () => {
    env.github.state.addPullRequest({
      repo: REPO,
      number: 7,
      title: "Fix add",
      author: "ada",
      headSha: b.headSha,
      baseSha: b.baseSha,
      baseRef: "main",
      headRef: "fix",
      diff: b.diff,
      files: { "src/math.ts": { base: BASE, head: HEAD_B } },
    });
  };
  const requestsOfA = () =>
    env.openai.requests.filter((request) => request.structured && !model.isHeadB(request));
  const jobs = () =>
    env.db.query<
      { id: number; status: string; error: string | null; headSha: string; lockedBy: string | null }
    >(
      sql`select id, status, error, locked_by, payload as head_sha from jobs order by id`,
    ).then((rows) =>
      rows.map((row) => ({ ...row, headSha: JSON.parse(row.headSha).headSha as string, id: Number(row.id) }))
    );
  const until = async (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) {
        const calls = env.openai.requests.map((request) => [request.structured, request.clientClosedAt]);
        throw new Error(
          `Timed out waiting for ${what}: model calls ${JSON.stringify(calls)}, logs ${
            JSON.stringify(env.logs)
          }`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  let finished = false;
  // The default lease (a heartbeat every 20 s) and polling slowed to a minute: within a second, only the
  // notification can stop the old run.
  const worker = env.runUntil(() => Promise.resolve(finished), {
    concurrency: 2,
    leaseMs: 60_000,
    cancelPollMs: 60_000,
    timeoutMs: 90_000,
  });
  const stop = async () => {
    finished = true;
    model.releaseA();
    await worker;
  };
  /** Waits for the old head's model calls to close, and checks each closed within a second of `since`. */
  const assertAbortedWithinOneSecond = async (since: number, event: string) => {
    await until(
      () => requestsOfA().every((request) => request.clientClosedAt !== undefined),
      "the old head's model calls to be aborted",
      10_000,
    );
    for (const request of requestsOfA()) {
      const closedAfterMs = request.clientClosedAt! - since;
      assert.ok(
        closedAfterMs < WITHIN_ONE_SECOND,
        `model call aborted ${closedAfterMs} ms after the ${event}`,
      );
    }
  };
  return {
    env,
    model,
    headA,
    headB: b.headSha,
    deliver,
    review,
    pushB,
    requestsOfA,
    jobs,
    until,
    assertAbortedWithinOneSecond,
    stop,
  };
}

const isWrite = (request: RecordedRequest) => request.method !== "GET" && request.method !== "HEAD";

/** Every write the fake GitHub received from index `from` on that concerns `sha`, but the documented error status. */
function writesAbout(env: ReviewEnv, sha: string, from: number): RecordedRequest[] {
  return env.github.requests.slice(from).filter((request) =>
    isWrite(request) &&
    (request.path.includes(sha) || JSON.stringify(request.body ?? "").includes(sha.slice(0, 7))) &&
    !(request.path.endsWith(`/statuses/${sha}`) && (request.body as { state?: string }).state === "error")
  );
}

function assertReviewedOnceWithOwnComments(env: ReviewEnv, headA: string, headB: string) {
  const reviews = env.github.state.reviews;
  assert.equal(reviews.length, 1, `one review: ${JSON.stringify(reviews.map((review) => review.commitId))}`);
  assert.equal(reviews[0]!.commitId, headB);
  const inline = env.github.state.reviewComments;
  assert.equal(inline.length, 1, "only the new head's comment");
  assert.match(inline[0]!.body, /Multiplication in add\(\)/);
  assert.equal(inline[0]!.commitId, headB);
  assert.ok(
    !env.github.state.statuses.some((status) =>
      status.sha === headA && status.state !== "pending" &&
      status.state !== "error"
    ),
    "the old head got no verdict",
  );
}

dbTest(
  "a push during a held model call aborts it within a second and posts only the new head",
  async (database) => {
    const run = await scenario(database.db);
    await using _env = run.env;
    try {
      await run.deliver("pull_request.opened", run.review(run.headA, "opened"));
      await run.until(() => run.requestsOfA().length >= 1, "the old head's model call");
      run.pushB();
      const mark = run.env.github.requests.length;
      const pushedAt = Date.now();
      await run.deliver("pull_request.synchronize", run.review(run.headB, "synchronize"));
      await run.assertAbortedWithinOneSecond(pushedAt, "push");
      await run.until(
        async () => (await run.jobs()).some((job) => job.headSha === run.headB && job.status === "completed"),
        "the new head's review",
      );
      // The old answer arrives now; nothing may come of it.
      run.model.releaseA();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await run.stop();
      const [old, newer] = await run.jobs();
      assert.equal(old!.status, "cancelled");
      assert.equal(old!.lockedBy, null, "the stopped run let its lease go");
      assert.equal(newer!.status, "completed");
      assert.deepEqual(
        writesAbout(run.env, run.headA, mark),
        [],
        "nothing posted for the old head after the push",
      );
      assertReviewedOnceWithOwnComments(run.env, run.headA, run.headB);
    } finally {
      await run.stop();
    }
  },
);

dbTest("a push after the old model answer is released posts nothing for the old head", async (database) => {
  const run = await scenario(database.db);
  await using _env = run.env;
  try {
    await run.deliver("pull_request.opened", run.review(run.headA, "opened"));
    await run.until(() => run.requestsOfA().length >= 1, "the old head's model call");
    // The head moves on the platform; its webhook is late, so only the platform knows when the answer comes.
    run.pushB();
    const mark = run.env.github.requests.length;
    run.model.releaseA();
    await run.until(
      async () => (await run.jobs())[0]!.status === "cancelled",
      "the old run to cancel itself",
    );
    const [old] = await run.jobs();
    assert.match(old!.error!, /Superseded: the head moved/);
    await run.deliver("pull_request.synchronize", run.review(run.headB, "synchronize"));
    await run.until(
      async () => (await run.jobs()).some((job) => job.headSha === run.headB && job.status === "completed"),
      "the new head's review",
    );
    await run.stop();
    assert.deepEqual(
      writesAbout(run.env, run.headA, mark),
      [],
      "nothing posted for the old head after the push",
    );
    assertReviewedOnceWithOwnComments(run.env, run.headA, run.headB);
  } finally {
    await run.stop();
  }
});

dbTest("closing the pull request during the model call aborts it and posts nothing", async (database) => {
  const run = await scenario(database.db);
  await using _env = run.env;
  try {
    await run.deliver("pull_request.opened", run.review(run.headA, "opened"));
    await run.until(() => run.requestsOfA().length >= 1, "the model call");
    run.env.github.state.pullRequests.get(`${REPO}#7`)!.state = "closed";
    const mark = run.env.github.requests.length;
    const closedAt = Date.now();
    await run.deliver("pull_request.closed", {
      kind: "cancel_group",
      groupKey: GROUP,
      reason: "Pull request closed",
    });
    await run.assertAbortedWithinOneSecond(closedAt, "close");
    await run.until(async () => (await run.jobs())[0]!.lockedBy === null, "the cancelled run to stop");
    run.model.releaseA();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await run.stop();
    assert.equal((await run.jobs())[0]!.status, "cancelled");
    assert.deepEqual(writesAbout(run.env, run.headA, mark), [], "nothing posted after the close");
    assert.equal(run.env.github.state.reviews.length, 0);
    assert.equal(run.env.github.state.reviewComments.length, 0);
  } finally {
    await run.stop();
  }
});
