/**
 * The GitHub webhook payloads the tests deliver are held to GitHub's official webhook description
 * (`@octokit/openapi-webhooks`, OpenAPI 3.1): the recorded fixtures in `testdata/` and the
 * `@octokit/webhooks-examples` payloads the receiver, App and end-to-end tests sign and post.
 *
 * Recorded payloads are older than today's description: GitHub has since added required fields (`auto_merge`,
 * `reactions`, `node_id` …) and typed `installation.created_at` as a string. Those differences are listed in
 * `testdata/webhook_schema_drift.json`, payload by payload; the test fails on any other difference (a dropped
 * field, a wrong type) and on a listed one that is gone, so the list only shrinks. Loom's parser reads none of
 * the listed fields (its own schema in `schema.ts` decides what it needs).
 */
import assert from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import examples from "@octokit/webhooks-examples" with { type: "json" };
import description from "@octokit/openapi-webhooks/generated/api.github.com.json" with { type: "json" };

const FIXTURES: Record<string, string> = {
  "pull-request.json": "pull-request",
  "issue-comment.json": "issue-comment",
  "pull-request-issue-comment.json": "issue-comment",
  "pull-request-review-comment.json": "pull-request-review-comment",
  "pull-request-review.json": "pull-request-review",
  "ping.json": "ping",
};

/** The events and actions Loom acts on (`lib/platforms/github/webhook.ts`, `lib/webhooks/github_app.ts`). */
const DELIVERED = new Set([
  "pull-request-opened",
  "pull-request-synchronize",
  "pull-request-reopened",
  "pull-request-ready-for-review",
  "pull-request-closed",
  "issue-comment-created",
  "installation-created",
  "installation-deleted",
  "installation-suspend",
  "installation-unsuspend",
  "installation-repositories-added",
  "installation-repositories-removed",
]);

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(description, "webhooks");

/** The validator of one webhook (`pull-request-opened`, `ping`), from its documented request body. */
function validatorOf(name: string) {
  const webhook = (description.webhooks as Record<string, unknown>)[name];
  assert.ok(webhook, `GitHub documents the webhook ${name}`);
  return ajv.compile({
    $ref: `webhooks#/webhooks/${name}/post/requestBody/content/application~1json/schema`,
  });
}

function problems(name: string, payload: unknown, limit = 5): string[] {
  const validate = validatorOf(name);
  if (validate(payload)) return [];
  return (validate.errors ?? []).slice(0, limit).map((error) =>
    `${name} ${error.instancePath || "(root)"} ${error.message}`
  );
}

const nameOf = (event: string, payload: { action?: string }) =>
  event === "ping" ? "ping" : `${event}-${String(payload.action).replaceAll("_", "-")}`;

/** Every payload the tests deliver, by a stable name, with what it breaks of GitHub's schemas. */
async function deviations(): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {};
  for (const [file, event] of Object.entries(FIXTURES)) {
    const payload = JSON.parse(await Deno.readTextFile(new URL(`./testdata/${file}`, import.meta.url)));
    found[`testdata/${file}`] = problems(nameOf(event, payload), payload, Infinity);
  }
  for (const definition of examples as unknown as { name: string; examples: { action?: string }[] }[]) {
    definition.examples.forEach((payload, index) => {
      const name = nameOf(definition.name.replaceAll("_", "-"), payload);
      if (DELIVERED.has(name)) {
        found[`webhooks-examples ${definition.name} #${index}`] = problems(name, payload, Infinity);
      }
    });
  }
  return found;
}

const DRIFT = new URL("./testdata/webhook_schema_drift.json", import.meta.url);

Deno.test("the webhook payloads the tests deliver keep to GitHub's webhook schemas, apart from the listed drift", async () => {
  const found = await deviations();
  assert.ok(Object.keys(found).length >= Object.keys(FIXTURES).length + DELIVERED.size - 2);
  if (Deno.env.get("UPDATE_GOLDEN") === "1") {
    const drift = Object.fromEntries(Object.entries(found).filter(([, list]) => list.length > 0));
    await Deno.writeTextFile(DRIFT, JSON.stringify(drift, null, 2) + "\n");
  }
  const listed: Record<string, string[]> = JSON.parse(await Deno.readTextFile(DRIFT));
  for (const [payload, list] of Object.entries(found)) {
    assert.deepEqual(list, listed[payload] ?? [], `${payload} differs from GitHub's webhook schema`);
  }
});

Deno.test("a fixture that drops a required field fails GitHub's webhook schema", async () => {
  const payload = JSON.parse(
    await Deno.readTextFile(new URL("./testdata/pull-request.json", import.meta.url)),
  );
  delete payload.pull_request.head;
  assert.match(problems("pull-request-opened", payload).join("\n"), /must have required property 'head'/);
});
