import assert from "node:assert/strict";
import { parseDocument } from "yaml";
import { parseRepoConfig } from "./parse.ts";
import { configOptions } from "./reference.ts";
import { defaultRepoConfig, RepoConfig } from "./schema.ts";
import { configError, FULL, MODEL, STEP, valuesAt } from "./testing.ts";

Deno.test("parseRepoConfig() reads every option of a full configuration", () => {
  const config = parseRepoConfig(FULL);
  assert.deepEqual(config, {
    version: 1,
    triggers: {
      mode: "manual",
      events: ["opened", "ready_for_review"],
      branches: { include: ["main", "release/**"], exclude: ["release/old/**"] },
      paths: { include: ["src/**", "!src/generated/**"], exclude: ["**/*.snap"] },
      authors: { include: ["alice", "renovate*"], exclude: ["intern-*"], bots: true },
      drafts: true,
      labels: { include: ["ai-review"], exclude: ["no-review"] },
      title: { skip_keywords: ["WIP", "[skip review]"] },
    },
    models: {
      default: {
        provider: "anthropic",
        model: "claude-sonnet-4-5",
        api_key_env: "ANTHROPIC_API_KEY",
        temperature: 0.2,
        max_output_tokens: 8192,
        timeout_ms: 90000,
        fallback: "local",
      },
      local: { provider: "openai", model: "qwen2.5-coder:14b", base_url: "http://ollama.internal:11434/v1" },
    },
    personas: {
      mentor: { prompt: "You are a patient senior engineer mentoring the team.", tone: "friendly" },
    },
    pipelines: {
      default: [
        {
          name: "security",
          type: "llm",
          enabled: true,
          model: "default",
          prompt: "builtin:security",
          persona: "mentor",
          severity: "warning",
          paths: { include: ["src/**"], exclude: ["src/vendor/**"] },
        },
        {
          name: "conventions",
          type: "llm",
          enabled: true,
          model: "local",
          prompt_file: ".loom/prompts/conventions.md",
          severity: "blocker",
          paths: { include: ["**"], exclude: [] },
        },
        {
          name: "licenses",
          type: "script",
          enabled: true,
          model: "default",
          script: ".loom/scripts/licenses.ts",
          severity: "info",
          paths: { include: ["**"], exclude: [] },
        },
      ],
      nightly: [{
        name: "team-style",
        type: "llm",
        enabled: false,
        model: "default",
        prompt: "library:team-style",
        severity: "blocker",
        paths: { include: ["**"], exclude: [] },
      }],
    },
    output: {
      inline_comments: false,
      summary: false,
      max_comments: 5,
      min_severity: "warning",
      request_changes_on: "never",
      approve_on: "no_blockers",
      comment_on: "findings",
      grouping: "severity",
      on_step_failure: "neutral",
      resolve_fixed: false,
    },
    context: { symbols: false, callers: false, guidelines: false, max_share: 0.25 },
    path_instructions: [{
      paths: ["src/api/**"],
      instructions: "Every handler must check the caller's organization.",
    }],
    learnings: { enabled: false, max_rules: 5 },
    tickets: { enabled: false, max: 3 },
    pipeline: { mode: "combined", context_lines: 8 },
    describe: {
      auto: true,
      location: "comment",
      title: false,
      walkthrough: false,
      diagram: false,
      model: "local",
    },
  });
});

Deno.test("parseRepoConfig() full fixture sets every schema option away from its default", () => {
  const raw = parseDocument(FULL).toJS();
  // `version` has a single allowed value, so it cannot differ from its default.
  for (const option of configOptions().filter((option) => option.path !== "version")) {
    const values = valuesAt(raw, option.path);
    assert.ok(values.length > 0, `FULL does not set ${option.path}`);
    if (option.default !== undefined) {
      const defaults = valuesAt(RepoConfig.parse(raw), option.path);
      assert.ok(
        values.some((value) => JSON.stringify(value) !== option.default!.replaceAll(", ", ",")),
        `FULL leaves ${option.path} at its default ${option.default} (${JSON.stringify(defaults)})`,
      );
    }
  }
});

Deno.test("parseRepoConfig() gives the built-in default for an empty file", () => {
  for (const text of ["", "# nothing yet\n", "version: 1\n", "triggers:\noutput:\n"]) {
    assert.deepEqual(parseRepoConfig(text), defaultRepoConfig());
  }
});

Deno.test("defaultRepoConfig() reviews bugs, security and performance with the server's model", () => {
  const config = defaultRepoConfig();
  assert.deepEqual(config.models, {});
  assert.deepEqual(config.personas, {});
  assert.deepEqual(config.path_instructions, []);
  assert.deepEqual(
    config.pipelines.default.map((step) => [step.name, step.prompt, step.severity, step.model]),
    [
      ["bugs", "builtin:bugs", "blocker", "default"],
      ["security", "builtin:security", "blocker", "default"],
      ["performance", "builtin:performance", "warning", "default"],
    ],
  );
  assert.deepEqual(config.triggers, {
    mode: "auto",
    events: ["opened", "synchronize", "reopened", "ready_for_review", "edited"],
    branches: { include: ["**"], exclude: [] },
    paths: { include: ["**"], exclude: [] },
    authors: { include: [], exclude: [], bots: false },
    drafts: false,
    labels: { include: [], exclude: [] },
    title: { skip_keywords: ["[skip review]", "[loom skip]"] },
  });
  assert.deepEqual(config.output, {
    inline_comments: true,
    summary: true,
    max_comments: 25,
    min_severity: "info",
    request_changes_on: "blocker",
    approve_on: "never",
    comment_on: "always",
    grouping: "file",
    on_step_failure: "fail",
    resolve_fixed: true,
  });
});

