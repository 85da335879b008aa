import assert from "node:assert/strict";
import { dbTest } from "../db/testing.ts";
import { createRepo, getRepo } from "../db/repos.ts";
import { createOrganization } from "../db/organizations.ts";
import { recordFindings, startReview } from "../db/reviews.ts";
import { listIgnoredFindings } from "../db/pull_requests.ts";
import { activeLearningsFor, listLearnings } from "../learnings/mod.ts";
import { ignoreCommand } from "./ignore.ts";
import { parseCommand } from "./parse.ts";
import type { IgnoreCommand } from "./parse.ts";

async function seed(db: Parameters<typeof ignoreCommand>[0]["db"], organizationId: number | null) {
  const created = await createRepo(db, {
    platform: "gitlab",
    fullName: `g/r${organizationId ?? "x"}`,
    webhookSecret: "s",
    organizationId,
  });
  const repo = (await getRepo(db, created.id))!;
  const reviewId = await startReview(db, {
    repoId: repo.id,
    prNumber: 3,
    headSha: "h",
    title: "t",
    author: "a",
  });
  await recordFindings(db, reviewId, [{
    path: "src/a.ts",
    line: 2,
    side: "RIGHT",
    severity: "warning",
    title: "Unbounded retry loop",
    body: "…",
    step: "bugs",
    fingerprint: "0123456789abcdef",
    placement: "inline",
  }]);
  const replies: string[] = [];
  const run = (body: string, commentId = "c1") =>
    ignoreCommand({ db, publicUrl: "https://loom.test/" }, {
      key: { repoId: repo.id, prNumber: 3 },
      repo,
      command: parseCommand(body) as IgnoreCommand,
      author: "ada",
      commentId,
      post: (text) => Promise.resolve(void replies.push(text)),
    });
  return { repo, replies, run };
}

dbTest(
  "ignoreCommand() with `for the organization` teaches every repository of it, once per comment",
  async ({ db }) => {
    const organization = await createOrganization(db, { name: "Acme" });
    const { repo, replies, run } = await seed(db, organization.id);
    const other = await createRepo(db, {
      platform: "gitlab",
      fullName: "g/other",
      webhookSecret: "s",
      organizationId: organization.id,
    });
    const body =
      "@loom ignore 0123456789abcdef in src/** for the organization because we retry forever on purpose";
    await run(body);
    await run(body);
    const learnings = await listLearnings(db, { orgId: organization.id });
    assert.equal(learnings.length, 1, "the same comment proposes once");
    assert.equal(learnings[0]!.repoId, null);
    assert.deepEqual(learnings[0]!.pathGlobs, ["src/**"]);
    assert.deepEqual(learnings[0]!.suppress, { title: "unbounded retry loop", step: null });
    assert.deepEqual(
      (await activeLearningsFor(db, { id: other.id, organizationId: organization.id })).map((l) => l.id),
      [learnings[0]!.id],
    );
    assert.match(replies[0]!, /later pull requests in any repository of this organization in `src\/\*\*`/);
    assert.match(replies[0]!, new RegExp(`https://loom\\.test/learnings/${learnings[0]!.id}$`));
    assert.deepEqual(
      (await listIgnoredFindings(db, { repoId: repo.id, prNumber: 3 })).map((f) => f.fingerprint),
      ["0123456789abcdef"],
    );
  },
);

dbTest(
  "ignoreCommand() says why it remembered nothing: no organization, unknown title, bad reason",
  async ({ db }) => {
    const { repo, replies, run } = await seed(db, null);
    await run("@loom ignore Unbounded retry loop for the organization because we retry");
    assert.match(replies[0]!, /belongs to no organization/);
    await run("@loom ignore feedfacefeedface because it is fine");
    assert.match(replies[1]!, /I do not know its title/);
    await run(`@loom ignore Unbounded retry loop because ${"x".repeat(1_001)}`);
    assert.match(replies[2]!, /could not remember it: The rule is 1001 characters long; at most 1000/);
    assert.deepEqual(await listLearnings(db, { repoId: repo.id }), []);
    await run("@loom ignore Unbounded retry loop because we retry on purpose", "c9");
    assert.match(
      replies[3]!,
      /nor on later pull requests in this repository, and later reviews get your reason/,
    );
    assert.equal((await listLearnings(db, { repoId: repo.id }))[0]!.rule, "we retry on purpose");
  },
);
