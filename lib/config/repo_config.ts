/**
 * `.loom/config.yaml` (version 1): the zod schema with every default, YAML parsing with line/column errors,
 * model resolution against the server allowlists, and the path helpers the review engine uses.
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { z } from "zod";
import type { ServerConfig } from "./env.ts";
import { CONFIG_PATH, ConfigError, type ConfigIssue } from "./errors.ts";
import { suggest } from "./suggest.ts";
import { compileFilter, compileGlobs } from "./globs.ts";

/** Prompts shipped with Loom in `lib/config/prompts/<name>.md`, referenced as `builtin:<name>`. */
export const BUILTIN_PROMPT_NAMES = ["security", "bugs", "performance", "style", "docs", "tests"] as const;
export type BuiltinPromptName = typeof BUILTIN_PROMPT_NAMES[number];

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const Name = z.string().regex(NAME_PATTERN, {
  error: 'Must start with a letter or digit and use only letters, digits, ".", "-" and "_"',
});
const Glob = z.string().min(1);
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A file path inside the repository: relative, without `..`, so it cannot point outside the checkout. */
const RepoPath = z.string().min(1).refine(
  (path) => !path.startsWith("/") && !path.split(/[\\/]/).includes("..") && !/^[A-Za-z]:/.test(path),
  { error: 'Must be a path relative to the repository root, without ".."' },
);

const SEVERITIES = ["blocker", "warning", "info"] as const;
const SEVERITY_RANK: Record<typeof SEVERITIES[number], number> = { blocker: 0, warning: 1, info: 2 };
const Severity = z.enum(SEVERITIES);

const TRIGGER_EVENTS = ["opened", "synchronize", "reopened", "ready_for_review"] as const;

/** Which changed files count, as an include/exclude pair of ordered glob lists. */
export const PathFilter = z.object({
  include: z.array(Glob).default(() => ["**"]).describe(
    'Globs of file paths to include. A leading "!" negates a pattern and the last matching pattern wins.',
  ),
  exclude: z.array(Glob).default(() => []).describe(
    "Globs of file paths to leave out, even when they match `include`.",
  ),
}).strict();
export type PathFilter = z.infer<typeof PathFilter>;

const BranchFilter = z.object({
  include: z.array(Glob).default(() => ["**"]).describe(
    'Globs of base (target) branch names to review. A leading "!" negates and the last matching pattern wins.',
  ),
  exclude: z.array(Glob).default(() => []).describe("Globs of base branch names never to review."),
}).strict();

const AuthorFilter = z.object({
  include: z.array(Glob).default(() => []).describe(
    "Logins (globs, case-insensitive) whose pull requests are reviewed. Empty means everyone.",
  ),
  exclude: z.array(Glob).default(() => []).describe(
    "Logins (globs, case-insensitive) whose pull requests are never reviewed.",
  ),
  bots: z.boolean().default(false).describe(
    "Review pull requests opened by bots. A bot matched by a non-empty `include` is reviewed either way.",
  ),
}).strict();

/** When Loom reviews a pull request. */
export const TriggersConfig = z.object({
  events: z.array(z.enum(TRIGGER_EVENTS)).default(() => [...TRIGGER_EVENTS]).describe(
    "Pull-request events that start a review. An empty list turns automatic reviews off.",
  ),
  branches: BranchFilter.default(() => BranchFilter.parse({})).describe(
    "Which base branches pull requests must target to be reviewed.",
  ),
  paths: PathFilter.default(() => PathFilter.parse({})).describe(
    "A review runs when at least one changed file passes this filter.",
  ),
  authors: AuthorFilter.default(() => AuthorFilter.parse({})).describe("Whose pull requests are reviewed."),
  drafts: z.boolean().default(false).describe("Review draft pull requests too."),
}).strict();
export type TriggersConfig = z.infer<typeof TriggersConfig>;

/** One named model. The shape `docs/providers.md` documents. */
export const ModelConfig = z.object({
  provider: z.enum(["openai", "anthropic", "google"]).describe(
    "API family. `openai` also covers OpenAI-compatible servers such as Ollama, vLLM, Groq and Together.",
  ),
  model: z.string().min(1).describe("The provider's model id."),
  base_url: z.url({ protocol: /^https?$/, error: "Must be an http or https URL" }).optional().describe(
    "API endpoint. Must start with an entry of the server's LOOM_ALLOWED_BASE_URLS; unset means the provider's own.",
  ),
  api_key_env: z.string().regex(ENV_NAME_PATTERN, { error: "Must be an environment variable name" })
    .optional()
    .describe(
      "Server environment variable holding the API key. Must be listed in the server's LOOM_ALLOWED_KEY_ENVS. " +
        "Unset means the server's own key, sent only to the server's own provider and endpoint.",
    ),
  temperature: z.number().min(0).max(2).optional().describe(
    "Sampling temperature; unset means the provider's.",
  ),
  max_output_tokens: z.int().min(1).max(1_000_000).optional().describe(
    "Most tokens one answer may use; unset means the provider's limit.",
  ),
  timeout_ms: z.int().min(1000).max(900_000).optional().describe(
    "Milliseconds one request may take before it is abandoned and retried; unset means the client's default.",
  ),
  fallback: Name.optional().describe(
    "Name of another model to use when this one keeps failing; unset means no fallback.",
  ),
}).strict();
export type ModelConfig = z.infer<typeof ModelConfig>;

