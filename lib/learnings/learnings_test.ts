import assert from "node:assert/strict";
import { createRepo } from "../db/repos.ts";
import { createOrganization } from "../db/organizations.ts";
import { dbTest } from "../db/testing.ts";
import type { Finding } from "../findings.ts";
import {
  activeLearningsFor,
  deleteLearning,
  editLearning,
  getLearning,
  type Learning,
  LearningInputError,
  learningsForPaths,
  listLearnings,
  partitionByLearnings,
  proposeLearning,
} from "./mod.ts";

const NOW = Date.UTC(2026, 11, 6, 12);

dbTest(
  "proposeLearning() stores a normalised learning once per source comment, scoped and attributed",
  async ({ db }) => {
    const org = await createOrganization(db, { name: "Acme" });
    const repo = await createRepo(db, {
      platform: "github",
      fullName: "acme/api",
      webhookSecret: "s",
      organizationId: org.id,
    });
    const other = await createRepo(db, {
      platform: "github",
      fullName: "acme/web",
      webhookSecret: "s",
      organizationId: org.id,
    });
    const input = {
      orgId: org.id,
      repoId: repo.id,
      rule: "  We log with console.log in scripts on purpose.  ",
      pathGlobs: ["scripts/**", " ", "scripts/**"],
      suppress: { title: "Avoid `console.log` on line 12." },
      source: {
        kind: "ignore" as const,
        url: "https://github.com/acme/api/pull/1#issuecomment-9",
        commentId: "9",
        prNumber: 1,
      },
      createdBy: "ada",
    };
    const learning = await proposeLearning(db, input, NOW);
    assert.equal(learning.rule, "We log with console.log in scripts on purpose.");
    assert.deepEqual(learning.pathGlobs, ["scripts/**"]);
    assert.deepEqual(learning.suppress, { title: "avoid console.log on line", step: null });
    assert.deepEqual(learning.source, { kind: "ignore", url: input.source.url, commentId: "9", prNumber: 1 });
    assert.equal(learning.status, "active");
    assert.equal(learning.enabled, true);
    assert.equal(learning.createdBy, "ada");
    assert.equal(learning.createdAt, NOW);

    const again = await proposeLearning(db, { ...input, rule: "something else" }, NOW + 1);
    assert.deepEqual(again, learning, "the same source comment proposes nothing new");
    assert.equal((await listLearnings(db, { repoId: repo.id })).length, 1);

    const reaction = await proposeLearning(db, {
      orgId: org.id,
      repoId: null,
      rule: "Do not comment on import order.",
      pathGlobs: [],
      source: { kind: "reaction", commentId: "44" },
      createdBy: "bob",
    }, NOW + 2);
    assert.equal(reaction.status, "proposed", "a reaction waits for approval");
    assert.deepEqual((await listLearnings(db, { orgId: org.id })).map((l) => l.id), [reaction.id]);
    assert.deepEqual(
      (await activeLearningsFor(db, { id: other.id, organizationId: org.id })).map((l) => l.id),
      [],
    );
    await editLearning(db, reaction.id, { status: "active" }, "carol", NOW + 3);
    assert.deepEqual(
      (await activeLearningsFor(db, { id: other.id, organizationId: org.id })).map((l) => l.id),
      [reaction.id],
      "an approved organization learning reaches every repository of it",
    );
    assert.deepEqual(
      (await activeLearningsFor(db, { id: repo.id, organizationId: org.id })).map((l) => l.id),
      [reaction.id, learning.id],
    );

    const disabled = await editLearning(
      db,
      learning.id,
      { enabled: false, rule: "Scripts may log." },
      "carol",
      NOW + 4,
    );
    assert.equal(disabled?.enabled, false);
    assert.equal(disabled?.rule, "Scripts may log.");
    assert.equal(disabled?.updatedBy, "carol");
    assert.equal(disabled?.updatedAt, NOW + 4);
    assert.deepEqual(
      (await activeLearningsFor(db, { id: repo.id, organizationId: org.id })).map((l) => l.id),
      [reaction.id],
    );

    assert.equal(await deleteLearning(db, learning.id), true);
    assert.equal(await getLearning(db, learning.id), null);
    assert.equal(await deleteLearning(db, learning.id), false);
    assert.equal(await editLearning(db, learning.id, { enabled: true }, "carol"), null);
  },
);

