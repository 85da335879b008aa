import assert from "node:assert/strict";
import { startFakeAzureDevops } from "../../../tests/fakes/azure_devops.ts";
import { PlatformError, type PullRequestRef } from "../types.ts";
import { createAzureDevopsClient } from "./client.ts";
import { comparedChanges, MAX_COMPARED_CHANGES } from "./compare.ts";

const HEAD = "53d54ac915144006c2c9e90d2c7d3880920db49c";
const BASE = "a511f535b1ea495ee0c903badb68fbc83772c882";
const PUSHED = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c";
const PR: PullRequestRef = { platform: "azure_devops", repo: "Fabrikam/Fabrikam Web", number: 7 };
const APP = Array.from({ length: 12 }, (_, index) => `line ${index + 1}`).join("\n") + "\n";

function setup() {
  const fake = startFakeAzureDevops();
  fake.state.addPullRequest({
    repo: PR.repo,
    number: PR.number,
    title: "Compare",
    author: "ada",
    headSha: HEAD,
    baseSha: BASE,
    baseRef: "main",
    headRef: "feature/topic",
    files: {
      "src/app.ts": { base: APP, head: APP.replace("line 6\n", "line six\n") },
      "src/other.ts": { base: "a\n", head: "b\n" },
    },
  });
  fake.state.pushCommit(PR.repo, PR.number, {
    headSha: PUSHED,
    files: { "src/app.ts": APP.replace("line 6\n", "line six\n") + "line 13\n", "docs/new.md": "# New\n" },
  });
  const client = createAzureDevopsClient({
    baseUrl: fake.url,
    organization: fake.organization,
    token: fake.token,
  });
  return { fake, client };
}

Deno.test("createAzureDevopsClient().getCompareDiff() diffs only what the push changed, from diffs/commits and both versions", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  const diff = await client.getCompareDiff(PR, HEAD, PUSHED);
  assert.ok(diff !== null);
  assert.deepEqual(
    [...diff.matchAll(/^diff --git a\/(\S+)/gm)].map((match) => match[1]),
    ["docs/new.md", "src/app.ts"],
    "the file the push left alone is not in the comparison",
  );
  assert.match(diff, /^\+line 13$/m);
  assert.doesNotMatch(diff, /^[-+]line (6|six)$/m, "the earlier head's change is not in the comparison");
  const compared = fake.requests.find((request) => request.path.includes("/diffs/commits"))!;
  const query = new URL(compared.path, fake.url).searchParams;
  assert.deepEqual(
    ["baseVersion", "baseVersionType", "targetVersion", "targetVersionType", "diffCommonCommit"]
      .map((name) => query.get(name)),
    [HEAD, "commit", PUSHED, "commit", "true"],
  );
  const versions = fake.requests.filter((request) => request.path.includes("/items?"))
    .map((request) => new URL(request.path, fake.url).searchParams)
    .map((search) => `${search.get("path")}@${search.get("versionDescriptor.version")}`).sort();
  assert.deepEqual(
    versions,
    [`/docs/new.md@${PUSHED}`, `/src/app.ts@${HEAD}`, `/src/app.ts@${PUSHED}`].sort(),
  );
});

Deno.test("createAzureDevopsClient().getCompareDiff() is null for an unknown commit or one that is not an ancestor", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  assert.equal(await client.getCompareDiff(PR, "f".repeat(40), PUSHED), null, "force-pushed away (TF401175)");
  assert.equal(await client.getCompareDiff(PR, PUSHED, HEAD), null, "behind: not a push on top");
  fake.state.failNext(/diffs\/commits/, 503);
  await assert.rejects(
    client.getCompareDiff(PR, HEAD, PUSHED),
    (error: unknown) =>
      error instanceof PlatformError && error.retryable && /Cannot compare/.test(error.message),
  );
});

Deno.test("comparedChanges() drops folders, reads a rename's old path and refuses a comparison cut short", () => {
  const diffs = {
    commonCommit: HEAD,
    behindCount: 0,
    allChangesIncluded: true,
    changes: [
      { changeType: "edit", item: { path: "/src", gitObjectType: "tree", isFolder: true } },
      {
        changeType: "rename, edit",
        item: { path: "/src/b.ts", gitObjectType: "blob" },
        sourceServerItem: "/src/a.ts",
      },
    ],
  };
  assert.deepEqual(comparedChanges(diffs), [
    { changeType: "rename, edit", path: "/src/b.ts", originalPath: "/src/a.ts" },
  ]);
  assert.equal(comparedChanges({ ...diffs, allChangesIncluded: false }), null);
  const many = Array.from({ length: MAX_COMPARED_CHANGES }, (_, index) => ({
    changeType: "edit",
    item: { path: `/f${index}.ts`, gitObjectType: "blob" },
  }));
  assert.equal(comparedChanges({ ...diffs, changes: many }), null);
});
