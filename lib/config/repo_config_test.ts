import assert from "node:assert/strict";
import { parseDocument } from "yaml";
import { loadServerConfig } from "./env.ts";
import { ConfigError } from "./errors.ts";
import {
  capSeverity,
  configOptions,
  decideReviewEvent,
  defaultRepoConfig,
  OutputConfig,
  parseRepoConfig,
  pathInstructionsFor,
  pipelineSteps,
  renderOptionDoc,
  RepoConfig,
  resolveModel,
  stepAppliesTo,
  urlIsUnder,
} from "./repo_config.ts";
import { editDistance, suggest } from "./suggest.ts";

/** Every option set to something other than its default. */
const FULL = `version: 1
triggers:
  events: [opened, ready_for_review]
  branches:
    include: [main, "release/**"]
    exclude: ["release/old/**"]
  paths:
    include: ["src/**", "!src/generated/**"]
    exclude: ["**/*.snap"]
  authors:
    include: ["alice", "renovate*"]
    exclude: ["intern-*"]
    bots: true
  drafts: true
models:
  default:
    provider: anthropic
    model: claude-sonnet-4-5
    api_key_env: ANTHROPIC_API_KEY
    temperature: 0.2
    max_output_tokens: 8192
    timeout_ms: 90000
    fallback: local
  local:
    provider: openai
    model: qwen2.5-coder:14b
    base_url: http://ollama.internal:11434/v1
personas:
  mentor:
    prompt: You are a patient senior engineer mentoring the team.
    tone: friendly
pipelines:
  default:
    - name: security
      type: llm
      enabled: true
      model: default
      prompt: builtin:security
      persona: mentor
      severity: warning
      paths:
        include: ["src/**"]
        exclude: ["src/vendor/**"]
    - name: conventions
      model: local
      prompt_file: .loom/prompts/conventions.md
    - name: licenses
      type: script
      script: .loom/scripts/licenses.ts
      severity: info
  nightly:
    - name: team-style
      prompt: library:team-style
      enabled: false
pipeline:
  mode: combined
  context_lines: 8
output:
  inline_comments: false
  summary: false
  max_comments: 5
  min_severity: warning
  request_changes_on: never
  approve_on: no_blockers
  comment_on: findings
  grouping: severity
  on_step_failure: neutral
path_instructions:
  - paths: ["src/api/**"]
    instructions: Every handler must check the caller's organization.
`;

const SERVER = loadServerConfig({
  LOOM_LLM_PROVIDER: "openai",
  LOOM_LLM_MODEL: "gpt-4o-mini",
  LOOM_LLM_API_KEY: "sk-server",
  LOOM_ALLOWED_KEY_ENVS: "ANTHROPIC_API_KEY,TEAM_OPENAI_KEY,UNSET_KEY",
  LOOM_ALLOWED_BASE_URLS: "http://ollama.internal:11434, https://gateway.example.com/v1/",
  ANTHROPIC_API_KEY: "sk-ant",
  TEAM_OPENAI_KEY: "sk-team",
  AWS_SECRET_ACCESS_KEY: "do-not-leak",
});