dbTest(
  "proposeLearning() refuses an empty rule, no scope, too many globs and an empty title",
  async ({ db }) => {
    const repo = await createRepo(db, { platform: "gitlab", fullName: "g/r", webhookSecret: "s" });
    const base = {
      orgId: null,
      repoId: repo.id,
      rule: "Fine.",
      pathGlobs: [],
      source: { kind: "ignore" as const },
      createdBy: "ada",
    };
    await assert.rejects(proposeLearning(db, { ...base, rule: "  " }), LearningInputError);
    await assert.rejects(proposeLearning(db, { ...base, rule: "x".repeat(1_001) }), /at most 1000/);
    await assert.rejects(proposeLearning(db, { ...base, repoId: null }), /repository or an organization/);
    await assert.rejects(
      proposeLearning(db, { ...base, pathGlobs: Array.from({ length: 21 }, (_, i) => `d${i}/**`) }),
      /at most 20/,
    );
    await assert.rejects(
      proposeLearning(db, { ...base, suppress: { title: " `` " } }),
      /title to suppress is empty/,
    );
    const stored = await proposeLearning(db, base);
    assert.equal(stored.orgId, null, "a repository without an organization keeps repository learnings");
    assert.deepEqual((await activeLearningsFor(db, { id: repo.id, organizationId: null })).map((l) => l.id), [
      stored.id,
    ]);
  },
);

function learning(overrides: Partial<Learning>): Learning {
  return {
    id: 1,
    orgId: 1,
    repoId: 1,
    rule: "A rule.",
    pathGlobs: [],
    suppress: null,
    source: { kind: "ignore", url: null, commentId: null, prNumber: null },
    enabled: true,
    status: "active",
    createdBy: "ada",
    createdAt: NOW,
    updatedBy: "ada",
    updatedAt: NOW,
    ...overrides,
  };
}

function finding(overrides: Partial<Finding>): Finding {
  return {
    path: "src/a.ts",
    line: 3,
    side: "RIGHT",
    severity: "warning",
    title: "T",
    body: "B",
    step: "bugs",
    ...overrides,
  };
}

Deno.test("learningsForPaths() takes matching rules, most specific and newest first, within the budget", () => {
  const org = learning({ id: 1, repoId: null, rule: "Org rule." });
  const repoWide = learning({ id: 2, rule: "Repo rule.", updatedAt: NOW + 5 });
  const scoped = learning({ id: 3, rule: "Scripts rule.", pathGlobs: ["scripts/**"] });
  const elsewhere = learning({ id: 4, rule: "Docs rule.", pathGlobs: ["docs/**"] });
  const all = [org, repoWide, scoped, elsewhere];
  assert.deepEqual(learningsForPaths(all, ["scripts/run.ts"]).map((l) => l.id), [3, 2, 1]);
  assert.deepEqual(learningsForPaths(all, ["src/a.ts"]).map((l) => l.id), [2, 1]);
  assert.deepEqual(
    learningsForPaths(all, ["scripts/run.ts"], { maxRules: 2, maxTokens: 2_000 }).map((l) => l.id),
    [3, 2],
  );
  const long = learning({ id: 5, rule: "x".repeat(400), updatedAt: NOW + 9 });
  assert.deepEqual(
    learningsForPaths([long, repoWide], ["src/a.ts"], { maxRules: 20, maxTokens: 50 }).map((l) => l.id),
    [2],
    "a rule over the tokens left is skipped, a shorter one still fits",
  );
});

Deno.test("partitionByLearnings() holds back the same pattern on any line, file in scope and step", () => {
  const suppressing = learning({
    id: 7,
    suppress: { title: "avoid console.log in scripts", step: null },
    pathGlobs: ["scripts/**"],
  });
  const stepOnly = learning({ id: 8, suppress: { title: "missing await", step: "bugs" } });
  const { kept, suppressed } = partitionByLearnings([suppressing, stepOnly], [
    finding({ path: "scripts/x.ts", title: "Avoid `console.log` in scripts.", line: 90 }),
    finding({ path: "src/x.ts", title: "Avoid console.log in scripts" }),
    finding({ title: "Missing await", step: "bugs" }),
    finding({ title: "Missing await", step: "security" }),
    finding({ path: "scripts/x.ts", title: "Avoid console.error in scripts" }),
    finding({ path: "scripts/y.ts", title: "Avoid using console.log in scripts" }),
    finding({ path: "scripts/y.ts", title: "Missing await", step: "bugs" }),
    finding({ path: "scripts/y.ts", title: "Missing await on save", step: "bugs" }),
    finding({ path: "scripts/y.ts", title: "Await", step: "bugs" }),
  ]);
  assert.deepEqual(suppressed.map((s) => [s.finding.path, s.finding.title, s.learning.id]), [
    ["scripts/x.ts", "Avoid `console.log` in scripts.", 7],
    ["src/a.ts", "Missing await", 8],
    ["scripts/y.ts", "Avoid using console.log in scripts", 7],
    ["scripts/y.ts", "Missing await", 8],
  ]);
  assert.deepEqual(kept.map((f) => `${f.path} ${f.step} ${f.title}`), [
    "src/x.ts bugs Avoid console.log in scripts",
    "src/a.ts security Missing await",
    "scripts/x.ts bugs Avoid console.error in scripts",
    "scripts/y.ts bugs Missing await on save",
    "scripts/y.ts bugs Await",
  ]);
});