/** A named reviewer voice: the system prompt and tone of the steps that use it. */
export const PersonaConfig = z.object({
  prompt: z.string().min(1).describe(
    "System prompt describing who the reviewer is and what they care about.",
  ),
  tone: z.enum(["neutral", "friendly", "direct", "terse"]).default("neutral").describe(
    "How comments are worded.",
  ),
}).strict();
export type PersonaConfig = z.infer<typeof PersonaConfig>;

/** One step of a review pipeline. */
export const PipelineStep = z.object({
  name: Name.describe("Unique step name, shown in comments and used to recognize them on later pushes."),
  type: z.enum(["llm", "script"]).default("llm").describe(
    "`llm` asks a model; `script` runs a Deno script from the repository in a sandbox.",
  ),
  enabled: z.boolean().default(true).describe("Set to false to keep a step in the file without running it."),
  model: Name.default("default").describe(
    'Name of the model in `models` (llm steps); "default" is the server\'s.',
  ),
  prompt: z.string().min(1).optional().describe(
    "Inline instructions, `builtin:<name>` for a prompt shipped with Loom, or `library:<name>` for the dashboard " +
      "prompt library. Unset on a step named like a built-in prompt means that prompt.",
  ),
  prompt_file: RepoPath.optional().describe(
    "Instructions from a Markdown file in the repository, read from the base branch. A missing file whose name " +
      "is a built-in prompt (`security.md`) falls back to that prompt. Unset when the step uses `prompt`.",
  ),
  persona: Name.optional().describe(
    "Name of a persona in `personas` giving this step its system prompt; unset means Loom's standard reviewer.",
  ),
  severity: Severity.default("blocker").describe(
    "Highest severity this step may report; more severe findings are lowered to it.",
  ),
  paths: PathFilter.default(() => PathFilter.parse({})).describe("Files this step reviews."),
  script: RepoPath.optional().describe(
    "The Deno script a script step runs, a path in the repository read from the base branch. Unset on llm steps.",
  ),
}).strict();
export type PipelineStep = z.infer<typeof PipelineStep>;

/** How the llm steps of a pipeline call the model. */
export const PipelineOptions = z.object({
  mode: z.enum(["separate", "combined"]).default("separate").describe(
    "`separate` makes one model call per llm step and chunk of the diff; the calls share the diff as a cached " +
      "prompt prefix. `combined` reviews all llm steps' concerns in one call per chunk (steps using the same " +
      "model), each finding tagged with its step, for the lowest cost.",
  ),
  context_lines: z.union([z.literal("auto"), z.int().min(0).max(50)], {
    error: 'Must be "auto" or a whole number from 0 to 50',
  }).default("auto").describe(
    "Unchanged lines shown to the model above and below each change. `auto` shows 4 for pull requests of up to " +
      "10 files, 3 up to 100 files and 1 beyond.",
  ),
}).strict();
export type PipelineOptions = z.infer<typeof PipelineOptions>;

/** How the review is posted. */
export const OutputConfig = z.object({
  inline_comments: z.boolean().default(true).describe("Post findings as comments on the changed lines."),
  summary: z.boolean().default(true).describe(
    "Post a summary comment with the findings that are not inline.",
  ),
  max_comments: z.int().min(0).max(200).default(25).describe(
    "Most inline comments per review; the rest, least severe first, move to the summary.",
  ),
  min_severity: Severity.default("info").describe("Findings less severe than this are not posted."),
  request_changes_on: z.enum(["blocker", "warning", "info", "never"]).default("blocker").describe(
    "Request changes when a posted finding is at least this severe.",
  ),
  approve_on: z.enum(["never", "no_findings", "no_blockers"]).default("never").describe(
    "Approve the pull request when the review finds nothing, or nothing blocking.",
  ),
  comment_on: z.enum(["always", "findings", "never"]).default("always").describe(
    "Post a plain review when neither requesting changes nor approving: always, only with findings, or never.",
  ),
  grouping: z.enum(["file", "severity", "step"]).default("file").describe("How the summary groups findings."),
  on_step_failure: z.enum(["fail", "neutral"]).default("fail").describe(
    "The commit status when some steps failed or nothing could be reviewed (never success): `fail` sets a " +
      'failing status, `neutral` sets `error` ("could not run"; GitLab and Bitbucket show it as failed).',
  ),
}).strict();
export type OutputConfig = z.infer<typeof OutputConfig>;

