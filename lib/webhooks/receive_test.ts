import assert from "node:assert/strict";
import { sign } from "@octokit/webhooks-methods";
import examples from "@octokit/webhooks-examples" with { type: "json" };
import { dbTest, type TestDatabase } from "../db/testing.ts";
import { sql } from "../db/mod.ts";
import { createRepo, getRepo, setRepoPaused } from "../db/repos.ts";
import { rotateSecrets } from "../db/secret_rotation.ts";
import { createSecretBox, type SecretBox } from "../crypto/secret_box.ts";
import { githubWebhook } from "../platforms/github/webhook.ts";
import { createApp } from "../../app.ts";
import { createTestDeps, TEST_SECRET_KEY } from "../../tests/support/app_server.ts";
import { getJob } from "../queue/mod.ts";
import type { ReadPullRequest } from "./head_check.ts";

const SECRET = "webhook-secret-for-tests";
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

async function setup(
  database: TestDatabase,
  options: {
    paused?: boolean;
    readPullRequest?: ReadPullRequest;
    databaseDeadlineMs?: number;
    /** Runs before each decryption of a webhook secret: between the route's read of the row and its write. */
    beforeDecrypt?: () => Promise<void>;
    /** The deployment's secret box, when not the test key alone. */
    secretBox?: SecretBox;
  } = {},
) {
  const deps = await createTestDeps(database.db, {
    parsers: { github: githubWebhook },
    readPullRequest: options.readPullRequest,
  });
  if (options.databaseDeadlineMs !== undefined) {
    deps.config = { ...deps.config, databaseRequestTimeoutMs: options.databaseDeadlineMs };
  }
  const box = options.secretBox ?? deps.secretBox;
  let decryptions = 0;
  deps.secretBox = {
    ...box,
    decrypt: async (ciphertext) => {
      decryptions++;
      await options.beforeDecrypt?.();
      return await box.decrypt(ciphertext);
    },
  };
  let wakeups = 0;
  deps.onEnqueued = () => wakeups++;
  const payload = example("pull_request", "opened");
  const repo = await createRepo(database.db, {
    platform: "github",
    fullName: payload.repository.full_name,
    webhookSecret: await deps.secretBox.encrypt(SECRET),
  });
  if (options.paused) await database.db.exec(sql`update repos set paused = ${true} where id = ${repo.id}`);
  const app = createApp(deps);
  const post = async (
    body: string,
    headers: Record<string, string>,
    query = `?repo=${repo.id}`,
  ) => {
    const response = await app.request(`/api/webhooks/github${query}`, { method: "POST", body, headers });
    return { status: response.status, body: await response.json() };
  };
  const signed = async (payloadObject: unknown, event: string, deliveryId: string, secret = SECRET) => {
    const body = JSON.stringify(payloadObject);
    return {
      body,
      headers: {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": deliveryId,
        "x-hub-signature-256": await sign(secret, body),
      },
    };
  };
  const counts = async () => {
    const [jobs] = await database.db.query<{ count: number }>(sql`select count(*) as count from jobs`);
    const [deliveries] = await database.db.query<{ count: number }>(
      sql`select count(*) as count from webhook_deliveries`,
    );
    return { jobs: Number(jobs!.count), deliveries: Number(deliveries!.count) };
  };
  const send = async (payloadObject: unknown, event: string, deliveryId: string, secret = SECRET) => {
    const request = await signed(payloadObject, event, deliveryId, secret);
    return await post(request.body, request.headers);
  };
  return {
    repo,
    post,
    signed,
    send,
    counts,
    payload,
    secretBox: box,
    wakeups: () => wakeups,
    decryptions: () => decryptions,
  };
}

function pushed(payload: Payload, headSha: string): Payload {
  const synchronize = example("pull_request", "synchronize");
  synchronize.repository = payload.repository;
  synchronize.number = payload.number;
  synchronize.pull_request.number = payload.number;
  synchronize.pull_request.head.sha = headSha;
  return synchronize;
}

function comment(payload: Payload, body: string): Payload {
  const created = example("issue_comment", "created");
  created.repository = payload.repository;
  created.issue.number = payload.number;
  created.issue.pull_request = { url: "https://api.github.com/repos/x/y/pulls/1" };
  created.comment.body = body;
  created.comment.user.type = "User";
  created.sender.type = "User";
  return created;
}

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
        ["pull_request", example("pull_request", "labeled")],
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

dbTest(
  "POST /api/webhooks/github decrypts a repository's webhook secret once, not per webhook",
  async (database) => {
    const { send, payload, decryptions } = await setup(database);
    for (const [index, head] of ["a", "b", "c"].entries()) {
      assert.equal((await send(pushed(payload, head.repeat(40)), "pull_request", `d${index}`)).status, 202);
    }
    assert.equal(decryptions(), 1);
  },
);

