/**
 * Every way of connecting a repository proves access first: the dashboard's Connect form, `POST /api/repos` and
 * `deno task repo:add --org` each refuse a repository the organization's token cannot read (the fake GitHub
 * answers 404 to that token), accept one it can read — which then shows on that organization's dashboard — and
 * `repo:add` refuses a URL where `owner/name` is expected, with the name to type.
 */
import assert from "node:assert/strict";
import { createApp } from "../../app.ts";
import { createSecretBox } from "../../lib/crypto/secret_box.ts";
import { saveCredential } from "../../lib/db/credentials.ts";
import { addMembership, createOrganization } from "../../lib/db/organizations.ts";
import { listRepos } from "../../lib/db/repos.ts";
import { createUser } from "../../lib/db/users.ts";
import { loadServerConfig } from "../../lib/config/env.ts";
import { startFakeGitHub } from "../fakes/github.ts";
import { createTestDeps, TEST_SECRET_KEY } from "../support/app_server.ts";
import { createE2eDatabase } from "../support/loom_process.ts";
import { signedIn } from "../security/harness.ts";

const TOKEN = "ghp_acme_connect_token_0000000000000000";

async function repoAdd(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; output: string }> {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../tools/add_repo.ts", import.meta.url).pathname, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  });
  const result = await command.output();
  const decoder = new TextDecoder();
  return { code: result.code, output: decoder.decode(result.stdout) + decoder.decode(result.stderr) };
}

for (const dialect of ["sqlite", "postgres"] as const) {
  Deno.test(`the dashboard, the API and repo:add refuse a repository the token cannot read [${dialect}]`, async () => {
    await using database = await createE2eDatabase(dialect);
    const db = database.db;
    await using github = startFakeGitHub({
      tokens: { [TOKEN]: "acme-bot" },
      access: { [TOKEN]: ["acme/app", "acme/cli", "acme/tool"] },
    });
    const env = { LOOM_SECRET_KEY: TEST_SECRET_KEY, LOOM_GITHUB_API_URL: github.url };
    const box = await createSecretBox(TEST_SECRET_KEY);
    await createOrganization(db, { name: "Other" });
    const acme = await createOrganization(db, { name: "Acme" });
    const admin = await createUser(db, { email: "ada@acme.test", name: "Ada" });
    await addMembership(db, { userId: admin.id, organizationId: acme.id, role: "admin" });
    await saveCredential(db, box, { organizationId: acme.id, kind: "github", name: "bot", value: TOKEN });
    const app = createApp(await createTestDeps(db, { config: loadServerConfig(env) }));
    const client = await signedIn(app, db, admin);

    // The dashboard's Connect form.
    const refused = await client.request("/repos", {
      method: "POST",
      form: { platform: "github", fullName: "acme/private-repo" },
    });
    assert.equal(refused.status, 403);
    assert.match(
      await refused.text(),
      /credential (&quot;|&#34;|")bot(&quot;|&#34;|") cannot read it .*answered 404/,
    );
    const connected = await client.request("/repos", {
      method: "POST",
      form: { platform: "github", fullName: "acme/app" },
    });
    await connected.body?.cancel();
    assert.equal(connected.status, 303);

    // The JSON API.
    const apiRefused = await client.request("/api/repos", {
      method: "POST",
      json: { platform: "github", fullName: "acme/private-repo" },
    });
    assert.equal(apiRefused.status, 403);
    assert.match(JSON.stringify(await apiRefused.json()), /cannot read it/);
    const apiConnected = await client.request("/api/repos", {
      method: "POST",
      json: { platform: "github", fullName: "acme/cli" },
    });
    assert.equal(apiConnected.status, 201);
    const body = await apiConnected.json();
    assert.equal(body.fullName, "acme/cli");
    assert.match(body.webhookUrl, new RegExp(`/api/webhooks/github\\?repo=${body.id}$`));
    assert.match(body.platformRepoId, /^\d+$/);

    // `repo:add` for the organization, as the operator runs it.
    const processEnv = { ...env, LOOM_DATABASE_URL: database.url, NO_COLOR: "1" };
    const hidden = await repoAdd(processEnv, "github", "acme/private-repo", "--org", "acme");
    assert.equal(hidden.code, 1, hidden.output);
    assert.match(hidden.output, /cannot read it .*answered 404/);
    const url = await repoAdd(processEnv, "github", "https://github.com/acme/app.git", "--org", "acme");
    assert.equal(url.code, 1, url.output);
    assert.match(
      url.output,
      /is a URL, not a repository name: use owner\/name: for github\.com, type "acme\/app"/,
    );
    const ambiguous = await repoAdd(processEnv, "github", "acme/app");
    assert.equal(ambiguous.code, 1, ambiguous.output);
    assert.match(ambiguous.output, /Say which organization .*--org other\|acme/);

    const added = await repoAdd(processEnv, "github", "acme/tool", "--org", "acme");
    assert.equal(added.code, 0, added.output);
    assert.match(
      added.output,
      /Connected github:acme\/tool \(id \d+\)\.\nWebhook URL: .*\/api\/webhooks\/github\?repo=\d+/,
    );

    // Everything connected shows on the organization's dashboard, nothing refused was stored.
    assert.deepEqual(
      (await listRepos(db, acme.id)).map((repo) => repo.fullName),
      ["acme/app", "acme/cli", "acme/tool"],
    );
    const page = await client.request("/repos", {});
    assert.match(await page.text(), /acme\/tool/);
  });
}