function configError(yaml: string): ConfigError {
  try {
    parseRepoConfig(yaml);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(yaml)} to be rejected`);
}

Deno.test("parseRepoConfig() reads every option of a full configuration", () => {
  const config = parseRepoConfig(FULL);
  assert.deepEqual(config, {
    version: 1,
    triggers: {
      events: ["opened", "ready_for_review"],
      branches: { include: ["main", "release/**"], exclude: ["release/old/**"] },
      paths: { include: ["src/**", "!src/generated/**"], exclude: ["**/*.snap"] },
      authors: { include: ["alice", "renovate*"], exclude: ["intern-*"], bots: true },
      drafts: true,
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
    },
    path_instructions: [{
      paths: ["src/api/**"],
      instructions: "Every handler must check the caller's organization.",
    }],
    pipeline: { mode: "combined", context_lines: 8 },
  });
});

/** Values at a documented option path (`pipelines.<name>[].name`) in plain data. */
function valuesAt(data: unknown, path: string): unknown[] {
  const segments = path.replaceAll("[]", ".[]").split(".");
  let current: unknown[] = [data];
  for (const segment of segments) {
    current = current.flatMap((value) => {
      if (value === null || typeof value !== "object") return [];
      if (segment === "[]") return Array.isArray(value) ? value : [];
      if (segment === "<name>") return Object.values(value);
      return segment in value ? [(value as Record<string, unknown>)[segment]] : [];
    });
  }
  return current;
}

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
    events: ["opened", "synchronize", "reopened", "ready_for_review"],
    branches: { include: ["**"], exclude: [] },
    paths: { include: ["**"], exclude: [] },
    authors: { include: [], exclude: [], bots: false },
    drafts: false,
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
  });
});

Deno.test("defaultRepoConfig() returns a fresh object each time", () => {
  const first = defaultRepoConfig();
  first.pipelines.default.pop();
  first.triggers.events.pop();
  assert.equal(defaultRepoConfig().pipelines.default.length, 3);
  assert.equal(defaultRepoConfig().triggers.events.length, 4);
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

interface BadCase {
  /** The documented option the case covers. */
  option: string;
  yaml: string;
  path: string;
  line: number;
  column: number;
  message: RegExp;
  suggestion?: string;
}

const STEP = "pipelines:\n  default:\n    - name: bugs\n";
const MODEL = "models:\n  m:\n    provider: openai\n    model: x\n";

/** One rejected value per option, each with the position the error must point at. */
const BAD_VALUES: BadCase[] = [
  {
    option: "version",
    yaml: "version: 2",
    path: "version",
    line: 1,
    column: 10,
    message: /Must be 1: current value is 2/,
  },
  {
    option: "triggers",
    yaml: "triggers: yes",
    path: "triggers",
    line: 1,
    column: 11,
    message: /Must be a mapping of options: current value is "yes"/,
  },
  {
    option: "triggers.events",
    yaml: "triggers:\n  events: opened",
    path: "triggers.events",
    line: 2,
    column: 11,
    message: /Must be a list: current value is "opened"/,
  },
  {
    option: "triggers.events",
    yaml: "triggers:\n  events: [opened, synchronise]",
    path: "triggers.events[1]",
    line: 2,
    column: 20,
    message:
      /Must be one of "opened", "synchronize", "reopened", "ready_for_review": current value is "synchronise"/,
    suggestion: "synchronize",
  },
  {
    option: "triggers.branches",
    yaml: "triggers:\n  branches: main",
    path: "triggers.branches",
    line: 2,
    column: 13,
    message: /Must be a mapping of options/,
  },
  {
    option: "triggers.branches.include",
    yaml: "triggers:\n  branches:\n    include: [main, '']",
    path: "triggers.branches.include[1]",
    line: 3,
    column: 21,
    message: /Must not be empty/,
  },
  {
    option: "triggers.branches.exclude",
    yaml: "triggers:\n  branches:\n    exclude: [1]",
    path: "triggers.branches.exclude[0]",
    line: 3,
    column: 15,
    message: /Must be a string: current value is 1/,
  },
  {
    option: "triggers.paths",
    yaml: "triggers:\n  paths: [src]",
    path: "triggers.paths",
    line: 2,
    column: 3,
    message: /Must be a mapping of options: current value is a list/,
  },
  {
    option: "triggers.paths.include",
    yaml: "triggers:\n  paths:\n    include: src/**",
    path: "triggers.paths.include",
    line: 3,
    column: 14,
    message: /Must be a list/,
  },
  {
    option: "triggers.paths.exclude",
    yaml: "triggers:\n  paths:\n    exclude: {a: 1}",
    path: "triggers.paths.exclude",
    line: 3,
    column: 5,
    message: /Must be a list: current value is a mapping/,
  },
  {
    option: "triggers.authors",
    yaml: "triggers:\n  authors: [alice]",
    path: "triggers.authors",
    line: 2,
    column: 3,
    message: /Must be a mapping of options/,
  },
  {
    option: "triggers.authors.include",
    yaml: "triggers:\n  authors:\n    include: alice",
    path: "triggers.authors.include",
    line: 3,
    column: 14,
    message: /Must be a list/,
  },
  {
    option: "triggers.authors.exclude",
    yaml: "triggers:\n  authors:\n    exclude: [[a]]",
    path: "triggers.authors.exclude[0]",
    line: 3,
    column: 15,
    message: /Must be a string: current value is a list/,
  },
  {
    option: "triggers.authors.bots",
    yaml: "triggers:\n  authors:\n    bots: yes",
    path: "triggers.authors.bots",
    line: 3,
    column: 11,
    message: /Must be true or false: current value is "yes"/,
  },
  {
    option: "triggers.drafts",
    yaml: "triggers:\n  drafts: 1",
    path: "triggers.drafts",
    line: 2,
    column: 11,
    message: /Must be true or false: current value is 1/,
  },
  {
    option: "models",
    yaml: "models: [a]",
    path: "models",
    line: 1,
    column: 1,
    message: /Must be a mapping of names/,
  },
  {
    option: "models.<name>",
    yaml: "models:\n  fast: gpt-4o",
    path: "models.fast",
    line: 2,
    column: 9,
    message: /Must be a mapping of options: current value is "gpt-4o"/,
  },
  {
    option: "models.<name>",
    yaml: "models:\n  'my model': {provider: openai, model: x}",
    path: "models.my model",
    line: 2,
    column: 3,
    message: /Invalid name "my model": Must start with a letter or digit/,
  },
  {
    option: "models.<name>.provider",
    yaml: "models:\n  m:\n    provider: opnai\n    model: x",
    path: "models.m.provider",
    line: 3,
    column: 15,
    message: /Must be one of "openai", "anthropic", "google": current value is "opnai"/,
    suggestion: "openai",
  },
  {
    option: "models.<name>.provider",
    yaml: "models:\n  m:\n    model: x",
    path: "models.m.provider",
    line: 2,
    column: 3,
    message: /Must be set: this option is required/,
  },
  {
    option: "models.<name>.model",
    yaml: "models:\n  m:\n    provider: openai",
    path: "models.m.model",
    line: 2,
    column: 3,
    message: /Must be set: this option is required/,
  },
  {
    option: "models.<name>.base_url",
    yaml: MODEL + "    base_url: ftp://models.example.com",
    path: "models.m.base_url",
    line: 5,
    column: 15,
    message: /Must be an http or https URL: current value is "ftp:\/\/models.example.com"/,
  },
  {
    option: "models.<name>.api_key_env",
    yaml: MODEL + "    api_key_env: my-key",
    path: "models.m.api_key_env",
    line: 5,
    column: 18,
    message: /Must be an environment variable name: current value is "my-key"/,
  },
  {
    option: "models.<name>.temperature",
    yaml: MODEL + "    temperature: 3",
    path: "models.m.temperature",
    line: 5,
    column: 18,
    message: /Must be at most 2: current value is 3/,
  },
  {
    option: "models.<name>.max_output_tokens",
    yaml: MODEL + "    max_output_tokens: 10.5",
    path: "models.m.max_output_tokens",
    line: 5,
    column: 24,
    message: /Must be a whole number: current value is 10.5/,
  },
  {
    option: "models.<name>.timeout_ms",
    yaml: MODEL + "    timeout_ms: 10",
    path: "models.m.timeout_ms",
    line: 5,
    column: 17,
    message: /Must be at least 1000: current value is 10/,
  },
  {
    option: "models.<name>.fallback",
    yaml: MODEL + "    fallback: nope",
    path: "models.m.fallback",
    line: 5,
    column: 15,
    message: /Must name a model in models: current value is "nope"/,
  },
  {
    option: "personas",
    yaml: "personas: strict",
    path: "personas",
    line: 1,
    column: 11,
    message: /Must be a mapping of names/,
  },
  {
    option: "personas.<name>",
    yaml: "personas:\n  strict: be strict",
    path: "personas.strict",
    line: 2,
    column: 11,
    message: /Must be a mapping of options/,
  },
  {
    option: "personas.<name>.prompt",
    yaml: "personas:\n  strict:\n    prompt: ''",
    path: "personas.strict.prompt",
    line: 3,
    column: 13,
    message: /Must not be empty/,
  },
  {
    option: "personas.<name>.tone",
    yaml: "personas:\n  strict:\n    prompt: Be strict.\n    tone: rude",
    path: "personas.strict.tone",
    line: 4,
    column: 11,
    message: /Must be one of "neutral", "friendly", "direct", "terse": current value is "rude"/,
  },
  {
    option: "pipelines",
    yaml: "pipelines: [bugs]",
    path: "pipelines",
    line: 1,
    column: 1,
    message: /Must be a mapping of names/,
  },
  {
    option: "pipelines.<name>",
    yaml: "pipelines:\n  default: bugs",
    path: "pipelines.default",
    line: 2,
    column: 12,
    message: /Must be a list: current value is "bugs"/,
  },
  {
    option: "pipelines.<name>[].name",
    yaml: "pipelines:\n  default:\n    - name: Bugs Check",
    path: "pipelines.default[0].name",
    line: 3,
    column: 13,
    message: /Must start with a letter or digit/,
  },
  {
    option: "pipelines.<name>[].name",
    yaml: "pipelines:\n  default:\n    - prompt: hi",
    path: "pipelines.default[0].name",
    line: 3,
    column: 7,
    message: /Must be set: this option is required/,
  },
  {
    option: "pipelines.<name>[].type",
    yaml: STEP + "      type: lint",
    path: "pipelines.default[0].type",
    line: 4,
    column: 13,
    message: /Must be one of "llm", "script": current value is "lint"/,
  },
  {
    option: "pipelines.<name>[].enabled",
    yaml: STEP + "      enabled: 'no'",
    path: "pipelines.default[0].enabled",
    line: 4,
    column: 16,
    message: /Must be true or false: current value is "no"/,
  },
  {
    option: "pipelines.<name>[].model",
    yaml: "models:\n  fast: {provider: openai, model: x}\n" + STEP + "      model: fsat",
    path: "pipelines.default[0].model",
    line: 6,
    column: 14,
    message: /Must name a model in models: current value is "fsat"/,
    suggestion: "fast",
  },
  {
    option: "pipelines.<name>[].prompt",
    yaml: STEP + "      prompt: builtin:securty",
    path: "pipelines.default[0].prompt",
    line: 4,
    column: 15,
    message:
      /Must name a built-in prompt \(security, bugs, performance, style, docs, tests\): current value is "securty"/,
    suggestion: "builtin:security",
  },
  {
    option: "pipelines.<name>[].prompt_file",
    yaml: STEP + "      prompt_file: ../secrets.md",
    path: "pipelines.default[0].prompt_file",
    line: 4,
    column: 20,
    message: /Must be a path relative to the repository root, without ".."/,
  },
  {
    option: "pipelines.<name>[].persona",
    yaml: "personas:\n  mentor: {prompt: Be kind.}\n" + STEP + "      persona: mentr",
    path: "pipelines.default[0].persona",
    line: 6,
    column: 16,
    message: /Must name a persona in personas: current value is "mentr"/,
    suggestion: "mentor",
  },
  {
    option: "pipelines.<name>[].severity",
    yaml: STEP + "      severity: critical",
    path: "pipelines.default[0].severity",
    line: 4,
    column: 17,
    message: /Must be one of "blocker", "warning", "info": current value is "critical"/,
  },
  {
    option: "pipelines.<name>[].paths",
    yaml: STEP + "      paths: src/**",
    path: "pipelines.default[0].paths",
    line: 4,
    column: 14,
    message: /Must be a mapping of options/,
  },
  {
    option: "pipelines.<name>[].paths.include",
    yaml: STEP + "      paths:\n        include: []\n        exclude: 3",
    path: "pipelines.default[0].paths.exclude",
    line: 6,
    column: 18,
    message: /Must be a list: current value is 3/,
  },
  {
    option: "pipelines.<name>[].paths.exclude",
    yaml: STEP + "      paths:\n        exclude: [~]",
    path: "pipelines.default[0].paths.exclude[0]",
    line: 5,
    column: 19,
    message: /Must be a string: current value is empty/,
  },
  {
    option: "pipelines.<name>[].script",
    yaml: "pipelines:\n  default:\n    - name: lint\n      type: script\n      script: /etc/passwd",
    path: "pipelines.default[0].script",
    line: 5,
    column: 15,
    message: /Must be a path relative to the repository root/,
  },
  {
    option: "pipeline",
    yaml: "pipeline: fast",
    path: "pipeline",
    line: 1,
    column: 11,
    message: /Must be a mapping of options/,
  },
  {
    option: "pipeline.mode",
    yaml: "pipeline:\n  mode: combind",
    path: "pipeline.mode",
    line: 2,
    column: 9,
    message: /Must be one of "separate", "combined": current value is "combind"/,
    suggestion: "combined",
  },
  {
    option: "pipeline.context_lines",
    yaml: "pipeline:\n  context_lines: lots",
    path: "pipeline.context_lines",
    line: 2,
    column: 18,
    message: /Must be "auto" or a whole number from 0 to 50/,
  },
  {
    option: "output",
    yaml: "output: quiet",
    path: "output",
    line: 1,
    column: 9,
    message: /Must be a mapping of options/,
  },
  {
    option: "output.inline_comments",
    yaml: "output:\n  inline_comments: on",
    path: "output.inline_comments",
    line: 2,
    column: 20,
    message: /Must be true or false: current value is "on"/,
  },
  {
    option: "output.summary",
    yaml: "output:\n  summary: 0",
    path: "output.summary",
    line: 2,
    column: 12,
    message: /Must be true or false/,
  },
  {
    option: "output.max_comments",
    yaml: "output:\n  max_comments: 500",
    path: "output.max_comments",
    line: 2,
    column: 17,
    message: /Must be at most 200: current value is 500/,
  },
  {
    option: "output.min_severity",
    yaml: "output:\n  min_severity: warn",
    path: "output.min_severity",
    line: 2,
    column: 17,
    message: /current value is "warn"/,
    suggestion: "warning",
  },
  {
    option: "output.request_changes_on",
    yaml: "output:\n  request_changes_on: always",
    path: "output.request_changes_on",
    line: 2,
    column: 23,
    message: /Must be one of "blocker", "warning", "info", "never"/,
  },
  {
    option: "output.approve_on",
    yaml: "output:\n  approve_on: true",
    path: "output.approve_on",
    line: 2,
    column: 15,
    message: /Must be one of "never", "no_findings", "no_blockers": current value is true/,
  },
  {
    option: "output.comment_on",
    yaml: "output:\n  comment_on: finding",
    path: "output.comment_on",
    line: 2,
    column: 15,
    message: /current value is "finding"/,
    suggestion: "findings",
  },
  {
    option: "output.on_step_failure",
    yaml: "output:\n  on_step_failure: neutrl",
    path: "output.on_step_failure",
    line: 2,
    column: 20,
    message: /Must be one of "fail", "neutral"/,
    suggestion: "neutral",
  },
  {
    option: "output.grouping",
    yaml: "output:\n  grouping: by_file",
    path: "output.grouping",
    line: 2,
    column: 13,
    message: /Must be one of "file", "severity", "step"/,
    suggestion: "file",
  },
  {
    option: "path_instructions",
    yaml: "path_instructions: Be careful",
    path: "path_instructions",
    line: 1,
    column: 20,
    message: /Must be a list/,
  },
  {
    option: "path_instructions[].paths",
    yaml: "path_instructions:\n  - paths: []\n    instructions: x",
    path: "path_instructions[0].paths",
    line: 2,
    column: 5,
    message: /Must list at least 1 item: current value is an empty list/,
  },
  {
    option: "path_instructions[].instructions",
    yaml: "path_instructions:\n  - paths: [a]",
    path: "path_instructions[0].instructions",
    line: 2,
    column: 5,
    message: /Must be set: this option is required/,
  },
];

Deno.test("parseRepoConfig() rejects a bad value of every option with its line and column", async (t) => {
  for (const bad of BAD_VALUES) {
    await t.step(`${bad.path}: ${bad.yaml.split("\n").at(-1)}`, () => {
      const error = configError(bad.yaml);
      assert.equal(error.issues.length, 1, error.message);
      const [issue] = error.issues;
      assert.equal(issue.path, bad.path);
      assert.match(issue.message, bad.message);
      assert.deepEqual([issue.line, issue.column], [bad.line, bad.column], error.message);
      assert.equal(issue.suggestion, bad.suggestion);
    });
  }
});

Deno.test("parseRepoConfig() error table covers every documented option", () => {
  const covered = new Set(BAD_VALUES.map((bad) => bad.option));
  const missing = configOptions().map((option) => option.path).filter((path) => !covered.has(path));
  assert.deepEqual(missing, []);
});

Deno.test("parseRepoConfig() reports unknown keys at every level with a suggestion", () => {
  const error = configError(`trigers:
  drafts: true
triggers:
  draft: true
  authors:
    bot: true
models:
  m:
    provider: openai
    model: x
    maxOutputTokens: 10
pipelines:
  default:
    - name: bugs
      severty: info
output:
  inlineComments: false
  colour: blue
`);
  assert.deepEqual(
    error.issues.map((issue) => [issue.path, issue.line, issue.column, issue.message, issue.suggestion]),
    [
      ["trigers", 1, 1, 'Unknown key "trigers"', "triggers"],
      ["triggers.draft", 4, 3, 'Unknown key "draft"', "drafts"],
      ["triggers.authors.bot", 6, 5, 'Unknown key "bot"', "bots"],
      ["models.m.maxOutputTokens", 11, 5, 'Unknown key "maxOutputTokens"', "max_output_tokens"],
      ["pipelines.default[0].severty", 15, 7, 'Unknown key "severty"', "severity"],
      ["output.inlineComments", 17, 3, 'Unknown key "inlineComments"', "inline_comments"],
      ["output.colour", 18, 3, 'Unknown key "colour"', undefined],
    ],
  );
});

Deno.test("parseRepoConfig() reports YAML syntax errors with line and column", async (t) => {
  const cases: { yaml: string; line: number; column: number; message: RegExp }[] = [
    { yaml: "triggers:\n  events: [opened\noutput: {}\n", line: 3, column: 1, message: /Invalid YAML: .*\]/ },
    {
      yaml: "output:\n  summary: true\n  summary: false\n",
      line: 3,
      column: 3,
      message: /Invalid YAML: Map keys must be unique/,
    },
    { yaml: "output:\n\tsummary: true\n", line: 2, column: 1, message: /Invalid YAML: .*[Tt]ab/ },
    {
      yaml: "models:\n  m: {provider: openai}\nfoo: bar: baz\n",
      line: 3,
      column: 6,
      message: /Invalid YAML: Nested mappings/,
    },
    { yaml: "a: 'unterminated\n", line: 2, column: 1, message: /Invalid YAML: Missing closing 'quote/ },
  ];
  for (const { yaml, line, column, message } of cases) {
    await t.step(JSON.stringify(yaml), () => {
      const error = configError(yaml);
      assert.ok(error.issues.length >= 1);
      assert.equal(error.issues[0].path, "");
      assert.match(error.issues[0].message, message);
      assert.deepEqual([error.issues[0].line, error.issues[0].column], [line, column], error.message);
    });
  }
});

Deno.test("parseRepoConfig() rejects an oversized file before parsing it", () => {
  const error = configError(`# ${"x".repeat(300_000)}\n`);
  assert.match(error.issues[0].message, /Must be at most 262144 characters: current size is 300003/);
});