/** Extra instructions for files matching some globs. */
export const PathInstruction = z.object({
  paths: z.array(Glob).min(1).describe('Globs the file must match; "!" negates and the last match wins.'),
  instructions: z.string().min(1).describe(
    "Text added to every llm step's prompt when it reviews such a file.",
  ),
}).strict();
export type PathInstruction = z.infer<typeof PathInstruction>;

const DEFAULT_STEPS = [
  { name: "bugs", prompt: "builtin:bugs", severity: "blocker" },
  { name: "security", prompt: "builtin:security", severity: "blocker" },
  { name: "performance", prompt: "builtin:performance", severity: "warning" },
] as const;

/** A problem before positions are known: `path` is the key path as segments. */
export interface RawIssue {
  path: (string | number)[];
  message: string;
  suggestion?: string;
}

/** The whole `.loom/config.yaml`. A file holds only overrides; everything has a default. */
export const RepoConfig = z.object({
  version: z.literal(1).default(1).describe("Format version of this file. Only 1 exists."),
  triggers: TriggersConfig.default(() => TriggersConfig.parse({})).describe(
    "When Loom reviews a pull request.",
  ),
  models: z.record(Name, ModelConfig.describe("A model: which provider and model id, and how to reach it."))
    .default(() => ({})).describe(
      'Named models. A model called "default" replaces the server\'s default model for this repository.',
    ),
  personas: z.record(Name, PersonaConfig.describe("A persona: a system prompt and a tone.")).default(
    () => ({}),
  ).describe(
    "Named reviewer voices that steps refer to with `persona`.",
  ),
  pipelines: z.record(Name, z.array(PipelineStep).describe("A pipeline: steps that run in this order."))
    .default(() => ({
      default: DEFAULT_STEPS.map((step) => PipelineStep.parse(step)),
    })).describe(
      'Named, ordered lists of steps. The "default" pipeline runs on every review; other pipelines run only when ' +
        "asked for by name.",
    ),
  pipeline: PipelineOptions.default(() => PipelineOptions.parse({})).describe(
    "How llm steps call the model: one call per step, or all steps combined, and how much context they see.",
  ),
  output: OutputConfig.default(() => OutputConfig.parse({})).describe("How the review is posted."),
  path_instructions: z.array(PathInstruction).default(() => []).describe(
    "Extra review instructions for matching files, in order.",
  ),
}).strict().superRefine((config, context) => {
  for (const issue of crossReferenceIssues(config)) {
    context.addIssue({
      code: "custom",
      path: issue.path,
      message: issue.message,
      params: { suggestion: issue.suggestion },
    });
  }
});
export type RepoConfig = z.infer<typeof RepoConfig>;

/** The configuration Loom uses for a repository without `.loom/config.yaml`. */
export function defaultRepoConfig(): RepoConfig {
  return RepoConfig.parse({});
}

function isBuiltinPrompt(name: string): name is BuiltinPromptName {
  return (BUILTIN_PROMPT_NAMES as readonly string[]).includes(name);
}

function withPrefix(prefix: string, value: string | undefined): string | undefined {
  return value === undefined ? undefined : `${prefix}${value}`;
}

