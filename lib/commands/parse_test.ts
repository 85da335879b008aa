import assert from "node:assert/strict";
import { isLoomComment } from "../markers.ts";
import { parseCommand } from "./parse.ts";

Deno.test("parseCommand() reads each verb at the start of a line, in any case", () => {
  assert.deepEqual(parseCommand("@loom review"), { kind: "review" });
  assert.deepEqual(parseCommand("Thanks!\n\n@Loom PAUSE"), { kind: "pause" });
  assert.deepEqual(parseCommand("  @loom: resume please"), { kind: "resume" });
  assert.deepEqual(parseCommand("@loom"), { kind: "help" });
  assert.deepEqual(parseCommand("@loom help"), { kind: "help" });
  assert.deepEqual(parseCommand("@loom deploy now"), { kind: "unknown", verb: "deploy" });
});

Deno.test("parseCommand() takes the rest of the comment as the question of ask, and of explain, its alias", () => {
  assert.deepEqual(parseCommand("@loom ask why is the TTL a year?\nAnd is it configurable?"), {
    kind: "ask",
    question: "why is the TTL a year?\nAnd is it configurable?",
  });
  assert.deepEqual(parseCommand("@loom explain why is the TTL a year?"), {
    kind: "ask",
    question: "why is the TTL a year?",
  });
  assert.deepEqual(parseCommand("@loom ask"), { kind: "help" });
  assert.deepEqual(parseCommand("@loom explain"), { kind: "help" });
});

Deno.test("parseCommand() takes the rest of the line, unquoted, as the finding of ignore", () => {
  assert.deepEqual(parseCommand('@loom ignore "Off-by-one in evict loop"\nthanks'), {
    kind: "ignore",
    finding: "Off-by-one in evict loop",
  });
  assert.deepEqual(parseCommand("@loom ignore 0123456789abcdef"), {
    kind: "ignore",
    finding: "0123456789abcdef",
  });
});

Deno.test("parseCommand() ignores mentions inside sentences, code blocks, quotes and addresses", () => {
  assert.equal(parseCommand("I will ask @loom review later"), null);
  assert.equal(parseCommand("```\n@loom review\n```"), null);
  assert.equal(parseCommand("> @loom review\n\nDone."), null);
  assert.equal(parseCommand("mail me at ada@loom.dev"), null);
  assert.equal(parseCommand("@loomy review"), null);
  assert.equal(parseCommand("no command here"), null);
});

Deno.test("isLoomComment() recognises the hidden markers of Loom's comments", () => {
  assert.equal(isLoomComment("Paused.\n\n<!-- loom:reply to=12 -->"), true);
  assert.equal(isLoomComment("## Loom review\n<!-- loom:summary head=abc -->"), true);
  assert.equal(isLoomComment("@loom review"), false);
});

Deno.test("parseCommand() reads an ignore's reason, paths and scope; without a reason it is per pull request", () => {
  assert.deepEqual(
    parseCommand("@loom ignore Avoid console.log in scripts because scripts print on purpose"),
    {
      kind: "ignore",
      finding: "Avoid console.log in scripts",
      reason: "scripts print on purpose",
      scope: "repository",
      paths: [],
    },
  );
  assert.deepEqual(
    parseCommand(
      "@loom ignore Avoid console.log in scripts/**, tools/*.ts for the organization because they print",
    ),
    {
      kind: "ignore",
      finding: "Avoid console.log",
      reason: "they print",
      scope: "organization",
      paths: ["scripts/**", "tools/*.ts"],
    },
  );
  assert.deepEqual(
    parseCommand('@loom ignore "Retry because of 502s" for the org in src/** because we retry'),
    {
      kind: "ignore",
      finding: "Retry because of 502s",
      reason: "we retry",
      scope: "organization",
      paths: ["src/**"],
    },
  );
  assert.deepEqual(parseCommand("@loom ignore Unused import\nbecause the plugin API\nre-exports it"), {
    kind: "ignore",
    finding: "Unused import",
    reason: "the plugin API\nre-exports it",
    scope: "repository",
    paths: [],
  });
  assert.deepEqual(parseCommand("@loom ignore Unused import\nReason: re-exported"), {
    kind: "ignore",
    finding: "Unused import",
    reason: "re-exported",
    scope: "repository",
    paths: [],
  });
  assert.deepEqual(parseCommand("@loom ignore Unused import in src/** because"), {
    kind: "ignore",
    finding: "Unused import in src/**",
  });
  assert.deepEqual(parseCommand("@loom ignore Unused import in parser\nthanks!"), {
    kind: "ignore",
    finding: "Unused import in parser",
  });
});