Deno.test("parseRepoConfig() bounds YAML alias expansion", () => {
  const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
  for (let level = 1; level < 8; level++) {
    const previous = String.fromCharCode(96 + level);
    const current = String.fromCharCode(97 + level);
    bomb.push(`${current}: &${current} [${Array(10).fill(`*${previous}`).join(", ")}]`);
  }
  const error = configError(bomb.join("\n"));
  assert.match(error.issues[0].message, /^Invalid YAML: .*alias/i);
});

Deno.test("parseRepoConfig() rejects a document that is not a mapping", () => {
  for (const [yaml, state] of [["- a\n- b\n", "a list"], ["just text\n", '"just text"'], ["42\n", "42"]]) {
    const error = configError(yaml);
    assert.deepEqual(error.issues.map((issue) => [issue.path, issue.message, issue.line]), [
      ["", `Must be a mapping of options: current value is ${state}`, 1],
    ]);
  }
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

Deno.test("parseRepoConfig() lists every problem in one ConfigError, in file order", () => {
  const error = configError("output:\n  max_comments: -1\n  grouping: nope\ntriggers:\n  drafts: maybe\n");
  assert.deepEqual(error.issues.map((issue) => issue.line), [2, 3, 5]);
  assert.match(
    error.message,
    /^Cannot load "\.loom\/config\.yaml": 3 problems: output\.max_comments \(line 2, column 17\): /,
  );
  assert.equal(error.retryable, false);
});

Deno.test("ConfigError names the file and counts one problem in the singular", () => {
  try {
    parseRepoConfig("version: 3", { file: "examples/x.yaml" });
    assert.fail("expected an error");
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.equal(
      error.message,
      'Cannot load "examples/x.yaml": 1 problem: version (line 1, column 10): Must be 1: current value is 3',
    );
    assert.equal(error.file, "examples/x.yaml");
  }
});

Deno.test("ConfigError.toMarkdown() explains every problem for the pull request", () => {
  let error: ConfigError | undefined;
  try {
    parseRepoConfig("output:\n  grouping: by|file\ntriggers:\n  draft: true\n", { ref: "main" });
  } catch (caught) {
    error = caught as ConfigError;
  }
  assert.ok(error);
  const markdown = error.toMarkdown();
  assert.ok(markdown.startsWith("<!-- loom:config-error -->\n### Loom could not read `.loom/config.yaml`\n"));
  assert.match(markdown, /on the base branch `main` has 2 problems:/);
  assert.match(markdown, /\| Key \| Where \| Problem \|/);
  assert.match(
    markdown,
    /\| `output.grouping` \| line 2, column 13 \| Must be one of "file", "severity", "step": current value is "by\\\|file" \|/,
  );
  assert.match(
    markdown,
    /\| `triggers.draft` \| line 4, column 3 \| Unknown key "draft". Did you mean "drafts"\? \|/,
  );
  assert.match(markdown, /deno task config:check \.loom\/config\.yaml/);
  assert.doesNotMatch(markdown, /https?:\/\//);
});

Deno.test("ConfigError.toMarkdown() escapes HTML from the file", () => {
  const error = new ConfigError([{ path: "a", message: "Bad <img src=x onerror=alert(1)>\nnext" }]);
  const markdown = error.toMarkdown();
  assert.match(markdown, /Bad &lt;img src=x onerror=alert\(1\)&gt; next/);
  assert.match(markdown, /\| `a` \| – \|/);
});

Deno.test("ConfigError.toText() prints one file:line:column line per problem", () => {
  const error = new ConfigError([
    { path: "output.grouping", message: "Must be one of", line: 2, column: 13, suggestion: "file" },
    { path: "", message: "Top", line: 1 },
    { path: "models", message: "Unplaced" },
  ], { file: "c.yaml" });
  assert.equal(
    error.toText(),
    'c.yaml:2:13: output.grouping: Must be one of. Did you mean "file"?\nc.yaml:1: (top level): Top\nc.yaml: models: Unplaced',
  );
});

Deno.test("suggest() proposes close keys only", () => {
  assert.equal(suggest("trigers", ["triggers", "models"]), "triggers");
  assert.equal(suggest("maxComments", ["max_comments", "summary"]), "max_comments");
  assert.equal(suggest("severty", ["severity", "script"]), "severity");
  assert.equal(suggest("colour", ["grouping", "summary"]), undefined);
  assert.equal(suggest("", ["a"]), undefined);
  assert.equal(suggest("a", []), undefined);
  assert.equal(editDistance("ab", "ba"), 1);
  assert.equal(editDistance("kitten", "sitting"), 3);
});

Deno.test("resolveModel() gives the server's model for an undefined default", () => {
  assert.deepEqual(resolveModel(defaultRepoConfig(), "default", SERVER), {
    name: "default",
    provider: "openai",
    model: "gpt-4o-mini",
    apiKey: "sk-server",
  });
});

Deno.test("resolveModel() reads an allowed api_key_env and resolves the fallback chain", () => {
  const model = resolveModel(parseRepoConfig(FULL), "default", SERVER);
  assert.deepEqual(model, {
    name: "default",
    provider: "anthropic",
    model: "claude-sonnet-4-5",
    apiKey: "sk-ant",
    temperature: 0.2,
    maxOutputTokens: 8192,
    timeoutMs: 90000,
    fallback: {
      name: "local",
      provider: "openai",
      model: "qwen2.5-coder:14b",
      baseUrl: "http://ollama.internal:11434/v1",
    },
  });
});

Deno.test("resolveModel() rejects api_key_env outside the server allowlist", () => {
  const config = parseRepoConfig(MODEL + "    api_key_env: AWS_SECRET_ACCESS_KEY\n");
  assert.throws(() => resolveModel(config, "m", SERVER), (error) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.issues[0].path, "models.m.api_key_env");
    assert.match(error.issues[0].message, /Must be a variable the server allows \(LOOM_ALLOWED_KEY_ENVS\)/);
    assert.doesNotMatch(error.message, /do-not-leak/);
    return true;
  });
});

Deno.test("resolveModel() rejects an allowed api_key_env that the server has not set", () => {
  const config = parseRepoConfig(MODEL + "    api_key_env: UNSET_KEY\n");
  assert.throws(
    () => resolveModel(config, "m", SERVER),
    /Cannot read "UNSET_KEY": the server allows it but it is not set/,
  );
});

Deno.test("resolveModel() checks base_url against the server allowlist by origin and path", async (t) => {
  const cases: [string, boolean][] = [
    ["http://ollama.internal:11434/v1", true],
    ["http://ollama.internal:11434", true],
    ["https://gateway.example.com/v1", true],
    ["https://gateway.example.com/v1/openai", true],
    ["https://gateway.example.com/v2", false],
    ["https://gateway.example.com/v10", false],
    ["https://gateway.example.com.evil.test/v1", false],
    ["http://ollama.internal:8080/v1", false],
    ["https://ollama.internal:11434/v1", false],
    ["http://169.254.169.254/latest", false],
    ["https://user:pass@gateway.example.com/v1", false],
  ];
  for (const [url, allowed] of cases) {
    await t.step(`${url} is ${allowed ? "allowed" : "rejected"}`, () => {
      const config = parseRepoConfig(MODEL + `    base_url: ${url}\n`);
      if (allowed) assert.equal(resolveModel(config, "m", SERVER).baseUrl, url);
      else {assert.throws(() =>
          resolveModel(config, "m", SERVER), /Must start with a base URL the server allows/);}
    });
  }
});

Deno.test("resolveModel() allows the server's own base_url without an allowlist entry", () => {
  const server = loadServerConfig({
    LOOM_LLM_BASE_URL: "https://llm.corp.example/v1",
    LOOM_LLM_API_KEY: "sk-corp",
  });
  const config = parseRepoConfig(MODEL + "    base_url: https://llm.corp.example/v1/\n");
  assert.deepEqual(resolveModel(config, "m", server), {
    name: "m",
    provider: "openai",
    model: "x",
    baseUrl: "https://llm.corp.example/v1/",
    apiKey: "sk-corp",
  });
});

Deno.test("resolveModel() never sends the server key to an endpoint the repository chose", () => {
  const config = parseRepoConfig(MODEL + "    base_url: https://gateway.example.com/v1\n");
  assert.equal(resolveModel(config, "m", SERVER).apiKey, undefined);
  const otherProvider = parseRepoConfig("models:\n  m: {provider: google, model: gemini-2.5-pro}\n");
  assert.equal(resolveModel(otherProvider, "m", SERVER).apiKey, undefined);
  const sameEndpoint = parseRepoConfig("models:\n  m: {provider: openai, model: gpt-4o}\n");
  assert.equal(resolveModel(sameEndpoint, "m", SERVER).apiKey, "sk-server");
});

Deno.test("resolveModel() reports a violation in the fallback chain", () => {
  const config = parseRepoConfig(
    "models:\n  a: {provider: openai, model: x, fallback: b}\n  b: {provider: openai, model: y, base_url: 'https://evil.test/v1'}\n",
  );
  assert.throws(() => resolveModel(config, "a", SERVER), (error) => {
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.issues.map((issue) => issue.path), ["models.b.base_url"]);
    return true;
  });
});