dbTest(
  "POST /api/webhooks/github refuses the old secret as soon as it is rotated and accepts the new one",
  async (database) => {
    const { send, counts, payload, repo, secretBox } = await setup(database);
    assert.equal(
      (await send(pushed(payload, "a".repeat(40)), "pull_request", "d1")).body.outcome,
      "enqueued",
    );
    await database.db.exec(
      sql`update repos set webhook_secret = ${await secretBox.encrypt("rotated")} where id = ${repo.id}`,
    );
    const old = await send(pushed(payload, "b".repeat(40)), "pull_request", "d2");
    assert.equal(old.status, 401);
    assert.deepEqual(await counts(), { jobs: 1, deliveries: 1 }, "the old secret writes nothing");
    const oldComment = await send(comment(payload, "@loom review"), "issue_comment", "d3");
    assert.equal(oldComment.status, 401);
    assert.deepEqual(await counts(), { jobs: 1, deliveries: 1 });
    const rotated = await send(pushed(payload, "b".repeat(40)), "pull_request", "d4", "rotated");
    assert.equal(rotated.body.outcome, "enqueued");
    const rotatedComment = await send(comment(payload, "@loom review"), "issue_comment", "d5", "rotated");
    assert.equal(rotatedComment.body.outcome, "enqueued");
    assert.deepEqual(await counts(), { jobs: 3, deliveries: 3 });
  },
);

dbTest(
  "POST /api/webhooks/github keeps a delivery whose secret is re-encrypted under a new key while it is received",
  async (database) => {
    // The deployment's ring already holds the new key first: the rotation re-seals the secret under it.
    const ring = await createSecretBox(["rotation-new-key-rotation-new-key-0001", TEST_SECRET_KEY]);
    let race: (() => Promise<unknown>) | undefined;
    const { send, counts, payload, repo } = await setup(database, {
      secretBox: ring,
      beforeDecrypt: async () => {
        const once = race;
        race = undefined;
        await once?.();
      },
    });
    // The repository's secret as sealed before the new key came: under the old key.
    const underOldKey = await (await createSecretBox(TEST_SECRET_KEY)).encrypt(SECRET);
    await database.db.exec(sql`update repos set webhook_secret = ${underOldKey} where id = ${repo.id}`);
    race = () => rotateSecrets(database.db, ring);
    const during = await send(pushed(payload, "a".repeat(40)), "pull_request", "d1");
    assert.equal(race, undefined, "the rotation ran between the read and the write");
    assert.equal(during.body.outcome, "enqueued");
    assert.ok(ring.isCurrent((await getRepo(database.db, repo.id))!.webhookSecret));
    assert.deepEqual(await counts(), { jobs: 1, deliveries: 1 });
  },
);

dbTest(
  "POST /api/webhooks/github refuses a delivery whose secret is replaced with another while it is received",
  async (database) => {
    let race: (() => Promise<unknown>) | undefined;
    const { send, counts, payload, repo, secretBox } = await setup(database, {
      beforeDecrypt: async () => {
        const once = race;
        race = undefined;
        await once?.();
      },
    });
    const replacement = await secretBox.encrypt("replaced");
    race = () =>
      database.db.exec(sql`update repos set webhook_secret = ${replacement} where id = ${repo.id}`);
    const replaced = await send(pushed(payload, "b".repeat(40)), "pull_request", "d1");
    assert.equal(race, undefined, "the secret changed between the read and the write");
    assert.equal(replaced.status, 401);
    assert.deepEqual(await counts(), { jobs: 0, deliveries: 0 });
  },
);

dbTest(
  "POST /api/webhooks/github records paused for a repository paused after its last webhook",
  async (database) => {
    const { send, counts, payload, repo } = await setup(database);
    assert.equal(
      (await send(pushed(payload, "a".repeat(40)), "pull_request", "d1")).body.outcome,
      "enqueued",
    );
    await setRepoPaused(database.db, repo.id, true);
    assert.equal((await send(pushed(payload, "b".repeat(40)), "pull_request", "d2")).body.outcome, "paused");
    assert.equal(
      (await send(comment(payload, "@loom review"), "issue_comment", "d3")).body.outcome,
      "paused",
    );
    assert.deepEqual(await counts(), { jobs: 1, deliveries: 3 });
  },
);

