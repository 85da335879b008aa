/**
 * Every platform's webhook signature is checked over the exact bytes sent. The bodies here carry bytes that are
 * not valid UTF-8 (0xFF, 0xFE): a verifier that decodes to text first sees both as U+FFFD, so it rejects the
 * genuine body and accepts the altered one. Signatures are made with `node:crypto` over the bytes, as the
 * platforms make them. (Azure DevOps signs nothing; it authenticates with a header or Basic credentials.)
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import type { WebhookParser } from "./types.ts";
import { githubWebhook } from "./github/webhook.ts";
import { gitlabWebhook } from "./gitlab/webhook.ts";
import { giteaWebhook } from "./gitea/webhook.ts";
import { bitbucketWebhook } from "./bitbucket/webhook.ts";
import { bitbucketServerWebhook } from "./bitbucket_server/webhook.ts";

const SECRET = "webhook-secret-for-tests";
const GITLAB_KEY = new TextEncoder().encode("a signing key of thirty-two bytes");
const GITLAB_SECRET = `whsec_${btoa(String.fromCharCode(...GITLAB_KEY))}`;

/** `{"title":"caf<0xFF>"}` and the same with 0xFE: different bytes, the same text once decoded. */
function bodies(): { genuine: Uint8Array; altered: Uint8Array } {
  const encode = (byte: number) =>
    new Uint8Array([...new TextEncoder().encode('{"title":"caf'), byte, ...new TextEncoder().encode('"}')]);
  return { genuine: encode(0xff), altered: encode(0xfe) };
}

function hmacHex(key: string | Uint8Array, bytes: Uint8Array): string {
  return createHmac("sha256", key).update(bytes).digest("hex");
}

const PLATFORMS: { name: string; parser: WebhookParser; secret: string; sign(body: Uint8Array): Headers }[] =
  [
    {
      name: "GitHub",
      parser: githubWebhook,
      secret: SECRET,
      sign: (body) => new Headers({ "x-hub-signature-256": `sha256=${hmacHex(SECRET, body)}` }),
    },
    {
      name: "GitLab (signing token)",
      parser: gitlabWebhook,
      secret: GITLAB_SECRET,
      sign(body) {
        const id = "msg_1";
        const timestamp = String(Math.floor(Date.now() / 1000));
        const signed = new Uint8Array([...new TextEncoder().encode(`${id}.${timestamp}.`), ...body]);
        const signature = createHmac("sha256", GITLAB_KEY).update(signed).digest("base64");
        return new Headers({
          "webhook-id": id,
          "webhook-timestamp": timestamp,
          "webhook-signature": `v1,${signature}`,
        });
      },
    },
    {
      name: "Gitea (JSON)",
      parser: giteaWebhook,
      secret: SECRET,
      sign: (body) =>
        new Headers({ "content-type": "application/json", "x-gitea-signature": hmacHex(SECRET, body) }),
    },
    {
      name: "Bitbucket",
      parser: bitbucketWebhook,
      secret: SECRET,
      sign: (body) => new Headers({ "x-hub-signature": `sha256=${hmacHex(SECRET, body)}` }),
    },
    {
      name: "Bitbucket Data Center",
      parser: bitbucketServerWebhook,
      secret: SECRET,
      sign: (body) => new Headers({ "x-hub-signature": `sha256=${hmacHex(SECRET, body)}` }),
    },
  ];

for (const platform of PLATFORMS) {
  Deno.test(`${platform.name} webhooks are verified over the raw body bytes`, async () => {
    const { genuine, altered } = bodies();
    const headers = platform.sign(genuine);
    assert.equal(await platform.parser.verify(headers, genuine, platform.secret), true, "the genuine body");
    assert.equal(await platform.parser.verify(headers, altered, platform.secret), false, "the altered body");
  });
}

Deno.test("Gitea form-encoded webhooks are verified over the percent-decoded payload bytes", async () => {
  const { genuine, altered } = bodies();
  const form = (json: Uint8Array) =>
    new TextEncoder().encode(
      "payload=" +
        Array.from(json, (byte) => `%${byte.toString(16).padStart(2, "0").toUpperCase()}`).join(""),
    );
  const headers = new Headers({
    "content-type": "application/x-www-form-urlencoded",
    "x-gitea-signature": hmacHex(SECRET, genuine),
  });
  assert.equal(await giteaWebhook.verify(headers, form(genuine), SECRET), true);
  assert.equal(await giteaWebhook.verify(headers, form(altered), SECRET), false);
  assert.equal(await giteaWebhook.verify(headers, new TextEncoder().encode("payload=%zz"), SECRET), false);
});

Deno.test("GitLab signing-token webhooks outside the five-minute window are refused", async () => {
  const { genuine } = bodies();
  const id = "msg_2";
  const timestamp = String(Math.floor(Date.now() / 1000) - 6 * 60);
  const signed = new Uint8Array([...new TextEncoder().encode(`${id}.${timestamp}.`), ...genuine]);
  const signature = createHmac("sha256", GITLAB_KEY).update(signed).digest("base64");
  const headers = new Headers({
    "webhook-id": id,
    "webhook-timestamp": timestamp,
    "webhook-signature": `v1,${signature}`,
  });
  assert.equal(await gitlabWebhook.verify(headers, genuine, GITLAB_SECRET), false);
});
