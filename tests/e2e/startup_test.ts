/**
 * Starting Loom as a new user does: with a local public URL and no credentials the real process prints what
 * blocks reviews and the dashboard shows the same; a second Loom on a busy port exits non-zero with one line.
 */
import assert from "node:assert/strict";
import { createUser } from "../../lib/db/users.ts";
import { addMembership, createOrganization } from "../../lib/db/organizations.ts";
import { createSession } from "../../lib/db/sessions.ts";
import { createE2eDatabase, startLoom } from "../support/loom_process.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** Settings a developer's shell might carry, cleared so the process really starts without credentials. */
const NO_CREDENTIALS = {
  LOOM_GITHUB_TOKEN: "",
  LOOM_GITHUB_APP_ID: "",
  LOOM_GITHUB_APP_PRIVATE_KEY: "",
  LOOM_GITLAB_TOKEN: "",
  LOOM_GITEA_TOKEN: "",
  LOOM_BITBUCKET_TOKEN: "",
  LOOM_AZURE_DEVOPS_TOKEN: "",
  LOOM_LLM_API_KEY: "",
  LOOM_LLM_BASE_URL: "",
  LOOM_ALLOWED_KEY_ENVS: "",
};

Deno.test("start-up with a localhost public URL and no credentials prints and shows the set-up problems", async () => {
  await using database = await createE2eDatabase("sqlite");
  await using loom = await startLoom({
    ...NO_CREDENTIALS,
    LOOM_DATABASE_URL: database.url,
    LOOM_PUBLIC_URL: "http://localhost:8000",
    LOOM_SECRET_KEY: "startup-secret-key-startup-secret-key-0123",
  });
  await loom.waitForLog(/Before Loom can review pull requests:[\s\S]*No repositories/);
  const output = loom.logs();
  assert.match(output, /^ {2}Loom is running: open http:\/\/localhost:\d+$/m);
  assert.match(
    output,
    /^ {2}First run: create the owner account at http:\/\/localhost:\d+\/setup\?token=\S+$/m,
  );
  assert.match(
    output,
    /^ {2}! LOOM_PUBLIC_URL is http:\/\/localhost:8000: platforms cannot reach a local address/m,
  );
  assert.match(output, /^ {2}✗ No platform token: Loom cannot read pull requests or post reviews\.$/m);
  assert.match(output, /^ {2}✗ No model key: reviews cannot call a model\.$/m);
  // Not a terminal: the log lines stay JSON, and each problem is one of them for log collectors.
  assert.match(output, /\{"time":"[^"]+","level":"warn","message":"Set-up problem","check":"model-key"/);

  // The owner's dashboard shows the same problems first.
  const organization = await createOrganization(database.db, { name: "Acme" });
  const owner = await createUser(database.db, { email: "ada@acme.test", name: "Ada" });
  await addMembership(database.db, { userId: owner.id, organizationId: organization.id, role: "owner" });
  const { token } = await createSession(database.db, owner.id, { ttlMs: 3_600_000 });
  const response = await fetch(`${loom.url}/`, { headers: { cookie: `loom_session=${token}` } });
  const html = await response.text();
  assert.equal(response.status, 200);
  const panel = /<section class="panel attention" data-testid="doctor"[\s\S]*?<\/section>/.exec(html)?.[0] ??
    "";
  assert.ok(html.indexOf('data-testid="doctor"') < html.indexOf("<h1>Hello"), "the problems come first");
  for (const check of ["public-url", "platform-credential", "model-key", "repositories"]) {
    assert.match(panel, new RegExp(`data-check="${check}"`), check);
  }
  assert.match(panel, /LOOM_PUBLIC_URL is http:\/\/localhost:8000: platforms cannot reach a local address/);
  assert.match(panel, /No model key/);
});

Deno.test("start-up on a busy port exits non-zero with one line", async () => {
  await using database = await createE2eDatabase("sqlite");
  const env = {
    LOOM_DATABASE_URL: database.url,
    LOOM_SECRET_KEY: "startup-secret-key-startup-secret-key-0123",
  };
  await using first = await startLoom(env);
  const port = new URL(first.url).port;
  const second = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN],
    env: { ...env, LOOM_PORT: port, LOOM_HOSTNAME: "127.0.0.1", LOOM_LOG_FORMAT: "json" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(second.stderr);
  const stdout = new TextDecoder().decode(second.stdout);
  assert.equal(second.code, 1, stderr);
  assert.deepEqual(stderr.trim().split("\n"), [
    `Cannot start Loom: port ${port} on 127.0.0.1 is already in use; stop the other process or choose another ` +
    "port with LOOM_PORT",
  ]);
  assert.doesNotMatch(stdout + stderr, /^\s+at /m, "no stack trace");
});

Deno.test("start-up with a bad setting exits non-zero with one line naming it", async () => {
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN],
    env: { LOOM_PORT: "eighty", LOOM_LOG_FORMAT: "json" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(result.stderr).trim();
  assert.equal(result.code, 1);
  assert.match(stderr, /^Cannot start Loom: invalid environment: LOOM_PORT: [^\n]+$/);
});