Deno.test("resolveModel() rejects an unknown model name with a suggestion", () => {
  assert.throws(() => resolveModel(parseRepoConfig(FULL), "locl", SERVER), (error) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.issues[0].message, /Cannot find model "locl"/);
    assert.equal(error.issues[0].suggestion, "local");
    return true;
  });
});

Deno.test("urlIsUnder() treats an allowlist entry as an origin plus path prefix", () => {
  assert.equal(urlIsUnder("https://a.test/v1/x", "https://a.test/v1"), true);
  assert.equal(urlIsUnder("https://a.test/v1x", "https://a.test/v1"), false);
  assert.equal(urlIsUnder("https://a.test/anything", "https://a.test/"), true);
  assert.equal(urlIsUnder("https://a.test", "not a url"), false);
});

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

Deno.test("configOptions() describes and defaults every option", () => {
  for (const option of configOptions()) {
    assert.ok(option.description.length > 0, `${option.path} has no description`);
    assert.ok(/^[A-Z`"]/.test(option.description), `${option.path} description starts with a capital`);
    assert.ok(
      option.section || option.required || option.default !== undefined ||
        /unset|not set/i.test(option.description),
      `${option.path} has no default and does not say what unset means`,
    );
  }
});

/** `docs/config.md` split at `###` headings, with every fenced yaml block. */
async function readDocs() {
  const text = await Deno.readTextFile(new URL("../../docs/config.md", import.meta.url));
  const yamlBlocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => ({
    yaml: match[1],
    line: text.slice(0, match.index).split("\n").length + 1,
  }));
  const sections = new Map<string, string>();
  for (const part of text.split(/^(?=#{1,3} )/m)) {
    const heading = /^### `([^`]+)`/.exec(part);
    if (heading) sections.set(heading[1], part);
  }
  return { text, yamlBlocks, sections };
}

Deno.test("docs/config.md documents every option exactly as the schema describes it", async () => {
  const { text, sections } = await readDocs();
  // `deno fmt` rewraps prose, so compare with whitespace collapsed.
  const flat = (markdown: string) => markdown.replace(/\s+/g, " ");
  const options = configOptions();
  for (const option of options) {
    assert.ok(
      flat(text).includes(flat(renderOptionDoc(option))),
      `docs/config.md is missing or outdated for ${option.path}; expected:\n${renderOptionDoc(option)}`,
    );
  }
  assert.deepEqual([...sections.keys()], options.map((option) => option.path), "headings follow the schema");
});

Deno.test("docs/config.md gives every option an example that uses it and validates", async () => {
  const { sections } = await readDocs();
  for (const [path, section] of sections) {
    const example = /```yaml\n([\s\S]*?)```/.exec(section);
    assert.ok(example, `${path} has no yaml example`);
    const key = path.split(/[.[\]]+/).filter((segment) => segment !== "" && segment !== "<name>").at(-1)!;
    assert.match(
      example[1],
      new RegExp(`^\\s*(- )?${key}:`, "m"),
      `the example for ${path} does not set ${key}`,
    );
    parseRepoConfig(example[1]);
    if (!path.includes("<name>") && !path.includes("[]")) {
      assert.ok(
        valuesAt(parseDocument(example[1]).toJS(), path).length > 0,
        `the example for ${path} omits it`,
      );
    }
  }
});

Deno.test("docs/config.md has only valid yaml examples, and its default configuration is the real one", async () => {
  const { text, yamlBlocks } = await readDocs();
  for (const block of yamlBlocks) {
    try {
      parseRepoConfig(block.yaml);
    } catch (error) {
      assert.fail(`docs/config.md line ${block.line}: ${(error as Error).message}`);
    }
  }
  const defaults = /## Default configuration[\s\S]*?```yaml\n([\s\S]*?)```/.exec(text);
  assert.ok(defaults);
  assert.deepEqual(parseRepoConfig(defaults[1]), defaultRepoConfig());
});
