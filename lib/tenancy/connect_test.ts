/**
 * Connecting proves access, on every platform (all six), through the real clients against the fakes: the organization's
 * own token reads the repository (its stable id is stored), a repository that token cannot read is refused with
 * the platform's answer, a token the platform refuses is named as such, and a repository connected already is
 * refused with the same words whoever holds it.
 */
import assert from "node:assert/strict";
import { dbTest } from "../db/testing.ts";
import { createOrganization } from "../db/organizations.ts";
import { saveCredential } from "../db/credentials.ts";
import { listRepos } from "../db/repos.ts";
import { createSecretBox } from "../crypto/secret_box.ts";
import { loadServerConfig } from "../config/env.ts";
import type { PlatformId } from "../platform_id.ts";
import { configuredHost } from "../platforms/hosts.ts";
import { ConnectError, connectRepo, parseRepoName } from "./connect.ts";
import { startFakeGitHub } from "../../tests/fakes/github.ts";
import { startFakeGitLab } from "../../tests/fakes/gitlab.ts";
import { startFakeGitea } from "../../tests/fakes/gitea.ts";
import { startFakeBitbucket } from "../../tests/fakes/bitbucket.ts";
import { startFakeAzureDevops } from "../../tests/fakes/azure_devops.ts";
import { startFakeBitbucketServer } from "../../tests/fakes/bitbucket_server.ts";

interface PlatformCase {
  platform: PlatformId;
  /** The repository the first organization's token reads, and one it cannot. */
  readable: string;
  hidden: string;
  start(access: Record<string, string[]>): { env: Record<string, string>; close(): Promise<void> };
}

const CASES: PlatformCase[] = [
  {
    platform: "github",
    readable: "acme/app",
    hidden: "acme/private-repo",
    start(access) {
      const fake = startFakeGitHub({
        tokens: Object.fromEntries(Object.keys(access).map((token) => [token, `user-${token}`])),
        access,
      });
      return { env: { LOOM_GITHUB_API_URL: fake.url }, close: fake.close };
    },
  },
  {
    platform: "gitlab",
    readable: "acme/sub/app",
    hidden: "acme/sub/private-repo",
    start(access) {
      const fake = startFakeGitLab({ access });
      return { env: { LOOM_GITLAB_URL: fake.url }, close: fake.close };
    },
  },
  {
    platform: "gitea",
    readable: "acme/app",
    hidden: "acme/private-repo",
    start(access) {
      const fake = startFakeGitea({ access });
      return { env: { LOOM_GITEA_URL: fake.url }, close: fake.close };
    },
  },
  {
    platform: "bitbucket",
    readable: "acme/app",
    hidden: "acme/private-repo",
    start(access) {
      const fake = startFakeBitbucket({ access });
      return { env: { LOOM_BITBUCKET_URL: fake.apiUrl }, close: fake.close };
    },
  },
  {
    platform: "bitbucket_server",
    readable: "ACME/app",
    hidden: "ACME/private-repo",
    start(access) {
      const fake = startFakeBitbucketServer({ access });
      return { env: { LOOM_BITBUCKET_SERVER_URL: fake.url }, close: fake.close };
    },
  },
  {
    platform: "azure_devops",
    readable: "Acme/app",
    hidden: "Acme/private-repo",
    start(access) {
      const fake = startFakeAzureDevops({ access });
      return { env: { LOOM_AZURE_DEVOPS_URL: `${fake.url}/${fake.organization}` }, close: fake.close };
    },
  },
];

for (const testCase of CASES) {
  dbTest(
    `connecting a ${testCase.platform} repository proves the organization's token can read it`,
    async ({ db }) => {
      const secretBox = await createSecretBox("connect-test-key-connect-test-key-000000");
      const first = await createOrganization(db, { name: "Acme" });
      const second = await createOrganization(db, { name: "Beta" });
      const tokenA = `token-a-${testCase.platform}`;
      const tokenB = `token-b-${testCase.platform}`;
      const fake = testCase.start({ [tokenA]: [testCase.readable], [tokenB]: [testCase.readable] });
      try {
        // No server token at all: only the organizations' own credentials can be used.
        const server = loadServerConfig(fake.env);
        const host = configuredHost(testCase.platform, server)!;
        assert.match(host, /^127\.0\.0\.1:\d+$/);
        const deps = { db, secretBox, server };
        const connect = (organizationId: number, fullName: string) =>
          connectRepo(deps, {
            organizationId,
            platform: testCase.platform,
            fullName,
            webhookSecret: "whsec",
          });
        const refusal = async (organizationId: number, fullName: string): Promise<ConnectError> => {
          const error = await connect(organizationId, fullName).then(
            () => assert.fail(`${fullName} must be refused`),
            (caught: unknown) => caught,
          );
          assert.ok(error instanceof ConnectError, String(error));
          return error;
        };

        // Without any credential the refusal says what to add.
        const none = await refusal(first.id, testCase.readable);
        assert.equal(none.status, 400);
        assert.match(none.message, /credential .* in organization acme: add one under Settings → API keys/);

        await saveCredential(db, secretBox, {
          organizationId: first.id,
          kind: testCase.platform,
          name: "team",
          value: tokenA,
        });
        const { repo } = await connect(first.id, testCase.readable);
        assert.equal(repo.organizationId, first.id);
        assert.equal(repo.host, host);
        assert.match(repo.platformRepoId ?? "", /\S/, "the platform's stable id is stored");
        assert.equal(await secretBox.decrypt(repo.webhookSecret), "whsec");

        // The token cannot read it: refused with the platform's answer, and nothing is stored.
        const hidden = await refusal(first.id, testCase.hidden);
        assert.equal(hidden.status, 403);
        assert.match(hidden.message, /credential "team" cannot read it .* answered 404/);

        // Another organization whose own token reads the same repository still cannot claim it, and is not told
        // who holds it.
        await saveCredential(db, secretBox, {
          organizationId: second.id,
          kind: testCase.platform,
          name: "beta",
          value: tokenB,
        });
        const taken = await refusal(second.id, testCase.readable.toUpperCase());
        assert.equal(taken.status, 409);
        assert.match(taken.message, /already connected to Loom/);
        assert.doesNotMatch(
          taken.message.replace(new RegExp(testCase.readable, "i"), "<name>"),
          /acme|beta/i,
          "the holder is not named",
        );

        // A token the platform does not accept is named as such.
        await saveCredential(db, secretBox, {
          organizationId: second.id,
          kind: testCase.platform,
          name: "beta",
          value: "revoked-token",
        });
        const revoked = await refusal(second.id, testCase.hidden);
        assert.equal(revoked.status, 403);
        assert.match(revoked.message, /refused the organization's .* credential "beta" \(401\)/);

        assert.deepEqual((await listRepos(db)).map((row) => row.fullName.toLowerCase()), [
          testCase.readable.toLowerCase(),
        ]);
        assert.deepEqual(await listRepos(db, second.id), []);
      } finally {
        await fake.close();
      }
    },
  );
}

Deno.test("a URL where owner/name is expected is refused with the name it most likely means", () => {
  assert.throws(
    () => parseRepoName("https://github.com/acme/app.git"),
    /is a URL, not a repository name: use owner\/name: for github\.com, type "acme\/app"/,
  );
  assert.throws(
    () => parseRepoName("gitlab.example.com/group/sub/project/-/merge_requests/4"),
    /for gitlab\.example\.com, type "group\/sub\/project"/,
  );
  assert.throws(() => parseRepoName("just-a-name"), /is not a repository name: use owner\/name/);
  assert.equal(parseRepoName(" /acme/app/ "), "acme/app");
});
