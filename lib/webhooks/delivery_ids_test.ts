/**
 * Every header set a supported platform version sends is accepted, and a resend is recorded once: GitLab 17.4+
 * (`Idempotency-Key`), 16.x (`X-Gitlab-Webhook-UUID`, new per request) and 15.7–16.0 (`X-Gitlab-Event-UUID`
 * only) through the real route, and a Gitea delivery with no delivery header at all.
 */
import assert from "node:assert/strict";
import { dbTest, type TestDatabase } from "../db/testing.ts";
import { sql } from "../db/mod.ts";
import { createRepo } from "../db/repos.ts";
import { gitlabWebhook } from "../platforms/gitlab/webhook.ts";
import { giteaWebhook } from "../platforms/gitea/webhook.ts";
import { createApp } from "../../app.ts";
import { createTestDeps } from "../../tests/support/app_server.ts";

const SECRET = "gitlab-webhook-token";
const GITLAB_FIXTURE = new URL("../platforms/gitlab/testdata/merge-request-event.json", import.meta.url);
const GITEA_FIXTURE = new URL("../platforms/gitea/testdata/pull-request-event.json", import.meta.url);

async function routeFor(database: TestDatabase, platform: "gitlab" | "gitea", fullName: string) {
  const deps = await createTestDeps(database.db, { parsers: { gitlab: gitlabWebhook, gitea: giteaWebhook } });
  const repo = await createRepo(database.db, {
    platform,
    fullName,
    webhookSecret: await deps.secretBox.encrypt(SECRET),
  });
  const app = createApp(deps);
  const post = async (body: string, headers: Record<string, string>) => {
    const response = await app.request(`/api/webhooks/${platform}?repo=${repo.id}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
    });
    return { status: response.status, body: await response.json() };
  };
  const jobs = async () =>
    Number((await database.db.query<{ n: number }>(sql`select count(*) as n from jobs`))[0]!.n);
  return { post, jobs };
}

async function gitlabOpened(title: string): Promise<string> {
  const payload = JSON.parse(await Deno.readTextFile(GITLAB_FIXTURE));
  payload.object_attributes.title = title;
  return JSON.stringify(payload);
}

const gitlab = (extra: Record<string, string>) => ({
  "x-gitlab-event": "Merge Request Hook",
  "x-gitlab-token": SECRET,
  ...extra,
});

dbTest("GitLab 17.4+: a resend with the same Idempotency-Key is recorded once", async (database) => {
  const { post, jobs } = await routeFor(database, "gitlab", "gitlabhq/gitlab-test");
  const body = await gitlabOpened("Add the cache");
  const headers = (uuid: string) =>
    gitlab({ "idempotency-key": "key-1", "x-gitlab-webhook-uuid": uuid, "x-gitlab-event-uuid": "chain-1" });
  assert.equal((await post(body, headers(crypto.randomUUID()))).status, 202);
  const again = await post(body, headers(crypto.randomUUID()));
  assert.equal(again.status, 200);
  assert.equal(again.body.status, "duplicate");
  assert.equal(await jobs(), 1);
});

dbTest(
  "GitLab 16.x: only a per-request UUID — accepted, and a resend of the same body is a duplicate",
  async (database) => {
    const { post, jobs } = await routeFor(database, "gitlab", "gitlabhq/gitlab-test");
    const body = await gitlabOpened("Add the cache");
    const headers = () =>
      gitlab({ "x-gitlab-webhook-uuid": crypto.randomUUID(), "x-gitlab-event-uuid": "chain-1" });
    assert.equal((await post(body, headers())).status, 202);
    const resent = await post(body, headers());
    assert.equal(resent.status, 200);
    assert.equal(resent.body.status, "duplicate");
    assert.equal(await jobs(), 1);
    // Another event from the same chain of hooks is not taken for the first one.
    const other = await post(await gitlabOpened("Add the cache, edited"), headers());
    assert.equal(other.status, 202);
    assert.notEqual(other.body.status, "duplicate");
  },
);

dbTest(
  "GitLab 15.7–16.0: only X-Gitlab-Event-UUID — accepted instead of refused for a missing delivery id",
  async (database) => {
    const { post, jobs } = await routeFor(database, "gitlab", "gitlabhq/gitlab-test");
    const answer = await post(
      await gitlabOpened("Add the cache"),
      gitlab({ "x-gitlab-event-uuid": "chain-1" }),
    );
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    assert.equal(await jobs(), 1);
  },
);

dbTest(
  "Gitea without a delivery header: accepted, and a resend of the same body is a duplicate",
  async (database) => {
    const payload = JSON.parse(await Deno.readTextFile(GITEA_FIXTURE));
    const { post, jobs } = await routeFor(database, "gitea", payload.repository.full_name);
    const body = JSON.stringify(payload);
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(SECRET),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const signature = Array.from(
      new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body))),
      (byte) => byte.toString(16).padStart(2, "0"),
    ).join("");
    const headers = { "x-gitea-event": "pull_request", "x-gitea-signature": signature };
    assert.equal((await post(body, headers)).status, 202);
    const resent = await post(body, headers);
    assert.equal(resent.status, 200);
    assert.equal(resent.body.status, "duplicate");
    assert.equal(await jobs(), 1);
  },
);
