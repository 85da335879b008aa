import assert from "node:assert/strict";
import { dbTest } from "../db/testing.ts";
import { createOrganization } from "../db/organizations.ts";
import { saveCredential } from "../db/credentials.ts";
import { createRepo } from "../db/repos.ts";
import { createUser } from "../db/users.ts";
import { claimInstallation, recordInstallation } from "../db/github_installations.ts";
import { createSecretBox } from "../crypto/secret_box.ts";
import { loadServerConfig } from "../config/env.ts";
import type { ResolvedModel } from "../config/models.ts";
import { MissingCredentialError, resolveModelKeys, resolvePlatformCredential } from "./credentials.ts";

const SERVER_ENV = { LOOM_GITHUB_TOKEN: "ghp_server", LOOM_LLM_API_KEY: "sk-server" };

async function setUp(
  db: Parameters<Parameters<typeof dbTest>[1]>[0]["db"],
  env: Record<string, string> = {},
) {
  const secretBox = await createSecretBox("tenancy-test-key-tenancy-test-key-0000");
  const first = await createOrganization(db, { name: "Acme" });
  const second = await createOrganization(db, { name: "Beta" });
  const server = loadServerConfig({ ...SERVER_ENV, ...env });
  const repoOf = (organizationId: number, host = "github.com") =>
    createRepo(db, {
      platform: "github",
      host,
      fullName: `o${organizationId}/app`,
      webhookSecret: "s",
      organizationId,
    });
  return { deps: { db, secretBox, server }, secretBox, first, second, repoOf };
}

dbTest(
  "an organization's own token is used for its repositories, on the host it was saved for",
  async ({ db }) => {
    const { deps, secretBox, first, second, repoOf } = await setUp(db, {
      LOOM_SHARE_SERVER_CREDENTIALS: "all",
    });
    await saveCredential(db, secretBox, {
      organizationId: second.id,
      kind: "github",
      name: "team",
      value: "ghp_beta",
    });
    const secondRepo = await repoOf(second.id);
    const resolved = await resolvePlatformCredential(deps, secondRepo);
    assert.deepEqual([resolved.source, resolved.name, resolved.token], ["organization", "team", "ghp_beta"]);
    // The same organization's repository on a GitHub Enterprise host does not get the github.com token; the
    // server's is only for its configured instance, so nothing is left.
    const enterprise = { ...secondRepo, host: "ghe.example.com" };
    await assert.rejects(
      () => resolvePlatformCredential(deps, enterprise),
      (error: unknown) => error instanceof MissingCredentialError && /ghe\.example\.com/.test(error.message),
    );
    // Another organization never sees it: it gets the lent server token.
    const other = await resolvePlatformCredential(deps, await repoOf(first.id));
    assert.deepEqual([other.source, other.token], ["server", undefined]);
  },
);

dbTest("the server's credentials go to the first organization only unless lent", async ({ db }) => {
  const { deps, first, second, repoOf } = await setUp(db);
  const firstRepo = await repoOf(first.id);
  const secondRepo = await repoOf(second.id);
  assert.equal((await resolvePlatformCredential(deps, firstRepo)).source, "server");
  const error = await resolvePlatformCredential(deps, secondRepo).then(
    () => assert.fail("the second organization must not get the server's token"),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof MissingCredentialError);
  assert.equal(error.retryable, false);
  assert.match(error.message, /No GitHub credential for github\.com in organization beta/);
  assert.match(error.message, /LOOM_SHARE_SERVER_CREDENTIALS/);

  const lentToBeta = {
    ...deps,
    server: loadServerConfig({ ...SERVER_ENV, LOOM_SHARE_SERVER_CREDENTIALS: "beta" }),
  };
  assert.equal((await resolvePlatformCredential(lentToBeta, secondRepo)).source, "server");
  await assert.rejects(() => resolvePlatformCredential(lentToBeta, firstRepo), MissingCredentialError);
});

dbTest(
  "model keys: the organization's own key, else the lent server key, else a clear refusal",
  async ({ db }) => {
    const { deps, secretBox, first, second } = await setUp(db);
    const model: ResolvedModel = {
      name: "default",
      provider: "openai",
      model: "gpt-4o-mini",
      apiKey: "sk-server",
      fallback: { name: "backup", provider: "anthropic", model: "claude", apiKey: "sk-server-anthropic" },
    };
    const firstKeys = await resolveModelKeys(deps, first.id);
    assert.equal(firstKeys.apply(model).apiKey, "sk-server", "lent to the first organization");

    const refused = await resolveModelKeys(deps, second.id);
    assert.throws(() => refused.apply(model), /No OpenAI key in organization beta/);
    await saveCredential(db, secretBox, {
      organizationId: second.id,
      kind: "openai",
      name: "k",
      value: "sk-beta",
    });
    const partial = await resolveModelKeys(deps, second.id);
    assert.throws(() => partial.apply(model), /No Anthropic key in organization beta for model "backup"/);
    await saveCredential(db, secretBox, {
      organizationId: second.id,
      kind: "anthropic",
      name: "k",
      value: "sk-ant-beta",
    });
    const own = (await resolveModelKeys(deps, second.id)).apply(model);
    assert.deepEqual([own.apiKey, own.fallback?.apiKey], ["sk-beta", "sk-ant-beta"]);
    // A keyless local endpoint needs no key.
    const local = {
      name: "local",
      provider: "openai",
      model: "llama",
      baseUrl: "http://127.0.0.1:11434/v1",
    } as const;
    assert.equal(refused.apply(local).apiKey, undefined);
  },
);

dbTest(
  "a GitHub App installation is a repository's credential only for the organization that claimed it, while active",
  async ({ db }) => {
    const { first, second } = await setUp(db);
    const server = loadServerConfig({
      ...SERVER_ENV,
      LOOM_GITHUB_APP_ID: "9",
      LOOM_GITHUB_APP_PRIVATE_KEY: "pem",
    });
    const deps = { db, server };
    const user = await createUser(db, { email: "owner@acme.test", name: "Owner" });
    const account = {
      host: "github.com",
      installationId: 77,
      accountLogin: "acme-gh",
      accountId: 1,
      accountType: "Organization",
    };
    await claimInstallation(db, account, { organizationId: first.id, userId: user.id });
    const repoOf = (organizationId: number) =>
      createRepo(db, {
        platform: "github",
        host: "github.com",
        fullName: `o${organizationId}/app`,
        webhookSecret: "s",
        organizationId,
        installationId: 77,
      });
    const own = await repoOf(first.id);
    assert.equal((await resolvePlatformCredential(deps, own)).source, "installation");
    // Another organization's row naming the same installation id does not borrow it.
    const borrowed = await resolvePlatformCredential(deps, await repoOf(second.id)).then(
      () => assert.fail("another organization's installation must not be used"),
      (caught: unknown) => caught,
    );
    assert.ok(borrowed instanceof MissingCredentialError);
    assert.match(borrowed.message, /installation 77 does not serve organization beta/);
    // Suspended: not even its owner's repositories use it.
    await recordInstallation(db, account, { status: "suspended" });
    await assert.rejects(() => resolvePlatformCredential(deps, own), MissingCredentialError);
  },
);