Deno.test("defaultRepoConfig() returns a fresh object each time", () => {
  const first = defaultRepoConfig();
  first.pipelines.default.pop();
  first.triggers.events.pop();
  assert.equal(defaultRepoConfig().pipelines.default.length, 3);
  assert.equal(defaultRepoConfig().triggers.events.length, 5);
});

Deno.test("parseRepoConfig() keeps defaults for options a file leaves out", () => {
  const config = parseRepoConfig("output:\n  max_comments: 3\ntriggers:\n  drafts: true\n");
  assert.equal(config.output.max_comments, 3);
  assert.equal(config.output.min_severity, "info");
  assert.equal(config.triggers.drafts, true);
  assert.deepEqual(config.triggers.branches, { include: ["**"], exclude: [] });
  assert.equal(config.pipelines.default.length, 3);
});

Deno.test("parseRepoConfig() implies a built-in prompt for a step named like one", () => {
  const config = parseRepoConfig("pipelines:\n  default:\n    - name: tests\n");
  assert.equal(config.pipelines.default[0].prompt, undefined);
  assert.equal(config.pipelines.default[0].type, "llm");
});

Deno.test("parseRepoConfig() reports cross-reference problems at their keys", async (t) => {
  const cases: { name: string; yaml: string; issues: [string, number, number, RegExp, string?][] }[] = [
    {
      name: "missing default pipeline",
      yaml: "pipelines:\n  defualt:\n    - name: bugs\n",
      issues: [["pipelines", 1, 1, /Must define the "default" pipeline/, "defualt"]],
    },
    {
      name: "duplicate step names across pipelines",
      yaml: "pipelines:\n  default:\n    - name: bugs\n  extra:\n    - name: bugs\n",
      issues: [[
        "pipelines.extra[0].name",
        5,
        13,
        /Step name "bugs" is already used by pipelines.default\[0\]/,
      ]],
    },
    {
      name: "prompt and prompt_file together",
      yaml: STEP + "      prompt: Look for bugs.\n      prompt_file: bugs.md\n",
      issues: [["pipelines.default[0].prompt_file", 5, 20, /Set prompt or prompt_file, not both/]],
    },
    {
      name: "no prompt on a step without a built-in name",
      yaml: "pipelines:\n  default:\n    - name: custom\n",
      issues: [["pipelines.default[0]", 3, 7, /Step "custom" needs prompt or prompt_file/]],
    },
    {
      name: "empty library reference",
      yaml: STEP + "      prompt: 'library:'\n",
      issues: [["pipelines.default[0].prompt", 4, 15, /Must name a prompt after "library:"/]],
    },
    {
      name: "script on an llm step",
      yaml: STEP + "      script: check.ts\n",
      issues: [["pipelines.default[0].script", 4, 15, /Only steps with type "script" take a script/]],
    },
    {
      name: "script step without script",
      yaml: "pipelines:\n  default:\n    - name: lint\n      type: script\n",
      issues: [["pipelines.default[0]", 3, 7, /Script step "lint" needs script/]],
    },
    {
      name: "prompt and persona on a script step",
      yaml:
        "personas:\n  p: {prompt: x}\npipelines:\n  default:\n    - name: lint\n      type: script\n      script: a.ts\n      prompt: x\n      persona: p\n",
      issues: [
        ["pipelines.default[0].prompt", 8, 15, /Script steps take no prompt/],
        ["pipelines.default[0].persona", 9, 16, /Script steps take no persona/],
      ],
    },
    {
      name: "fallback to itself",
      yaml: MODEL + "    fallback: m\n",
      issues: [["models.m.fallback", 5, 15, /Must name another model: current value is "m"/]],
    },
    {
      name: "fallback loop",
      yaml:
        "models:\n  a: {provider: openai, model: x, fallback: b}\n  b: {provider: openai, model: y, fallback: a}\n",
      issues: [
        ["models.a.fallback", 2, 45, /Fallbacks form a loop: a → b → a/],
        ["models.b.fallback", 3, 45, /Fallbacks form a loop: b → a → b/],
      ],
    },
  ];
  for (const { name, yaml, issues } of cases) {
    await t.step(name, () => {
      const error = configError(yaml);
      assert.equal(error.issues.length, issues.length, error.message);
      issues.forEach(([path, line, column, message, suggestion], index) => {
        const issue = error.issues[index];
        assert.equal(issue.path, path);
        assert.deepEqual([issue.line, issue.column], [line, column], error.message);
        assert.match(issue.message, message);
        assert.equal(issue.suggestion, suggestion);
      });
    });
  }
});
