import assert from "node:assert/strict";
import { parseRepoConfig } from "../config/parse.ts";
import { defaultRepoConfig, OutputConfig } from "../config/schema.ts";
import { FULL } from "../config/testing.ts";
import {
  capSeverity,
  decideReviewEvent,
  pathInstructionsFor,
  pipelineSteps,
  stepAppliesTo,
} from "./policy.ts";

Deno.test("stepAppliesTo() follows the step's path filter and enabled flag", () => {
  const [security] = parseRepoConfig(FULL).pipelines.default;
  assert.equal(stepAppliesTo(security, "src/auth.ts"), true);
  assert.equal(stepAppliesTo(security, "src/vendor/lib.js"), false);
  assert.equal(stepAppliesTo(security, "README.md"), false);
  assert.equal(stepAppliesTo({ ...security, enabled: false }, "src/auth.ts"), false);
});

Deno.test("pathInstructionsFor() returns matching instructions in file order", () => {
  const config = parseRepoConfig(`path_instructions:
  - paths: ["**/*.sql"]
    instructions: Migrations must be reversible.
  - paths: ["services/**", "!services/legacy/**"]
    instructions: Use the shared HTTP client.
  - paths: ["**"]
    instructions: Keep functions short.
`);
  assert.deepEqual(pathInstructionsFor(config, "services/api/db/001.sql"), [
    "Migrations must be reversible.",
    "Use the shared HTTP client.",
    "Keep functions short.",
  ]);
  assert.deepEqual(pathInstructionsFor(config, "services/legacy/a.ts"), ["Keep functions short."]);
  assert.deepEqual(pathInstructionsFor(defaultRepoConfig(), "a.ts"), []);
});

Deno.test("pipelineSteps() returns enabled steps and rejects unknown pipelines", () => {
  const config = parseRepoConfig(FULL);
  assert.deepEqual(pipelineSteps(config).map((step) => step.name), ["security", "conventions", "licenses"]);
  assert.deepEqual(pipelineSteps(config, "nightly"), []);
  assert.throws(
    () => pipelineSteps(config, "weekly"),
    /Cannot find pipeline "weekly": the configuration defines default, nightly/,
  );
});

Deno.test("capSeverity() lowers findings above the step's severity", () => {
  assert.equal(capSeverity({ severity: "warning" }, "blocker"), "warning");
  assert.equal(capSeverity({ severity: "warning" }, "info"), "info");
  assert.equal(capSeverity({ severity: "blocker" }, "blocker"), "blocker");
});

Deno.test("decideReviewEvent() follows request_changes_on, approve_on and comment_on", async (t) => {
  const output = (overrides: Record<string, unknown>) => OutputConfig.parse(overrides);
  const cases: [string, Record<string, unknown>, ("blocker" | "warning" | "info")[], string | null][] = [
    ["a blocker requests changes by default", {}, ["info", "blocker"], "REQUEST_CHANGES"],
    ["warnings only comment by default", {}, ["warning"], "COMMENT"],
    ["no findings comment by default", {}, [], "COMMENT"],
    ["never requesting changes comments instead", { request_changes_on: "never" }, ["blocker"], "COMMENT"],
    [
      "a warning threshold catches warnings",
      { request_changes_on: "warning" },
      ["warning"],
      "REQUEST_CHANGES",
    ],
    ["findings below min_severity do not count", { min_severity: "warning", request_changes_on: "info" }, [
      "info",
    ], "COMMENT"],
    ["approve when nothing was found", { approve_on: "no_findings" }, [], "APPROVE"],
    ["no approval with findings", { approve_on: "no_findings" }, ["info"], "COMMENT"],
    ["approve without blockers", { approve_on: "no_blockers" }, ["warning"], "APPROVE"],
    ["hidden findings still allow approval", { approve_on: "no_findings", min_severity: "blocker" }, [
      "warning",
    ], "APPROVE"],
    ["comment only with findings", { comment_on: "findings" }, [], null],
    ["comment with findings", { comment_on: "findings" }, ["info"], "COMMENT"],
    ["never comment", { comment_on: "never" }, ["info"], null],
  ];
  for (const [name, overrides, severities, expected] of cases) {
    await t.step(name, () => assert.equal(decideReviewEvent(output(overrides), severities), expected));
  }
});
