/**
 * One 429 does not become five: a provider's `Retry-After: 60` holds for the job's own retries and for every
 * other review, across two workers that share only the database. Time is a test clock shared by both workers'
 * queues and model clients, so "60 s" passes in a moment.
 */
import assert from "node:assert/strict";
import { dbTest } from "../../lib/db/testing.ts";
import { createLogger } from "../../lib/log.ts";
import { createReviewDeps } from "../../lib/runtime.ts";
import { enqueue, getJob, type TaskPayloads } from "../../lib/queue/mod.ts";
import { runWorker } from "../../worker/run_worker.ts";
import { createTasks } from "../../worker/tasks/mod.ts";
import type { FakeLlmRequest, FakeReply } from "../fakes/openai.ts";
import { createReviewEnv, REPO } from "./_review_env.ts";

const RETRY_AFTER_S = 60;

dbTest(
  "a 429 with Retry-After: 60 brings no call to that provider for 60 s, across retries and workers",
  async (database) => {
    let clock = Date.now();
    const now = () => clock;
    /** When each model request arrived, on the test clock. */
    const calls: { at: number }[] = [];
    const reply = (_request: FakeLlmRequest): FakeReply => {
      calls.push({ at: clock });
      return { status: 429, headers: { "retry-after": String(RETRY_AFTER_S) } };
    };
    await using env = await createReviewEnv(database.db, reply);
    const pr = env.github.state.pullRequests.get(`${REPO}#7`)!;
    env.github.state.addPullRequest({
      repo: REPO,
      number: 8,
      headSha: pr.headSha,
      baseSha: pr.baseSha,
      diff: pr.diff,
    });
    const payload = (number: number): TaskPayloads["review_pull_request"] => ({
      platform: "github",
      repoId: env.repo.id,
      repo: REPO,
      number,
      headSha: pr.headSha,
      baseSha: pr.baseSha,
      baseRef: "main",
      headRef: "fix",
      title: "Fix add",
      author: "ada",
      authorIsBot: false,
      draft: false,
      action: "opened",
    });
    const log = createLogger({ level: "error", write: () => {} });
    const stop = new AbortController();
    // Two workers, each with its own connection, model wiring and in-process state: only the database is shared.
    const workers = [database.db, database.connect()].map((db, index) =>
      runWorker({
        db,
        log,
        tasks: createTasks(createReviewDeps(env.config, db, log, { now })),
        workerId: `worker-${index}`,
        concurrency: 2,
        leaseMs: 60_000,
        pollIntervalMs: 20,
        signal: stop.signal,
        now,
      })
    );
    const until = async (check: () => Promise<boolean>, what: string) => {
      const deadline = Date.now() + 30_000;
      while (!(await check())) {
        assert.ok(Date.now() < deadline, `Timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const retried = async (id: number) => {
      const job = await getJob(database.db, id);
      return job?.status === "pending" && job.attempts > 0;
    };
    try {
      const first = await enqueue(database.db, "review_pull_request", payload(7), { maxAttempts: 5, now });
      await until(() => retried(first.id), "the first review to meet the 429");
      // The first attempt's steps call the model at once: the calls already on their way when the 429 came back
      // are one wave (let the last of them land). Everything after it must wait for the provider.
      for (let seen = -1; seen !== calls.length;) {
        seen = calls.length;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      const firstWave = calls.length;
      const firstJob = await getJob(database.db, first.id);
      assert.ok(
        firstJob!.runAt >= clock + RETRY_AFTER_S * 1000,
        "the job's own retry waits for the provider",
      );

      // Another review, picked up by either worker: it must not call the provider while it waits.
      const second = await enqueue(database.db, "review_pull_request", payload(8), { maxAttempts: 5, now });
      await until(() => retried(second.id), "the second review to be put off");
      const secondJob = await getJob(database.db, second.id);
      assert.ok(secondJob!.runAt >= clock + RETRY_AFTER_S * 1000 - 1, "the second review waits as well");
      assert.match(secondJob!.error!, /the provider asked to wait until/);

      // 59 s later nothing is due yet; the workers keep polling and must not call the provider.
      clock += 59_000;
      await new Promise((resolve) => setTimeout(resolve, 500));
      const started = calls[0]!.at;
      assert.deepEqual(
        calls.slice(firstWave),
        [],
        `no call after the first attempt's within ${RETRY_AFTER_S} s: ${JSON.stringify(calls)}`,
      );

      // Past the wait, both reviews go to the provider again.
      clock += 2_000;
      await until(
        () => Promise.resolve(calls.some((call) => call.at >= started + RETRY_AFTER_S * 1000)),
        "calls to resume",
      );
    } finally {
      stop.abort();
      await Promise.all(workers);
    }
  },
);