/** Checks that need the whole document: names that refer to other entries, and step-type rules. */
function crossReferenceIssues(config: RepoConfig): RawIssue[] {
  const issues: RawIssue[] = [];
  const modelNames = [...new Set(["default", ...Object.keys(config.models)])];
  const personaNames = Object.keys(config.personas);
  if (config.pipelines.default === undefined) {
    issues.push({
      path: ["pipelines"],
      message: 'Must define the "default" pipeline, which runs on every review',
      suggestion: suggest("default", Object.keys(config.pipelines)),
    });
  }
  const stepNames = new Map<string, string>();
  for (const [pipeline, steps] of Object.entries(config.pipelines)) {
    steps.forEach((step, index) => {
      const at = ["pipelines", pipeline, index];
      const first = stepNames.get(step.name);
      if (first !== undefined) {
        issues.push({
          path: [...at, "name"],
          message: `Step name "${step.name}" is already used by ${first}`,
        });
      } else stepNames.set(step.name, `pipelines.${pipeline}[${index}]`);
      if (step.type === "llm") {
        if (!modelNames.includes(step.model)) {
          issues.push({
            path: [...at, "model"],
            message: `Must name a model in models: current value is "${step.model}"`,
            suggestion: suggest(step.model, modelNames),
          });
        }
        if (step.prompt !== undefined && step.prompt_file !== undefined) {
          issues.push({ path: [...at, "prompt_file"], message: "Set prompt or prompt_file, not both" });
        } else if (
          step.prompt === undefined && step.prompt_file === undefined && !isBuiltinPrompt(step.name) &&
          NAME_PATTERN.test(step.name)
        ) {
          issues.push({
            path: at,
            message: `Step "${step.name}" needs prompt or prompt_file (or a built-in prompt name: ${
              BUILTIN_PROMPT_NAMES.join(", ")
            })`,
          });
        }
        if (step.prompt?.startsWith("builtin:")) {
          const name = step.prompt.slice("builtin:".length);
          if (!isBuiltinPrompt(name)) {
            issues.push({
              path: [...at, "prompt"],
              message: `Must name a built-in prompt (${
                BUILTIN_PROMPT_NAMES.join(", ")
              }): current value is "${name}"`,
              suggestion: withPrefix("builtin:", suggest(name, BUILTIN_PROMPT_NAMES)),
            });
          }
        }
        if (step.prompt === "library:") {
          issues.push({ path: [...at, "prompt"], message: 'Must name a prompt after "library:"' });
        }
        if (step.script !== undefined) {
          issues.push({ path: [...at, "script"], message: 'Only steps with type "script" take a script' });
        }
      } else {
        if (step.script === undefined) {
          issues.push({
            path: at,
            message: `Script step "${step.name}" needs script, the path of a Deno script`,
          });
        }
        for (const key of ["prompt", "prompt_file", "persona"] as const) {
          if (step[key] !== undefined) {
            issues.push({ path: [...at, key], message: `Script steps take no ${key}` });
          }
        }
      }
      if (step.persona !== undefined && !personaNames.includes(step.persona)) {
        issues.push({
          path: [...at, "persona"],
          message: `Must name a persona in personas: current value is "${step.persona}"`,
          suggestion: suggest(step.persona, personaNames),
        });
      }
    });
  }
  for (const [name, model] of Object.entries(config.models)) {
    if (model.fallback === undefined) continue;
    const at = ["models", name, "fallback"];
    if (model.fallback === name) {
      issues.push({ path: at, message: `Must name another model: current value is "${name}"` });
    } else if (!modelNames.includes(model.fallback)) {
      issues.push({
        path: at,
        message: `Must name a model in models: current value is "${model.fallback}"`,
        suggestion: suggest(model.fallback, modelNames),
      });
    } else {
      const seen = [name];
      let next: string | undefined = model.fallback;
      while (next !== undefined && !seen.includes(next)) {
        seen.push(next);
        next = config.models[next]?.fallback;
      }
      if (next !== undefined) {
        issues.push({ path: at, message: `Fallbacks form a loop: ${[...seen, next].join(" → ")}` });
      }
    }
  }
  return issues;
}

// ---------------------------------------------------------------------------------------------------------
// Parsing with positions

/** `pipelines.default[1].severity` from `["pipelines", "default", 1, "severity"]`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? String(segment) : `.${String(segment)}`;
  }
  return text;
}

/** Where a key path sits in the source, or `undefined` for configs that did not come from text. */
export type Locate = (path: readonly PropertyKey[], options?: { key?: boolean }) => {
  line: number;
  column: number;
} | undefined;

/** A parsed configuration plus a way to point at its keys, for errors found after parsing. */
export interface ParsedRepoConfig {
  config: RepoConfig;
  locate: Locate;
}

/** Options for `parseRepoConfig`. */
export interface ParseRepoConfigOptions {
  /** Named in error messages; defaults to `.loom/config.yaml`. */
  file?: string;
  /** The branch the text came from, named in the PR comment. */
  ref?: string;
}

/** Far above any real configuration; keeps a hostile base branch from making the worker parse megabytes. */
const MAX_CONFIG_CHARACTERS = 256 * 1024;

function createLocate(document: ReturnType<typeof parseDocument>, lineCounter: LineCounter): Locate {
  return (path, options = {}) => {
    let node: unknown = document.contents;
    let keyNode: Node | undefined;
    let exact = true;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) =>
          isScalar(item.key) && String(item.key.value) === String(segment)
        );
        if (pair === undefined) {
          exact = false;
          break;
        }
        keyNode = pair.key as Node;
        if (pair.value === null || pair.value === undefined) {
          exact = false;
          break;
        }
        node = pair.value;
      } else if (isSeq(node) && typeof segment === "number" && node.items[segment] !== undefined) {
        keyNode = undefined;
        node = node.items[segment];
      } else {
        exact = false;
        break;
      }
    }
    // A missing key is best shown at its parent's key, a wrong scalar at the value itself, and a wrong
    // mapping or list at its key, because a block collection starts on the line after it.
    const useKey = options.key || !exact || isMap(node) || isSeq(node);
    const target = useKey && keyNode !== undefined ? keyNode : node as Node | null;
    const offset = target?.range?.[0];
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
}

/** `key:` with nothing after it means "use the default", as the docs promise. */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).filter(([, item]) => item !== null).map(([key, item]) => [key, dropNulls(item)]),
    );
  }
  return value;
}

