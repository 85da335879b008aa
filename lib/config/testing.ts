/**
 * Fixtures for tests of the repository configuration and of the review policy that reads it: a file that sets
 * every option away from its default, small snippets to build bad files from, and helpers to catch the error
 * a bad file raises and to read values at a documented option path.
 */
import assert from "node:assert/strict";
import { ConfigError } from "./errors.ts";
import { parseRepoConfig } from "./parse.ts";

/** Every option set to something other than its default. */
export const FULL = `version: 1
triggers:
  mode: manual
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
  labels:
    include: [ai-review]
    exclude: [no-review]
  title:
    skip_keywords: [WIP, "[skip review]"]
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
  resolve_fixed: false
context:
  symbols: false
  callers: false
  guidelines: false
  max_share: 0.25
path_instructions:
  - paths: ["src/api/**"]
    instructions: Every handler must check the caller's organization.
learnings:
  enabled: false
  max_rules: 5
tickets:
  enabled: false
  max: 3
describe:
  auto: true
  location: comment
  title: false
  walkthrough: false
  diagram: false
  model: local
`;

/** The `ConfigError` parsing `yaml` raises; fails the test when it parses or throws something else. */
export function configError(yaml: string): ConfigError {
  try {
    parseRepoConfig(yaml);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(yaml)} to be rejected`);
}

/** Values at a documented option path (`pipelines.<name>[].name`) in plain data. */
export function valuesAt(data: unknown, path: string): unknown[] {
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

/** One rejected value of an option and the position its error must point at. */
export interface BadCase {
  /** The documented option the case covers. */
  option: string;
  yaml: string;
  path: string;
  line: number;
  column: number;
  message: RegExp;
  suggestion?: string;
}

/** A file whose default pipeline has the one step "bugs"; a case appends keys of that step. */
export const STEP = "pipelines:\n  default:\n    - name: bugs\n";
/** A file with the one model "m"; a case appends keys of that model. */
export const MODEL = "models:\n  m:\n    provider: openai\n    model: x\n";
