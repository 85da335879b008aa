import assert from "node:assert/strict";
import { parse } from "yaml";
import { createOrganization } from "../db/organizations.ts";
import { createRepo } from "../db/repos.ts";
import { dbTest } from "../db/testing.ts";
import {
  editLearning,
  exportLearnings,
  importLearnings,
  LearningsFileError,
  listOrgLearnings,
  parseLearningsFile,
  proposeLearning,
} from "./mod.ts";

const NOW = Date.UTC(2026, 11, 6, 12);

dbTest(
  "exportLearnings() and importLearnings() carry an organization's learnings to another",
  async ({ db }) => {
    const from = await createOrganization(db, { name: "From" });
    const to = await createOrganization(db, { name: "To" });
    const api = await createRepo(db, {
      platform: "github",
      fullName: "acme/api",
      webhookSecret: "s",
      organizationId: from.id,
    });
    await createRepo(db, {
      platform: "gitlab",
      fullName: "acme/api",
      webhookSecret: "s",
      organizationId: to.id,
    });
    const scoped = await proposeLearning(db, {
      orgId: from.id,
      repoId: api.id,
      rule: "Scripts log to the console: that is their output.",
      pathGlobs: ["scripts/**"],
      suppress: { title: "Avoid console.log", step: "bugs" },
      source: { kind: "ignore", commentId: "77", prNumber: 4 },
      createdBy: "ada",
    }, NOW);
    await editLearning(db, scoped.id, { enabled: false }, "lin", NOW + 1);
    await proposeLearning(db, {
      orgId: from.id,
      repoId: null,
      rule: "Prefer early returns.",
      pathGlobs: [],
      source: { kind: "reaction", commentId: "9" },
      createdBy: "bob",
    }, NOW + 2);

    const text = await exportLearnings(db, from.id);
    assert.deepEqual(parse(text), {
      version: 1,
      learnings: [
        {
          rule: "Scripts log to the console: that is their output.",
          repository: "acme/api",
          platform: "github",
          paths: ["scripts/**"],
          suppress: { title: "avoid console.log", step: "bugs" },
          enabled: false,
          status: "active",
          source: { kind: "ignore", pull_request: 4, comment: "77" },
          created_by: "ada",
          created_at: new Date(NOW).toISOString(),
          updated_by: "lin",
          updated_at: new Date(NOW + 1).toISOString(),
        },
        {
          rule: "Prefer early returns.",
          enabled: true,
          status: "proposed",
          source: { kind: "reaction", comment: "9" },
          created_by: "bob",
          created_at: new Date(NOW + 2).toISOString(),
          updated_by: "bob",
          updated_at: new Date(NOW + 2).toISOString(),
        },
      ],
    });

    // Into the other organization, whose acme/api is on GitLab: the platform must be dropped or changed.
    await assert.rejects(importLearnings(db, to.id, text, "carol"), (error: LearningsFileError) => {
      assert.deepEqual(error.issues, [{
        path: "learnings[0].repository",
        message: 'No repository "acme/api" on github in this organization',
        line: 4,
        column: 17,
      }]);
      return true;
    });
    assert.deepEqual(await listOrgLearnings(db, to.id), [], "a file with a problem imports nothing");
    const fixed = text.replace("platform: github", "platform: gitlab");
    assert.deepEqual(await importLearnings(db, to.id, fixed, "carol", NOW + 5), {
      imported: 2,
      unchanged: 0,
    });
    const imported = (await listOrgLearnings(db, to.id)).reverse();
    assert.deepEqual(
      imported.map((l) => [l.repo?.platform ?? null, l.rule, l.enabled, l.status, l.source.kind]),
      [
        ["gitlab", "Scripts log to the console: that is their output.", false, "active", "import"],
        [null, "Prefer early returns.", true, "proposed", "import"],
      ],
    );
    assert.deepEqual(imported[0]!.suppress, { title: "avoid console.log", step: "bugs" });
    assert.equal(imported[0]!.createdBy, "carol");
    assert.deepEqual(await importLearnings(db, to.id, fixed, "carol"), { imported: 0, unchanged: 2 });
  },
);

Deno.test("parseLearningsFile() lists every problem with its line and column", () => {
  const text = [
    "version: 1",
    "learnings:",
    "  - rule: ''",
    "    paths: [src/**]",
    "  - rule: Fine.",
    "    enabled: sometimes",
    "    colour: blue",
  ].join("\n");
  try {
    parseLearningsFile(text);
    assert.fail("expected a LearningsFileError");
  } catch (error) {
    assert.ok(error instanceof LearningsFileError);
    assert.deepEqual(error.issues.map((issue) => [issue.line, issue.column, issue.path, issue.message]), [
      [3, 11, "learnings[0].rule", 'Must not be empty: current value is ""'],
      [6, 14, "learnings[1].enabled", 'Must be true or false: current value is "sometimes"'],
      [7, 5, "learnings[1].colour", 'Unknown key "colour"'],
    ]);
    assert.match(error.message, /line 3, column 11: learnings\[0\]\.rule: Must not be empty/);
  }
  assert.throws(() => parseLearningsFile("learnings: [\n"), (error: LearningsFileError) => {
    assert.equal(error.issues[0]!.line, 2);
    assert.match(error.issues[0]!.message, /^Invalid YAML/);
    return true;
  });
});