function showValue(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "empty";
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  if (typeof value === "object") return Object.keys(value).length === 0 ? "an empty mapping" : "a mapping";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…"` : text;
}

const TYPE_NAMES: Record<string, string> = {
  boolean: "true or false",
  string: "a string",
  number: "a number",
  int: "a whole number",
  array: "a list",
  object: "a mapping of options",
  record: "a mapping of names",
};

/** Unwraps defaults, optionals and pipes down to the object, array or record underneath. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = current._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
    if ((def.type === "default" || def.type === "optional" || def.type === "prefault") && def.innerType) {
      current = def.innerType;
    } else if (def.type === "pipe" && def.in) current = def.in;
    else return current;
  }
}

/** The option names valid at `path`, for "did you mean" on unknown keys. */
function keysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = RepoConfig;
  for (const segment of path) {
    const def = unwrap(schema)._zod.def as {
      type: string;
      shape?: Record<string, z.ZodType>;
      element?: z.ZodType;
      valueType?: z.ZodType;
    };
    if (def.type === "object" && def.shape?.[String(segment)]) schema = def.shape[String(segment)];
    else if (def.type === "array" && def.element) schema = def.element;
    else if (def.type === "record" && def.valueType) schema = def.valueType;
    else return [];
  }
  const def = unwrap(schema)._zod.def as { type: string; shape?: Record<string, z.ZodType> };
  return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

/** Rewrites zod's issues into messages that name the value and its state. */
function toRawIssues(issue: z.core.$ZodIssue): RawIssue[] {
  const path = issue.path as (string | number)[];
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: `Unknown key "${key}"`,
        suggestion: suggest(key, keysAt(path)),
      }));
    case "invalid_type":
      if (input === undefined) return [{ path, message: "Must be set: this option is required" }];
      return [{
        path,
        message: `Must be ${TYPE_NAMES[issue.expected] ?? issue.expected}: current value is ${
          showValue(input)
        }`,
      }];
    case "invalid_value": {
      if (input === undefined) return [{ path, message: "Must be set: this option is required" }];
      const values = issue.values.map((value) => JSON.stringify(value));
      return [{
        path,
        message: `Must be ${
          values.length === 1 ? values[0] : `one of ${values.join(", ")}`
        }: current value is ${showValue(input)}`,
        suggestion: typeof input === "string" ? suggest(input, issue.values.map(String)) : undefined,
      }];
    }
    case "too_small":
    case "too_big": {
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const word = issue.code === "too_small" ? "at least" : "at most";
      const what = issue.origin === "array"
        ? `Must list ${word} ${bound} item${Number(bound) === 1 ? "" : "s"}`
        : issue.origin === "string"
        ? (issue.code === "too_small" && Number(bound) === 1
          ? "Must not be empty"
          : `Must be ${word} ${bound} characters`)
        : `Must be ${word} ${bound}`;
      return [{
        path,
        message: input === undefined ? what : `${what}: current value is ${showValue(input)}`,
      }];
    }
    case "invalid_format":
    case "custom": {
      const params = (issue as { params?: { suggestion?: string } }).params;
      const state = input === undefined || typeof input === "object"
        ? ""
        : `: current value is ${showValue(input)}`;
      return [{
        path,
        message: issue.code === "custom" ? issue.message : `${issue.message}${state}`,
        suggestion: params?.suggestion,
      }];
    }
    case "invalid_key":
      return [{
        path,
        message: `Invalid name ${showValue(path.at(-1))}: ${
          issue.issues.map((inner) => inner.message).join("; ")
        }`,
      }];
    default:
      return [{ path, message: issue.message }];
  }
}

/** Attaches positions and sorts by position; `invalid_key` and unknown-key problems point at the key itself. */
export function locateIssues(
  raw: readonly RawIssue[],
  locate: Locate,
  keyPaths = new Set<string>(),
): ConfigIssue[] {
  const located = raw.map((issue) => {
    const position = locate(issue.path, { key: keyPaths.has(formatKeyPath(issue.path)) });
    const result: ConfigIssue = { path: formatKeyPath(issue.path), message: issue.message };
    if (position) {
      result.line = position.line;
      result.column = position.column;
    }
    if (issue.suggestion !== undefined) result.suggestion = issue.suggestion;
    return result;
  });
  // Unplaced issues go last; the sort is stable, so ties keep zod's order.
  return located.sort((a, b) =>
    (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER) ||
    (a.column ?? 0) - (b.column ?? 0)
  );
}

/**
 * Parses `.loom/config.yaml` text and keeps a locator for later errors.
 * @throws {ConfigError} listing every YAML and schema problem with line and column
 */
