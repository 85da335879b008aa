/**
 * A GitHub webhook route in memory for the receiver's tests: a repository with a known secret, an app built from
 * the test dependencies, and helpers that sign and post real payloads from `@octokit/webhooks-examples`.
 */
import assert from "node:assert/strict";
import { sign } from "@octokit/webhooks-methods";
import examples from "@octokit/webhooks-examples" with { type: "json" };
import type { TestDatabase } from "../../lib/db/testing.ts";
import { sql } from "../../lib/db/mod.ts";
import { createRepo } from "../../lib/db/repos.ts";
import type { SecretBox } from "../../lib/crypto/secret_box.ts";
import { githubWebhook } from "../../lib/platforms/github/webhook.ts";
import { createApp } from "../../app.ts";
import { createTestDeps } from "./app_server.ts";
import type { ReadPullRequest } from "../../lib/webhooks/head_check.ts";

export const SECRET = "webhook-secret-for-tests";
// deno-lint-ignore no-explicit-any
export type Payload = Record<string, any>;

export function example(name: string, action: string): Payload {
  const definition = (examples as unknown as { name: string; examples: Payload[] }[]).find((item) =>
    item.name === name
  );
  const found = definition?.examples.find((item) => item.action === action);
  assert.ok(found, `@octokit/webhooks-examples has a ${name}.${action} example`);
  return structuredClone(found);
}

export async function setup(
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

export function pushed(payload: Payload, headSha: string): Payload {
  const synchronize = example("pull_request", "synchronize");
  synchronize.repository = payload.repository;
  synchronize.number = payload.number;
  synchronize.pull_request.number = payload.number;
  synchronize.pull_request.head.sha = headSha;
  return synchronize;
}

export function comment(payload: Payload, body: string): Payload {
  const created = example("issue_comment", "created");
  created.repository = payload.repository;
  created.issue.number = payload.number;
  created.issue.pull_request = { url: "https://api.github.com/repos/x/y/pulls/1" };
  created.comment.body = body;
  created.comment.user.type = "User";
  created.sender.type = "User";
  return created;
}
