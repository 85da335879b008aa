import assert from "node:assert/strict";
import { sign } from "@octokit/webhooks-methods";
import { dbTest } from "../db/testing.ts";
import { githubWebhook } from "../platforms/github/webhook.ts";
import { createApp } from "../../app.ts";
import { createTestDeps } from "../../tests/support/app_server.ts";
import { getJob } from "../queue/mod.ts";
import { sql } from "../db/mod.ts";
import { comment, example, SECRET, setup } from "../../tests/support/github_webhook_setup.ts";

dbTest("POST /api/webhooks/github enqueues one review job for an opened pull request", async (database) => {
  const { post, signed, counts, payload, wakeups, repo } = await setup(database);
  const request = await signed(payload, "pull_request", "delivery-1");
  const response = await post(request.body, request.headers);
  assert.equal(response.status, 202);
  assert.equal(response.body.outcome, "enqueued");
  const job = await getJob(database.db, response.body.jobId);
  assert.equal(job?.type, "review_pull_request");
  assert.equal(job?.payload.repoId, repo.id);
  assert.equal(job?.payload.number, payload.number);
  assert.equal(
    job && "headSha" in job.payload ? job.payload.headSha : undefined,
    payload.pull_request.head.sha,
  );
  assert.deepEqual(await counts(), { jobs: 1, deliveries: 1 });
  assert.equal(wakeups(), 1);
});

dbTest(
  "POST /api/webhooks/github carries the repository's visibility and the author's write access into the jobs",
  async (database) => {
    const { send, payload } = await setup(database);
    const opened = structuredClone(payload);
    opened.repository.private = false;
    opened.repository.visibility = "public";
    opened.pull_request.author_association = "NONE";
    const review = await getJob(database.db, (await send(opened, "pull_request", "delivery-v1")).body.jobId);
    assert.equal(review?.type, "review_pull_request");
    assert.equal((review?.payload as { repoPublic?: boolean }).repoPublic, true);
    assert.equal((review?.payload as { authorCanWrite?: boolean }).authorCanWrite, false);

    const asked = comment(opened, "@loom explain why");
    asked.comment.author_association = "NONE";
    const command = await getJob(database.db, (await send(asked, "issue_comment", "delivery-v2")).body.jobId);
    assert.equal(command?.type, "pull_request_command");
    assert.equal((command?.payload as { repoPublic?: boolean }).repoPublic, true);
  },
);

dbTest(
  "POST /api/webhooks/github enqueues a label change as edited, and folds it into a live review of the same head",
  async (database) => {
    const { send, counts, payload } = await setup(database);
    const opened = await send(payload, "pull_request", "delivery-open");
    assert.equal(opened.body.outcome, "enqueued");
    const labeled = example("pull_request", "labeled");
    labeled.repository = payload.repository;
    labeled.number = payload.number;
    labeled.pull_request = { ...payload.pull_request, labels: [{ ...labeled.label, name: "ai-review" }] };
    // The opened review of this head is still queued: the label change joins it and cancels nothing.
    const joined = await send(labeled, "pull_request", "delivery-label-1");
    assert.equal(joined.body.outcome, "duplicate_job");
    assert.equal((await getJob(database.db, opened.body.jobId))?.status, "pending");
    // Once that review is over (it skipped: no label yet), the next label change queues the review again.
    await database.db.exec(sql`update jobs set status = 'completed' where id = ${opened.body.jobId}`);
    const again = await send(labeled, "pull_request", "delivery-label-2");
    assert.equal(again.body.outcome, "enqueued");
    const job = await getJob(database.db, again.body.jobId);
    assert.equal(job?.type, "review_pull_request");
    assert.equal((job?.payload as { action: string }).action, "edited");
    assert.deepEqual(await counts(), { jobs: 2, deliveries: 3 });
  },
);

dbTest("POST /api/webhooks/github ignores a replayed delivery and dedupes a redelivery", async (database) => {
  const { post, signed, counts, payload } = await setup(database);
  const request = await signed(payload, "pull_request", "delivery-1");
  assert.equal((await post(request.body, request.headers)).status, 202);
  const replay = await post(request.body, request.headers);
  assert.equal(replay.status, 200);
  assert.equal(replay.body.status, "duplicate");
  // GitHub's "redeliver" and a reopened + synchronize pair for the same head carry new delivery ids.
  const again = await signed(payload, "pull_request", "delivery-2");
  const redelivered = await post(again.body, again.headers);
  assert.equal(redelivered.body.outcome, "duplicate_job");
  assert.deepEqual(await counts(), { jobs: 1, deliveries: 2 });
});

dbTest(
  "POST /api/webhooks/github rejects bad signatures and unknown repositories with 401, writing nothing",
  async (database) => {
    const { post, signed, counts, payload, repo } = await setup(database);
    const wrongSecret = await signed(payload, "pull_request", "d1", "not-the-secret");
    assert.equal((await post(wrongSecret.body, wrongSecret.headers)).status, 401);
    const good = await signed(payload, "pull_request", "d2");
    const { "x-hub-signature-256": _, ...unsigned } = good.headers;
    assert.equal((await post(good.body, unsigned)).status, 401);
    const tampered = good.body.replace('"opened"', '"closed"');
    assert.equal((await post(tampered, good.headers)).status, 401);
    assert.equal((await post(good.body, good.headers, "?repo=99999")).status, 401);
    assert.equal((await post(good.body, good.headers, "")).status, 401);
    const otherRepo = structuredClone(payload);
    otherRepo.repository.full_name = "someone/else";
    const forged = await signed(otherRepo, "pull_request", "d3");
    assert.equal((await post(forged.body, forged.headers, `?repo=${repo.id}`)).status, 401);
    assert.deepEqual(await counts(), { jobs: 0, deliveries: 0 });
  },
);