export function parseRepoConfigWithPositions(
  text: string,
  options: ParseRepoConfigOptions = {},
): ParsedRepoConfig {
  const file = options.file ?? CONFIG_PATH;
  if (text.length > MAX_CONFIG_CHARACTERS) {
    throw new ConfigError([{
      path: "",
      message: `Must be at most ${MAX_CONFIG_CHARACTERS} characters: current size is ${text.length}`,
    }], { file, ref: options.ref });
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return { path: "", message: `Invalid YAML: ${error.message}`, line, column: col };
      }),
      { file, ref: options.ref, cause: document.errors[0] },
    );
  }
  const locate = createLocate(document, lineCounter);
  let plain: unknown;
  try {
    plain = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // yaml throws (not reports) when alias expansion would explode ("billion laughs").
    throw new ConfigError([{ path: "", message: `Invalid YAML: ${(error as Error).message}` }], {
      file,
      ref: options.ref,
      cause: error,
    });
  }
  const value = dropNulls(plain ?? {});
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError(
      locateIssues([{
        path: [],
        message: `Must be a mapping of options: current value is ${showValue(value)}`,
      }], locate),
      { file, ref: options.ref },
    );
  }
  const result = RepoConfig.safeParse(value, { reportInput: true });
  if (!result.success) {
    const keyPaths = new Set<string>();
    const raw = result.error.issues.flatMap((issue) => {
      const issues = toRawIssues(issue);
      if (issue.code === "unrecognized_keys" || issue.code === "invalid_key") {
        for (const item of issues) keyPaths.add(formatKeyPath(item.path));
      }
      return issues;
    });
    throw new ConfigError(locateIssues(raw, locate, keyPaths), {
      file,
      ref: options.ref,
      cause: result.error,
    });
  }
  return { config: result.data, locate };
}

/**
 * Parses `.loom/config.yaml` text. Empty text gives the default configuration.
 * @throws {ConfigError} listing every YAML and schema problem with line and column
 */
export function parseRepoConfig(text: string, options: ParseRepoConfigOptions = {}): RepoConfig {
  return parseRepoConfigWithPositions(text, options).config;
}

// ---------------------------------------------------------------------------------------------------------
// Models and the server allowlists

/** A model ready for `lib/llm`: allowlists applied, API key read from the server environment. */
export interface ResolvedModel {
  name: string;
  provider: ModelConfig["provider"];
  model: string;
  baseUrl?: string;
  apiKey?: string;
  temperature?: number;
  maxOutputTokens?: number;
  timeoutMs?: number;
  fallback?: ResolvedModel;
}

function sameUrl(a: string | undefined, b: string | undefined): boolean {
  const trim = (url: string | undefined) => url?.replace(/\/+$/, "");
  return trim(a) === trim(b);
}

/**
 * Whether `url` lies under `prefix`: same scheme, host and port, and the prefix path ends at a segment
 * boundary, so `https://api.example.com` never admits `https://api.example.com.evil.test`.
 */
export function urlIsUnder(url: string, prefix: string): boolean {
  let target: URL;
  let allowed: URL;
  try {
    target = new URL(url);
    allowed = new URL(prefix);
  } catch {
    return false;
  }
  if (target.origin !== allowed.origin || target.username !== "" || target.password !== "") return false;
  const base = allowed.pathname.replace(/\/+$/, "");
  return base === "" || target.pathname === base || target.pathname.startsWith(`${base}/`);
}

function serverDefaultModel(server: ServerConfig): ResolvedModel {
  return {
    name: "default",
    provider: server.llmProvider,
    model: server.llmModel,
    ...(server.llmBaseUrl === undefined ? {} : { baseUrl: server.llmBaseUrl }),
    ...(server.llmApiKey === undefined ? {} : { apiKey: server.llmApiKey }),
  };
}