dbTest(
  "POST /api/webhooks/github rejects a repository deleted after its last webhook, writing nothing",
  async (database) => {
    const { send, counts, payload, repo } = await setup(database);
    assert.equal(
      (await send(pushed(payload, "a".repeat(40)), "pull_request", "d1")).body.outcome,
      "enqueued",
    );
    await database.db.exec(sql`delete from jobs`);
    await database.db.exec(sql`delete from repos where id = ${repo.id}`);
    assert.equal((await send(pushed(payload, "b".repeat(40)), "pull_request", "d2")).status, 401);
    assert.equal((await send(comment(payload, "@loom review"), "issue_comment", "d3")).status, 401);
    assert.deepEqual(await counts(), { jobs: 0, deliveries: 0 });
  },
);

dbTest(
  "POST /api/webhooks/github does not charge a slow head check to the database deadline",
  async (database) => {
    // The platform answers the head check after 2.5 s, within its own 3 s deadline but past the database's 2 s.
    const { send, payload } = await setup(database, {
      databaseDeadlineMs: 2_000,
      readPullRequest: async () => {
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        return { state: "open", headSha: "b".repeat(40) };
      },
    });
    const first = await send(pushed(payload, "a".repeat(40)), "pull_request", "d1");
    assert.equal(first.body.outcome, "enqueued");
    const push = await send(pushed(payload, "b".repeat(40)), "pull_request", "d2");
    assert.equal(push.status, 202, `not a 503 "database is unavailable": ${JSON.stringify(push.body)}`);
    assert.equal(push.body.outcome, "enqueued");
    assert.equal((await getJob(database.db, first.body.jobId))?.status, "cancelled");
  },
);

dbTest(
  "POST /api/webhooks/github checks with the platform before replacing a live review: a replayed event changes nothing",
  async (database) => {
    const platform = { state: "open" as "open" | "closed", headSha: "a".repeat(40) };
    let asked = 0;
    const { send, payload } = await setup(database, {
      readPullRequest: () => {
        asked++;
        return Promise.resolve({ ...platform });
      },
    });
    const first = await send(pushed(payload, "a".repeat(40)), "pull_request", "d1");
    assert.equal(first.body.outcome, "enqueued");
    assert.equal(asked, 0, "nothing live to replace: the platform is not asked");

    platform.headSha = "b".repeat(40);
    const push = await send(pushed(payload, "b".repeat(40)), "pull_request", "d2");
    assert.equal(push.body.outcome, "enqueued");
    assert.equal(asked, 1);
    assert.equal(
      (await getJob(database.db, first.body.jobId))?.status,
      "cancelled",
      "a real push supersedes",
    );

    // The signed synchronize of the old head, replayed under a new delivery id.
    const replay = await send(pushed(payload, "a".repeat(40)), "pull_request", "d3");
    assert.equal(replay.status, 202);
    assert.equal(replay.body.outcome, "stale");
    // A close replayed while the pull request is open.
    const closed = example("pull_request", "closed");
    closed.repository = payload.repository;
    closed.number = payload.number;
    closed.pull_request.number = payload.number;
    assert.equal((await send(closed, "pull_request", "d4")).body.outcome, "stale");
    assert.equal(
      (await getJob(database.db, push.body.jobId))?.status,
      "pending",
      "the current review lives on",
    );

    platform.state = "closed";
    assert.equal(
      (await send(closed, "pull_request", "d5")).body.outcome,
      "cancelled",
      "a real close cancels",
    );
    assert.equal((await getJob(database.db, push.body.jobId))?.status, "cancelled");
  },
);

dbTest(
  "POST /api/webhooks/github takes a form-encoded delivery and names the content type when a body cannot be read",
  async (database) => {
    const { post, payload, counts } = await setup(database);
    const json = JSON.stringify(payload);
    const form = new URLSearchParams({ payload: json }).toString();
    const formHeaders = (body: string, delivery: string) =>
      sign(SECRET, body).then((signature) => ({
        "content-type": "application/x-www-form-urlencoded",
        "x-github-event": "pull_request",
        "x-github-delivery": delivery,
        "x-hub-signature-256": signature,
      }));
    const accepted = await post(form, await formHeaders(form, "form-1"));
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    assert.equal(accepted.body.outcome, "enqueued");
    assert.equal((await counts()).jobs, 1);
    // A form without GitHub's `payload` field, or a body sent as another type, says what to change.
    for (
      const [body, type] of [["action=opened", "application/x-www-form-urlencoded"], [form, "text/plain"]]
    ) {
      const headers = { ...(await formHeaders(body, `bad-${type}`)), "content-type": type };
      const refused = await post(body, headers);
      assert.equal(refused.status, 400);
      assert.match(
        refused.body.message,
        new RegExp(
          `^Cannot parse the webhook body: .+; the webhook sends content type ${type.replace("/", "\\/")}: ` +
            "set the webhook's content type to application/json$",
        ),
      );
    }
  },
);
