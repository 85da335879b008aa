import assert from "node:assert/strict";
import { dbTest } from "./db/testing.ts";
import { loadServerConfig } from "./config/env.ts";
import { isLocalUrl, runDoctor } from "./doctor.ts";
import { createOrganization } from "./db/organizations.ts";
import { saveCredential } from "./db/credentials.ts";
import { createSecretBox } from "./crypto/secret_box.ts";
import { createRepo } from "./db/repos.ts";
import { enqueue } from "./queue/mod.ts";

const KEY = "doctor-secret-key-doctor-secret-key-01234";

dbTest("runDoctor names every missing piece, then nothing once the organization has them", async ({ db }) => {
  const config = loadServerConfig({ LOOM_SECRET_KEY: KEY });
  const organization = await createOrganization(db, { name: "Acme" });
  const checks = async (publicUrl = config.publicUrl) =>
    (await runDoctor({ config: { ...config, publicUrl }, db, organizationId: organization.id }))
      .map((finding) => `${finding.level}:${finding.check}`);
  assert.deepEqual(await checks(), [
    "warning:public-url",
    "error:platform-credential",
    "error:model-key",
    "warning:repositories",
  ]);
  const box = await createSecretBox(KEY);
  await saveCredential(db, box, {
    organizationId: organization.id,
    kind: "github",
    name: "default",
    value: "ghp_x",
  });
  await saveCredential(db, box, {
    organizationId: organization.id,
    kind: "anthropic",
    name: "default",
    value: "k",
  });
  await createRepo(db, {
    platform: "gitlab",
    fullName: "acme/api",
    webhookSecret: "x",
    organizationId: organization.id,
  });
  // A GitLab repository with only a GitHub token cannot be reviewed.
  const findings = await runDoctor({ config, db, organizationId: organization.id });
  assert.deepEqual(findings.map((finding) => finding.message), [
    findings[0]!.message,
    "No GitLab token: its connected repositories cannot be reviewed.",
  ]);
  await saveCredential(db, box, {
    organizationId: organization.id,
    kind: "gitlab",
    name: "default",
    value: "glpat",
  });
  assert.deepEqual(await checks("https://loom.acme.test"), []);
  // Another organization's credentials count for nobody else.
  const other = await createOrganization(db, { name: "Other" });
  assert.ok(
    (await runDoctor({ config, db, organizationId: other.id })).some((finding) =>
      finding.check === "model-key"
    ),
  );
});

dbTest("runDoctor reports a queue no worker takes jobs from", async ({ db }) => {
  const config = loadServerConfig({
    LOOM_SECRET_KEY: KEY,
    LOOM_PUBLIC_URL: "https://loom.acme.test",
    LOOM_GITHUB_TOKEN: "ghp_x",
    LOOM_LLM_API_KEY: "sk",
  });
  const repo = await createRepo(db, { platform: "github", fullName: "acme/api", webhookSecret: "x" });
  const start = 1_000_000;
  await enqueue(db, "review_pull_request", {
    platform: "github",
    repoId: repo.id,
    repo: "acme/api",
    number: 1,
    headSha: "abc",
    baseSha: "def",
    baseRef: "main",
    headRef: "f",
    title: "t",
    author: "a",
    authorIsBot: false,
    draft: false,
    action: "opened",
  }, { now: () => start });
  assert.deepEqual(await runDoctor({ config, db, now: () => start + 60_000 }), []);
  const late = await runDoctor({ config, db, now: () => start + 5 * 60_000 });
  assert.deepEqual(late.map((finding) => finding.check), ["worker"]);
  assert.match(late[0]!.message, /^1 job has waited 5 min with nothing running/);
});

Deno.test("isLocalUrl spots loopback and .localhost addresses", () => {
  for (
    const url of ["http://localhost:8000", "http://127.0.0.1", "http://[::1]:80", "http://loom.localhost"]
  ) {
    assert.equal(isLocalUrl(url), true, url);
  }
  assert.equal(isLocalUrl("https://loom.acme.test"), false);
});