function resolveInto(
  config: RepoConfig,
  name: string,
  server: ServerConfig,
  issues: RawIssue[],
  seen: string[],
): ResolvedModel | undefined {
  const entry = config.models[name];
  if (entry === undefined) {
    if (name === "default") return serverDefaultModel(server);
    issues.push({
      path: ["models"],
      message: `Cannot find model "${name}": it is not defined in models`,
      suggestion: suggest(name, ["default", ...Object.keys(config.models)]),
    });
    return undefined;
  }
  const resolved: ResolvedModel = { name, provider: entry.provider, model: entry.model };
  const issueCount = issues.length;
  if (entry.base_url !== undefined) {
    const allowed = sameUrl(entry.base_url, server.llmBaseUrl) ||
      server.allowedBaseUrls.some((prefix) => urlIsUnder(entry.base_url!, prefix));
    if (!allowed) {
      issues.push({
        path: ["models", name, "base_url"],
        message:
          `Must start with a base URL the server allows (LOOM_ALLOWED_BASE_URLS): current value is "${entry.base_url}"; allowed: ${
            server.allowedBaseUrls.length === 0 ? "none" : server.allowedBaseUrls.join(", ")
          }`,
      });
    } else resolved.baseUrl = entry.base_url;
  }
  if (entry.api_key_env !== undefined) {
    if (!server.allowedKeyEnvs.includes(entry.api_key_env)) {
      issues.push({
        path: ["models", name, "api_key_env"],
        message:
          `Must be a variable the server allows (LOOM_ALLOWED_KEY_ENVS): current value is "${entry.api_key_env}"; allowed: ${
            server.allowedKeyEnvs.length === 0 ? "none" : server.allowedKeyEnvs.join(", ")
          }`,
        suggestion: suggest(entry.api_key_env, server.allowedKeyEnvs),
      });
    } else if (!server.env[entry.api_key_env]) {
      issues.push({
        path: ["models", name, "api_key_env"],
        message: `Cannot read "${entry.api_key_env}": the server allows it but it is not set`,
      });
    } else resolved.apiKey = server.env[entry.api_key_env];
  } else if (entry.provider === server.llmProvider && sameUrl(entry.base_url, server.llmBaseUrl)) {
    // The server's own key goes only to the server's own endpoint, never to a URL the repository chose.
    if (server.llmApiKey !== undefined) resolved.apiKey = server.llmApiKey;
  }
  if (entry.temperature !== undefined) resolved.temperature = entry.temperature;
  if (entry.max_output_tokens !== undefined) resolved.maxOutputTokens = entry.max_output_tokens;
  if (entry.timeout_ms !== undefined) resolved.timeoutMs = entry.timeout_ms;
  if (entry.fallback !== undefined && !seen.includes(entry.fallback)) {
    const fallback = resolveInto(config, entry.fallback, server, issues, [...seen, entry.fallback]);
    if (fallback !== undefined) resolved.fallback = fallback;
  }
  return issues.length === issueCount ? resolved : undefined;
}

/** Problems every model in the configuration has with the server allowlists (raw paths, for locating). */
export function modelAccessIssues(config: RepoConfig, server: ServerConfig): RawIssue[] {
  const issues: RawIssue[] = [];
  for (const name of Object.keys(config.models)) {
    resolveInto(config, name, server, issues, [name]);
  }
  const unique = new Map(issues.map((issue) => [`${formatKeyPath(issue.path)}\n${issue.message}`, issue]));
  return [...unique.values()];
}

/**
 * Resolves a named model for `lib/llm`, applying the server allowlists: `api_key_env` must be in
 * `server.allowedKeyEnvs` (its value comes from `server.env`), and `base_url` must lie under an entry of
 * `server.allowedBaseUrls` unless it is the server's own `llmBaseUrl`. The name "default" means the server's
 * model unless the repository defines one. A repository model without `api_key_env` gets the server key only
 * when it targets the server's provider and endpoint.
 * @throws {ConfigError} for an unknown name or an allowlist violation anywhere in the fallback chain
 */
export function resolveModel(config: RepoConfig, name: string, server: ServerConfig): ResolvedModel {
  const issues: RawIssue[] = [];
  const resolved = resolveInto(config, name, server, issues, [name]);
  if (resolved === undefined || issues.length > 0) {
    throw new ConfigError(locateIssues(issues, () => undefined));
  }
  return resolved;
}

// ---------------------------------------------------------------------------------------------------------
// Helpers for the review engine

/** Whether an enabled step reviews the file at `path` (its `paths` filter). */
export function stepAppliesTo(step: PipelineStep, path: string): boolean {
  return step.enabled && compileFilter(step.paths)(path);
}

/** The `path_instructions` texts that apply to `path`, in file order. */
export function pathInstructionsFor(config: RepoConfig, path: string): string[] {
  return config.path_instructions
    .filter((entry) => compileGlobs(entry.paths)(path))
    .map((entry) => entry.instructions);
}

/**
 * The enabled steps of a pipeline, in order.
 * @throws {RangeError} when the configuration has no pipeline of that name
 */
export function pipelineSteps(config: RepoConfig, pipeline = "default"): PipelineStep[] {
  const steps = config.pipelines[pipeline];
  if (steps === undefined) {
    throw new RangeError(
      `Cannot find pipeline "${pipeline}": the configuration defines ${
        Object.keys(config.pipelines).join(", ")
      }`,
    );
  }
  return steps.filter((step) => step.enabled);
}

/** Lowers a finding's severity to the step's cap. */
export function capSeverity(
  step: Pick<PipelineStep, "severity">,
  severity: PipelineStep["severity"],
): PipelineStep["severity"] {
  return SEVERITY_RANK[severity] < SEVERITY_RANK[step.severity] ? step.severity : severity;
}

/** Whether a finding is severe enough to post under `output.min_severity`. */
export function meetsMinimumSeverity(output: OutputConfig, severity: PipelineStep["severity"]): boolean {
  return SEVERITY_RANK[severity] <= SEVERITY_RANK[output.min_severity];
}

/**
 * The review verdict for the findings that will be posted, or `null` when `output` says to post nothing.
 * @param output the parsed `output` section
 * @param severities severities of the findings, before `min_severity` filtering
 */
