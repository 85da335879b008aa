/**
 * The deployment files pass what the documentation promises: Compose hands every documented setting from `.env`
 * to the containers (and `.env.example` lists it), and the Kubernetes example's placeholder Secret does not
 * start until its values are replaced.
 */
import assert from "node:assert/strict";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { loadServerConfig, SERVER_ENV_NAMES } from "../lib/config/env.ts";

const ROOT = new URL("../", import.meta.url).pathname;
/** Variables only the test suite reads. */
const TEST_ONLY = new Set(["LOOM_TEST_DATABASE_URL", "LOOM_CHROMIUM_PATH"]);
/** Compose's own variables (the published port, the image tag): used by docker-compose.yml, not by Loom. */
const COMPOSE_ONLY = new Set(["LOOM_HTTP_PORT", "LOOM_IMAGE_TAG"]);
/** Settings Compose fixes itself, each for a stated reason in docker-compose.yml. */
const FIXED_BY_COMPOSE = new Set(["PORT", "LOOM_PORT", "LOOM_HOSTNAME", "LOOM_WORKER_METRICS_PORT"]);

async function documentedSettings(): Promise<Set<string>> {
  const names = new Set(SERVER_ENV_NAMES);
  const files = [`${ROOT}README.md`];
  for await (const entry of Deno.readDir(`${ROOT}docs`)) {
    if (entry.isFile && entry.name.endsWith(".md")) files.push(`${ROOT}docs/${entry.name}`);
  }
  for await (const entry of Deno.readDir(`${ROOT}docs/platforms`)) {
    if (entry.isFile && entry.name.endsWith(".md")) files.push(`${ROOT}docs/platforms/${entry.name}`);
  }
  for (const file of files) {
    for (const match of (await Deno.readTextFile(file)).matchAll(/\bLOOM_[A-Z0-9_]+\b/g)) names.add(match[0]);
  }
  for (const name of TEST_ONLY) names.delete(name);
  return names;
}

Deno.test("Compose passes every documented setting from .env, and .env.example lists it", async () => {
  const compose = parseYaml(await Deno.readTextFile(`${ROOT}deploy/docker-compose.yml`));
  const shared = compose["x-loom-env"] as Record<string, string>;
  const services = compose.services as Record<string, { environment?: Record<string, string> }>;
  const example = await Deno.readTextFile(`${ROOT}deploy/.env.example`);
  const listed = new Set([...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((match) => match[1]!));
  const documented = await documentedSettings();
  assert.ok(documented.has("LOOM_LLM_BASE_URL") && documented.has("LOOM_ALLOWED_BASE_URLS"));
  const composeText = await Deno.readTextFile(`${ROOT}deploy/docker-compose.yml`);
  for (const name of documented) {
    if (FIXED_BY_COMPOSE.has(name)) continue;
    if (COMPOSE_ONLY.has(name)) {
      assert.match(composeText, new RegExp(`\\$\\{${name}:-`), `docker-compose.yml does not use ${name}`);
      assert.ok(listed.has(name), `.env.example does not list ${name}`);
      continue;
    }
    for (const service of ["web", "worker", "migrate"]) {
      const value = services[service]!.environment?.[name] ?? shared[name];
      assert.ok(value !== undefined, `${service} does not receive ${name}`);
      if (name === "LOOM_DATABASE_URL") continue;
      assert.match(
        value,
        new RegExp(`\\$\\{${name}(:[-?][^}]*)?\\}`),
        `${service}: ${name} does not come from .env`,
      );
    }
    if (name !== "LOOM_DATABASE_URL") assert.ok(listed.has(name), `.env.example does not list ${name}`);
  }
  assert.ok(listed.has("POSTGRES_PASSWORD"));
});

Deno.test("the Kubernetes example's placeholder Secret fails validation until its values are replaced", () => {
  const values = (file: string, field: "stringData" | "data") => {
    const document = parseAllDocuments(Deno.readTextFileSync(`${ROOT}deploy/k8s/${file}`))[0]!.toJS();
    return document[field] as Record<string, string>;
  };
  const env = { ...values("configmap.yaml", "data"), ...values("secret.yaml", "stringData") };
  assert.throws(
    () => loadServerConfig(env),
    (error: Error) =>
      /LOOM_SECRET_KEY: is still the example's placeholder/.test(error.message) &&
      /LOOM_METRICS_TOKEN: is still the example's placeholder/.test(error.message) &&
      /LOOM_DATABASE_URL: is still the example's placeholder/.test(error.message),
  );
  const replaced = {
    ...env,
    LOOM_DATABASE_URL: "postgres://loom:Zq8v2mX0rT@loom-postgres:5432/loom",
    LOOM_SECRET_KEY: "c2VjcmV0LWtleS1mb3ItdGhlLWRlcGxveW1lbnQtdGVzdA==",
    LOOM_METRICS_TOKEN: "scrape-9f3a1c",
  };
  assert.equal(loadServerConfig(replaced).secretKey, replaced.LOOM_SECRET_KEY);
});
