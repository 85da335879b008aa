import assert from "node:assert/strict";
import { sign } from "@octokit/webhooks-methods";
import { dbTest } from "../db/testing.ts";
import { sql } from "../db/mod.ts";
import { getRepo, setRepoPaused } from "../db/repos.ts";
import { rotateSecrets } from "../db/secret_rotation.ts";
import { createSecretBox } from "../crypto/secret_box.ts";
import { TEST_SECRET_KEY } from "../../tests/support/app_server.ts";
import { getJob } from "../queue/mod.ts";
import { comment, example, pushed, SECRET, setup } from "../../tests/support/github_webhook_setup.ts";

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
