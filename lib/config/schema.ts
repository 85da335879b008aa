/**
 * The zod schema of `.loom/config.yaml` (version 1) with every default, and the checks that need the whole
 * document (names that refer to other entries, step-type rules). Parsing text is `parse.ts`; resolving models
 * against the server allowlists is `models.ts`.
 */
import { z } from "zod";
import { suggest } from "./suggest.ts";
import { REVIEW_EVENTS } from "../pull_request.ts";
import { Severity } from "../findings.ts";
import { DescribeConfig } from "./describe.ts";

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

const TRIGGER_EVENTS = REVIEW_EVENTS;

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

const LabelFilter = z.object({
  include: z.array(z.string().trim().min(1)).default(() => []).describe(
    "Label names (case-insensitive): only pull requests carrying at least one of them are reviewed. Empty means " +
      "every pull request. Bitbucket has no labels, so a non-empty list there stops every automatic review.",
  ),
  exclude: z.array(z.string().trim().min(1)).default(() => []).describe(
    "Label names (case-insensitive): pull requests carrying any of them are not reviewed, even when they match " +
      "`include`.",
  ),
}).strict();

/** The keywords a title skips the review with when `triggers.title.skip_keywords` is not set. */
export const DEFAULT_SKIP_KEYWORDS = ["[skip review]", "[loom skip]"] as const;

const TitleFilter = z.object({
  skip_keywords: z.array(z.string().trim().min(1)).default(() => [...DEFAULT_SKIP_KEYWORDS]).describe(
    'Pull requests whose title contains one of these keywords (case-insensitive, whole words: "WIP" matches ' +
      '"WIP: parser" but not "wipe") are not reviewed. An empty list turns the check off.',
  ),
}).strict();

/** When Loom reviews a pull request. */
export const TriggersConfig = z.object({
  mode: z.enum(["auto", "manual"]).default("auto").describe(
    "`auto` reviews on the pull-request events in `events`; `manual` reviews only when someone asks " +
      "(`@loom review`, the dashboard's re-run).",
  ),
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
  labels: LabelFilter.default(() => LabelFilter.parse({})).describe(
    "Which labels a pull request must or must not carry to be reviewed.",
  ),
  title: TitleFilter.default(() => TitleFilter.parse({})).describe(
    "Title keywords that skip the review.",
  ),
}).strict();
export type TriggersConfig = z.infer<typeof TriggersConfig>;

/** One named model. The shape `docs/providers.md` documents. */
export const ModelConfig = z.object({
  provider: z.enum(["openai", "anthropic", "google"]).describe(
    "API family. `openai` also covers OpenAI-compatible servers such as Ollama, vLLM, Groq and Together.",
  ),
  model: z.string().min(1).describe("The provider's model id."),
  base_url: z.url({ protocol: /^https?$/, error: "Must be an http or https URL" }).optional().describe(
    "API endpoint; unset means the provider's own. With api_key_env, the server must pair that key with this " +
      "endpoint in LOOM_ALLOWED_KEY_ENVS; without, it must start with an entry of LOOM_ALLOWED_BASE_URLS.",
  ),
  api_key_env: z.string().regex(ENV_NAME_PATTERN, { error: "Must be an environment variable name" })
    .optional()
    .describe(
      "Server environment variable holding the API key. Must be listed in the server's LOOM_ALLOWED_KEY_ENVS, " +
        "paired with this model's endpoint (NAME for the provider's own, NAME=<URL> for a base_url). Unset means " +
        "the server's own key, sent only to the server's own provider and endpoint.",
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

/** What code context each model call is given beside the diff (`lib/review/code_context.ts`). */
export const ContextOptions = z.object({
  symbols: z.boolean().default(true).describe(
    "Give the definitions of the functions, types and constants the changed lines use (found anywhere in the " +
      "repository) and the function or class each change sits in.",
  ),
  callers: z.boolean().default(true).describe(
    "Give the places elsewhere in the repository that call a changed function.",
  ),
  guidelines: z.boolean().default(true).describe(
    "Give the repository's guideline files: `AGENTS.md` and `CONTRIBUTING.md` (the nearest ones up the tree " +
      "of each changed file) and `.loom/rules/*.md`.",
  ),
  // Above 0.9 the context would crowd out the diff the call is about.
  max_share: z.number().gt(0).max(0.9).default(0.4).describe(
    "Most of one model call's diff budget (`chunk tokens`) the context may take, as a share: 0.4 adds at " +
      "most 40% on top of the diff. Blocks are packed by priority (definitions, enclosing scope, callers, " +
      "guidelines, neighbours); what does not fit is counted in the summary.",
  ),
}).strict();
export type ContextOptions = z.infer<typeof ContextOptions>;

/** `context: false` turns every kind off (no index is built); `context: true` is every default. */
export const ContextConfig = z.preprocess(
  (value) =>
    value === false ? { symbols: false, callers: false, guidelines: false } : value === true ? {} : value,
  ContextOptions,
);

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
  request_changes_on: z.enum([...Severity.options, "never"]).default("blocker").describe(
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
  resolve_fixed: z.boolean().default(true).describe(
    "Resolve the thread of an inline finding once a later push fixes it, with a reply naming the commit.",
  ),
}).strict();
export type OutputConfig = z.infer<typeof OutputConfig>;

/** How reviews use the team's learnings (`lib/learnings/`). */
export const LearningsConfig = z.object({
  enabled: z.boolean().default(true).describe(
    "Give reviews the learnings of this repository and its organization: matching rules reach the prompt as " +
      "team guidance, and findings a learning suppresses are not posted.",
  ),
  max_rules: z.int().min(0).max(50).default(20).describe(
    "Most learnings one prompt gets (also at most about 2,000 tokens of them), most specific and newest first.",
  ),
}).strict();
export type LearningsConfig = z.infer<typeof LearningsConfig>;

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

/** `tickets`: issues the pull request refers to, given to the model as context. */
export const TicketsConfig = z.object({
  enabled: z.boolean().default(true).describe(
    "Read the tickets the pull request refers to (`#12`, `Fixes #12`, GitLab `!12`, Azure DevOps work items, Jira " +
      "keys when the server has Jira) and give their text to reviews and descriptions as untrusted context.",
  ),
  max: z.int().min(1).max(20).default(5).describe(
    "Most tickets read for one pull request; closing references (`Fixes #12`) first. Each ticket's text is cut " +
      "to about 1,500 tokens.",
  ),
}).strict();
export type TicketsConfig = z.infer<typeof TicketsConfig>;

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
  context: ContextConfig.default(() => ContextOptions.parse({})).describe(
    "Code from the rest of the repository given to each model call beside the diff, read from an index of " +
      "the head commit. `false` gives none (and downloads nothing).",
  ),
  path_instructions: z.array(PathInstruction).default(() => []).describe(
    "Extra review instructions for matching files, in order.",
  ),
  learnings: LearningsConfig.default(() => LearningsConfig.parse({})).describe(
    "How reviews use the learnings taught with `@loom ignore … because …` and kept on the dashboard.",
  ),
  tickets: TicketsConfig.default(() => TicketsConfig.parse({})).describe(
    "Tickets the pull request refers to, read as context for reviews and descriptions.",
  ),
  describe: DescribeConfig.default(() => DescribeConfig.parse({})).describe(
    "The description Loom writes for a pull request (`@loom describe`, or `auto` for every new one).",
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
  if (!modelNames.includes(config.describe.model)) {
    issues.push({
      path: ["describe", "model"],
      message: `Must name a model in models: current value is "${config.describe.model}"`,
      suggestion: suggest(config.describe.model, modelNames),
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
