import assert from "node:assert/strict";
import { createWebhookCache } from "./webhook_cache.ts";
import type { Repo } from "../db/repos.ts";

function repo(id: number): Repo {
  return {
    id,
    organizationId: null,
    platform: "github",
    host: "github.com",
    platformRepoId: null,
    fullName: `octo/repo-${id}`,
    webhookSecret: `v1.iv.${id}`,
    installationId: null,
    paused: false,
    createdAt: 0,
    disconnectedAt: null,
    previousWebhookSecret: null,
    previousSecretExpiresAt: null,
  };
}

Deno.test("createWebhookCache() decrypts each ciphertext once, also for concurrent requests", async () => {
  const cache = createWebhookCache();
  const calls: string[] = [];
  const decrypt = (ciphertext: string) => {
    calls.push(ciphertext);
    return Promise.resolve(`plain:${ciphertext}`);
  };
  const [first, second] = await Promise.all([cache.secret("v1.a", decrypt), cache.secret("v1.a", decrypt)]);
  assert.equal(first, "plain:v1.a");
  assert.equal(second, "plain:v1.a");
  assert.equal(await cache.secret("v1.b", decrypt), "plain:v1.b", "a rotated secret has a new ciphertext");
  assert.deepEqual(calls, ["v1.a", "v1.b"]);
});

Deno.test("createWebhookCache() does not remember a failed decryption", async () => {
  const cache = createWebhookCache();
  let calls = 0;
  const failing = () => {
    calls++;
    return Promise.reject(new Error("Cannot decrypt a secret: wrong LOOM_SECRET_KEY or altered data"));
  };
  await assert.rejects(cache.secret("v1.x", failing), /Cannot decrypt/);
  await assert.rejects(cache.secret("v1.x", failing), /Cannot decrypt/);
  assert.equal(calls, 2);
});

Deno.test("createWebhookCache() remembers and forgets repositories, dropping the oldest beyond its size", () => {
  const cache = createWebhookCache({ maxEntries: 2 });
  cache.rememberRepo(repo(1));
  cache.rememberRepo(repo(2));
  cache.rememberRepo(repo(1));
  cache.rememberRepo(repo(3));
  assert.equal(cache.repo(2), undefined, "the least recently remembered goes first");
  assert.deepEqual(cache.repo(1), repo(1));
  assert.deepEqual(cache.repo(3), repo(3));
  cache.forgetRepo(1);
  assert.equal(cache.repo(1), undefined);
});