export function decideReviewEvent(
  output: OutputConfig,
  severities: readonly PipelineStep["severity"][],
): "REQUEST_CHANGES" | "APPROVE" | "COMMENT" | null {
  const posted = severities.filter((severity) => meetsMinimumSeverity(output, severity));
  const threshold = output.request_changes_on;
  if (
    threshold !== "never" && posted.some((severity) => SEVERITY_RANK[severity] <= SEVERITY_RANK[threshold])
  ) {
    return "REQUEST_CHANGES";
  }
  if (
    (output.approve_on === "no_findings" && posted.length === 0) ||
    (output.approve_on === "no_blockers" && !posted.includes("blocker"))
  ) {
    return "APPROVE";
  }
  if (output.comment_on === "always" || (output.comment_on === "findings" && posted.length > 0)) {
    return "COMMENT";
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// Reference for docs/config.md

/** One documented option of the schema. */
export interface ConfigOption {
  /** `triggers.branches.include`, `models.<name>.provider`, `pipelines.<name>[].severity` */
  path: string;
  /** Human type: `true or false`, `list of strings`, `"llm" | "script"`… */
  type: string;
  /** The default as YAML, `undefined` for required options and for sections. */
  default?: string;
  /** True when the option must be set (inside a model, persona, step or path instruction). */
  required: boolean;
  description: string;
  /** Sections (mappings and lists of mappings) hold other options. */
  section: boolean;
}

function typeName(schema: z.ZodType): string {
  const def = unwrap(schema)._zod.def as {
    type: string;
    entries?: Record<string, string>;
    values?: unknown[];
    element?: z.ZodType;
    format?: string;
  };
  switch (def.type) {
    case "enum":
      return Object.values(def.entries ?? {}).map((value) => JSON.stringify(value)).join(" | ");
    case "literal":
      return (def.values ?? []).map((value) => JSON.stringify(value)).join(" | ");
    case "boolean":
      return "true or false";
    case "number":
      return def.format === "safeint" ? "whole number" : "number";
    case "string":
      return "string";
    case "array": {
      const element = typeName(def.element!);
      return element.includes("|") ? `list of (${element})` : `list of ${element}s`;
    }
    case "object":
      return "mapping";
    case "record":
      return "mapping of names";
    case "union":
      return (unwrap(schema)._zod.def as unknown as { options: z.ZodType[] }).options.map(typeName).join(
        " or ",
      );
    default:
      return def.type;
  }
}

function yamlInline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(yamlInline).join(", ")}]`;
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** Every option of `RepoConfig`, depth first, with its type, default and description. */
export function configOptions(): ConfigOption[] {
  const options: ConfigOption[] = [];
  const visit = (schema: z.ZodType, path: string, required: boolean) => {
    const description = schema.description ?? unwrap(schema).description ?? "";
    const outer = schema._zod.def as { type: string; defaultValue?: unknown };
    const inner = unwrap(schema);
    const def = inner._zod.def as {
      type: string;
      shape?: Record<string, z.ZodType>;
      element?: z.ZodType;
      valueType?: z.ZodType;
    };
    const elementIsObject = def.type === "array" && unwrap(def.element!)._zod.def.type === "object";
    const section = def.type === "object" || def.type === "record" || elementIsObject;
    if (path !== "") {
      const option: ConfigOption = { path, type: typeName(schema), required, description, section };
      if (!section && outer.type === "default") option.default = yamlInline(outer.defaultValue);
      if (elementIsObject) option.type = "list of mappings";
      options.push(option);
    }
    if (def.type === "object") {
      for (const [key, child] of Object.entries(def.shape!)) {
        const childType = child._zod.def.type;
        visit(
          child,
          path === "" ? key : `${path}.${key}`,
          childType !== "default" && childType !== "optional",
        );
      }
    } else if (def.type === "record") {
      visit(def.valueType!, `${path}.<name>`, false);
    } else if (elementIsObject) {
      const element = unwrap(def.element!)._zod.def as unknown as { shape: Record<string, z.ZodType> };
      for (const [key, child] of Object.entries(element.shape)) {
        const childType = child._zod.def.type;
        visit(child, `${path}[].${key}`, childType !== "default" && childType !== "optional");
      }
    }
  };
  visit(RepoConfig, "", false);
  return options;
}

/**
 * The Markdown `docs/config.md` shows above an option's example: heading, description, type and default. A
 * test checks the document contains this block for every option, so the reference cannot drift from the schema.
 */
export function renderOptionDoc(option: ConfigOption): string {
  const lines = [`### \`${option.path}\``, "", option.description, "", `- Type: ${option.type}`];
  if (option.required) lines.push("- Required");
  else if (option.default !== undefined) lines.push(`- Default: \`${option.default}\``);
  else if (!option.section) lines.push("- Default: unset");
  return lines.join("\n");
}