dbTest(
  "POST /api/webhooks/github gives every authentication failure the same status and body",
  async (database) => {
    const { post, signed, payload, repo } = await setup(database);
    const good = await signed(payload, "pull_request", "d1");
    const wrongSecret = await signed(payload, "pull_request", "d2", "not-the-secret");
    const { "x-hub-signature-256": _, ...unsigned } = good.headers;
    const otherRepo = structuredClone(payload);
    otherRepo.repository.full_name = "someone/else";
    const forged = await signed(otherRepo, "pull_request", "d3");
    const answers = {
      "unknown repository id": await post(good.body, good.headers, "?repo=99999"),
      "repository id that is not a number": await post(good.body, good.headers, "?repo=abc"),
      "no repository and no platform secret": await post(good.body, good.headers, ""),
      "wrong secret": await post(wrongSecret.body, wrongSecret.headers),
      "missing signature header": await post(good.body, unsigned),
      "malformed signature header": await post(good.body, {
        ...good.headers,
        "x-hub-signature-256": "sha256=zz",
      }),
      "signed for another repository": await post(forged.body, forged.headers, `?repo=${repo.id}`),
    };
    for (const [name, answer] of Object.entries(answers)) {
      assert.equal(answer.status, 401, name);
      assert.deepEqual(answer.body, { status: "rejected", message: "Webhook authentication failed" }, name);
    }
  },
);

dbTest(
  "POST /api/webhooks/github spends a signature check on unknown repositories too",
  async (database) => {
    const deps = await createTestDeps(database.db);
    const checked: string[] = [];
    deps.parsers = {
      github: {
        ...githubWebhook,
        verify(headers, rawBody, secret) {
          checked.push(secret);
          return githubWebhook.verify(headers, rawBody, secret);
        },
      },
    };
    const app = createApp(deps);
    const body = JSON.stringify(example("pull_request", "opened"));
    const headers = {
      "content-type": "application/json",
      "x-github-event": "pull_request",
      "x-github-delivery": "d1",
      "x-hub-signature-256": await sign(SECRET, body),
    };
    for (const query of ["?repo=99999", ""]) {
      const response = await app.request(`/api/webhooks/github${query}`, { method: "POST", body, headers });
      assert.equal(response.status, 401);
      await response.body?.cancel();
    }
    // Each unknown-repository answer costs the same HMAC over the body as a wrong signature does.
    assert.equal(checked.length, 2);
  },
);

dbTest(
  "POST /api/webhooks/github answers 400 for a malformed body and 202 with nothing enqueued for ignored events",
  async (database) => {
    const { post, signed, counts, payload } = await setup(database);
    const notJson = "{not json";
    const headers = (await signed({}, "pull_request", "x")).headers;
    headers["x-hub-signature-256"] = await sign(SECRET, notJson);
    assert.equal((await post(notJson, headers)).status, 400);
    const missingFields = await signed(
      { action: "opened", repository: payload.repository },
      "pull_request",
      "d0",
    );
    assert.equal((await post(missingFields.body, missingFields.headers)).status, 400);
    for (
      const [event, body] of [
        ["pull_request", example("pull_request", "locked")],
        ["pull_request", example("pull_request", "assigned")],
        ["issues", example("issues", "opened")],
      ] as const
    ) {
      const request = await signed(body, event, `ignored-${event}-${body.action}`);
      const response = await post(request.body, request.headers);
      assert.equal(response.status, 202, `${event}.${body.action}`);
      assert.equal(response.body.outcome, "ignored");
    }
    assert.equal((await counts()).jobs, 0);
  },
);

dbTest(
  "POST /api/webhooks/github supersedes the review of an older head and cancels on close",
  async (database) => {
    const { post, signed, payload } = await setup(database);
    const first = await post(
      ...Object.values(await signed(payload, "pull_request", "d1")) as [string, Record<string, string>],
    );
    const pushed = example("pull_request", "synchronize");
    pushed.repository = payload.repository;
    pushed.number = payload.number;
    pushed.pull_request.number = payload.number;
    pushed.pull_request.head.sha = "f".repeat(40);
    const second = await post(
      ...Object.values(await signed(pushed, "pull_request", "d2")) as [string, Record<string, string>],
    );
    assert.equal(second.body.outcome, "enqueued");
    assert.equal((await getJob(database.db, first.body.jobId))?.status, "cancelled");
    const closed = example("pull_request", "closed");
    closed.repository = payload.repository;
    closed.number = payload.number;
    closed.pull_request.number = payload.number;
    const close = await post(
      ...Object.values(await signed(closed, "pull_request", "d3")) as [string, Record<string, string>],
    );
    assert.equal(close.body.outcome, "cancelled");
    assert.equal((await getJob(database.db, second.body.jobId))?.status, "cancelled");
  },
);

dbTest("POST /api/webhooks/github records but does not enqueue for a paused repository", async (database) => {
  const { post, signed, counts, payload } = await setup(database, { paused: true });
  const response = await post(
    ...Object.values(await signed(payload, "pull_request", "d1")) as [string, Record<string, string>],
  );
  assert.equal(response.body.outcome, "paused");
  assert.deepEqual(await counts(), { jobs: 0, deliveries: 1 });
});
