/**
 * `deno task eval`: runs a review pipeline over a labelled dataset of diffs and reports precision, recall, F1,
 * comments, tokens and cost per pull request, so a team can compare prompts, configurations and models on the
 * same cases. The model comes from the `LOOM_LLM_*` variables, the pipeline from `--config` (default: Loom's
 * built-in configuration); `--mode both` runs the cases in separate and in combined mode and compares them.
 * `--context-only` calls no model: it scores the code index's context recall (`eval_context.ts`).
 */
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadServerConfig, type ServerConfig } from "../lib/config/env.ts";
import { ConfigError } from "../lib/config/errors.ts";
import { type LoadedConfig, resolveRepoConfig } from "../lib/config/load.ts";
import type { PipelineOptions } from "../lib/config/schema.ts";
import { parseDiff } from "../lib/diff/mod.ts";
import { runPipeline } from "../lib/review/engine.ts";
import { mapBounded } from "../lib/concurrency.ts";
import { DEFAULT_BUDGETS, DEFAULT_CONTEXT_CASES, runContextEval } from "./eval_context.ts";
import { type CliModels, type CommandIo, createCliModels, processIo, stderrLogger } from "./io.ts";
import type { ReviewLearnings } from "../lib/review/learnings.ts";
import {
  caseLearnings,
  type LearningsEffect,
  learningsEffect,
  renderLearningsEffect,
} from "./eval_learnings.ts";
import {
  type CaseResult,
  type EvalCase,
  type EvalSummary,
  matchFindings,
  parseDataset,
  summarize,
} from "./metrics.ts";

/** The dataset shipped with Loom, relative to the repository root. */
export const DEFAULT_DATASET = "evals/reviews.jsonl";

const SHIPPED_DATASET = fileURLToPath(new URL(`../${DEFAULT_DATASET}`, import.meta.url));
const SHIPPED_CONTEXT_CASES = fileURLToPath(new URL(`../${DEFAULT_CONTEXT_CASES}`, import.meta.url));

export const EVAL_USAGE = `Usage: deno task eval [options]
       deno task eval --context-only [--cases <folder>] [--budgets <f,f>] [--only <id,id>] [--json] [-q]

Runs the review pipeline over a labelled dataset and scores it. The model comes from LOOM_LLM_PROVIDER,
LOOM_LLM_MODEL, LOOM_LLM_BASE_URL and LOOM_LLM_API_KEY, as for the server.

  --dataset <file>        JSON lines of cases (default: ${DEFAULT_DATASET})
  --config <file>         a .loom/config.yaml whose default pipeline runs (default: Loom's built-in one)
  --category <step=name>  score a step's findings as another category (repeatable)
  --tolerance <lines>     line distance that still matches (default: 3)
  --only <id,id>          run only these cases
  --mode <mode>           separate, combined, or both to compare them (default: the config's pipeline.mode)
  --concurrency <n>       cases reviewed at once (default: 2)
  --json                  print the results as JSON instead of tables
  -q, --quiet             no progress lines on stderr
  -h, --help              this text

Context recall (no model, no LOOM_LLM_* needed): builds the code index of each case's head files, selects context
for its diff and reports how many of the definitions a reviewer needs were given, and the tokens they cost.

  --context-only          score the code index's context instead of reviewing
  --cases <folder>        case folders with case.json, head/ and base/ (default: ${DEFAULT_CONTEXT_CASES})
  --budgets <f,f>         context budgets as shares of the diff prompt (default: ${
  DEFAULT_BUDGETS.join(",")
}; 0.5 is
                          the headline: the call stays within 1.5 × today's prompt)`;

/** Parsed `eval` arguments. */
export interface EvalArgs {
  dataset: string;
  config?: string;
  categories: Record<string, string>;
  tolerance: number;
  only?: string[];
  /** Pipeline modes to run, in order; unset means the configuration's own. */
  modes?: PipelineOptions["mode"][];
  concurrency: number;
  json: boolean;
  quiet: boolean;
  help: boolean;
  /** Score the code index's context recall instead of reviewing. */
  contextOnly: boolean;
  /** Context cases folder (`--context-only`). */
  cases: string;
  /** Context budgets as shares of the diff prompt (`--context-only`). */
  budgets: number[];
}

/**
 * Parses `eval` arguments.
 * @throws {TypeError} for unknown options or invalid values
 */
export function parseEvalArgs(argv: string[]): EvalArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        dataset: { type: "string", default: DEFAULT_DATASET },
        config: { type: "string" },
        category: { type: "string", multiple: true, default: [] },
        tolerance: { type: "string", default: "3" },
        only: { type: "string" },
        mode: { type: "string" },
        concurrency: { type: "string", default: "2" },
        json: { type: "boolean", default: false },
        quiet: { type: "boolean", short: "q", default: false },
        help: { type: "boolean", short: "h", default: false },
        "context-only": { type: "boolean", default: false },
        cases: { type: "string" },
        budgets: { type: "string" },
      },
    }));
  } catch (error) {
    throw new TypeError(`Cannot parse arguments: ${(error as Error).message}`, { cause: error });
  }
  const modes: PipelineOptions["mode"][] | undefined | null = values.mode === undefined
    ? undefined
    : values.mode === "both"
    ? ["separate", "combined"]
    : values.mode === "separate" || values.mode === "combined"
    ? [values.mode]
    : null;
  if (modes === null) {
    throw new TypeError(`Cannot use --mode "${values.mode}": expected separate, combined or both`);
  }
  const contextOnly = values["context-only"];
  const onlyForContext = [
    values.cases === undefined ? null : "--cases",
    values.budgets === undefined ? null : "--budgets",
  ]
    .filter((name) => name !== null);
  if (!contextOnly && onlyForContext.length > 0) {
    throw new TypeError(`Cannot use ${onlyForContext[0]} without --context-only`);
  }
  const forReviews = [
    values.dataset === DEFAULT_DATASET ? null : "--dataset",
    values.config === undefined ? null : "--config",
    values.mode === undefined ? null : "--mode",
    values.category.length === 0 ? null : "--category",
  ].filter((name) => name !== null);
  if (contextOnly && forReviews.length > 0) {
    throw new TypeError(`Cannot use ${forReviews[0]} with --context-only: it reviews nothing`);
  }
  const budgets = values.budgets === undefined
    ? [...DEFAULT_BUDGETS]
    : values.budgets.split(",").map((text) => {
      const value = Number(text.trim());
      if (text.trim() === "" || !Number.isFinite(value) || value < 0) {
        throw new RangeError(`Cannot use --budgets "${values.budgets}": expected shares such as 0.25,0.5,1`);
      }
      return value;
    });
  const categories: Record<string, string> = {};
  for (const entry of values.category) {
    const match = /^([^=]+)=(.+)$/.exec(entry);
    if (match === null) throw new TypeError(`Cannot parse --category "${entry}": expected <step>=<category>`);
    categories[match[1]!.trim()] = match[2]!.trim();
  }
  return {
    dataset: values.dataset,
    ...(values.config === undefined ? {} : { config: values.config }),
    categories,
    tolerance: integer("--tolerance", values.tolerance, 0),
    ...(values.only === undefined ? {} : { only: values.only.split(",").map((id) => id.trim()) }),
    ...(modes === undefined ? {} : { modes }),
    concurrency: integer("--concurrency", values.concurrency, 1),
    json: values.json,
    quiet: values.quiet,
    help: values.help,
    contextOnly,
    cases: values.cases ?? DEFAULT_CONTEXT_CASES,
    budgets,
  };
}

function integer(name: string, text: string, minimum: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) {
    throw new RangeError(`Cannot use ${name} "${text}": expected an integer of at least ${minimum}`);
  }
  return value;
}

/** Options for `evaluate`. */
export interface EvaluateOptions extends CliModels {
  cases: EvalCase[];
  loaded: LoadedConfig;
  server: ServerConfig;
  /** Step name → category; unmapped steps are their own category. */
  categories?: Record<string, string>;
  tolerance?: number;
  concurrency?: number;
  signal?: AbortSignal;
  onCase?(result: CaseResult): void;
}

/** Scores of a whole run. */
export interface EvalReport {
  results: CaseResult[];
  summary: EvalSummary;
  /** The dataset's scores with and without the cases' learnings; `null` when no case has learnings. */
  learnings: LearningsEffect | null;
}

/** Reviews every case with the pipeline and scores the findings against the expected ones. */
export async function evaluate(options: EvaluateOptions): Promise<EvalReport> {
  const signal = options.signal ?? new AbortController().signal;
  const categoryOf = (step: string) => options.categories?.[step] ?? step;
  const review = async (item: EvalCase, learnings?: ReviewLearnings) => {
    const run = await runPipeline({
      loaded: options.loaded,
      files: parseDiff(item.diff),
      title: item.title,
      server: options.server,
      createLlm: options.createLlm,
      costOf: options.costOf,
      signal,
      ...(learnings ? { guidanceFor: learnings.guidanceFor } : {}),
    });
    // Held back as a review holds them back before posting.
    const { kept, suppressed } = learnings
      ? learnings.partition(run.findings)
      : { kept: run.findings, suppressed: 0 };
    const found = kept.map((finding) => ({ ...finding, category: categoryOf(finding.step) }));
    const match = matchFindings(item.expected, found, { tolerance: options.tolerance });
    const matched = new Set(match.matches.map((pair) => pair.expected));
    const records = run.runs.map((step) => step.record);
    const result: CaseResult = {
      id: item.id,
      expected: item.expected.length,
      found: found.length,
      truePositives: match.matches.length,
      falsePositives: match.falsePositives.length,
      falseNegatives: match.falseNegatives.length,
      categories: item.expected.map((want, wantIndex) => ({
        category: want.category,
        matched: matched.has(wantIndex),
      })),
      inputTokens: records.reduce((sum, record) => sum + record.inputTokens, 0),
      cachedInputTokens: records.reduce((sum, record) => sum + (record.cachedInputTokens ?? 0), 0),
      outputTokens: records.reduce((sum, record) => sum + record.outputTokens, 0),
      costUsd: records.reduce((sum, record) => sum + record.costUsd, 0),
      failedSteps: records.filter((record) => record.status === "failed" || record.error !== null)
        .map((record) => ({ name: record.name, error: record.error ?? "failed" })),
    };
    return { result, suppressed };
  };
  const results = await mapBounded(options.cases, options.concurrency ?? 2, async (item) => {
    let result: CaseResult;
    if (item.learnings === undefined || item.learnings.length === 0) {
      result = (await review(item)).result;
    } else {
      // Reviewed twice, so the report can show what the learnings changed on the same case.
      const without = (await review(item)).result;
      const taught = await review(item, caseLearnings(item.learnings));
      result = {
        ...taught.result,
        learnings: {
          suppressed: taught.suppressed,
          without: {
            truePositives: without.truePositives,
            falsePositives: without.falsePositives,
            falseNegatives: without.falseNegatives,
          },
        },
      };
    }
    options.onCase?.(result);
    return result;
  });
  return { results, summary: summarize(results), learnings: learningsEffect(results) };
}

/** Renders the per-case table, the summary and the per-category recall as plain text. */
export function renderEvalTables(report: EvalReport, header: string): string {
  const { summary } = report;
  const caseRows = report.results.map((result) => [
    result.id,
    String(result.expected),
    String(result.found),
    String(result.truePositives),
    String(result.falsePositives),
    String(result.falseNegatives),
    String(result.inputTokens),
    String(result.cachedInputTokens),
    String(result.outputTokens),
    `$${result.costUsd.toFixed(4)}`,
    result.failedSteps.length === 0
      ? ""
      : `failed: ${result.failedSteps.map((step) => step.name).join(", ")}`,
  ]);
  const summaryRows = [
    ["precision", summary.precision.toFixed(3)],
    ["recall", summary.recall.toFixed(3)],
    ["F1", summary.f1.toFixed(3)],
    ["comments/PR", summary.commentsPerPr.toFixed(2)],
    [
      "tokens/PR",
      `${summary.tokensPerPr.toFixed(0)} (${summary.inputTokensPerPr.toFixed(0)} in / ${
        summary.outputTokensPerPr.toFixed(0)
      } out)`,
    ],
    ["cached/PR", summary.cachedInputTokensPerPr.toFixed(0)],
    ["cost/PR", `$${summary.costPerPr.toFixed(4)}`],
    ["TP / FP / FN", `${summary.truePositives} / ${summary.falsePositives} / ${summary.falseNegatives}`],
  ];
  const categoryRows = summary.byCategory.map((score) => [
    score.category,
    String(score.expected),
    String(score.matched),
    score.recall.toFixed(3),
  ]);
  return [
    header,
    "",
    table(["case", "expected", "found", "TP", "FP", "FN", "prompt", "cached", "out", "cost", ""], caseRows),
    "",
    table(["metric", "value"], summaryRows),
    "",
    table(["category", "expected", "matched", "recall"], categoryRows),
    ...(report.learnings ? ["", renderLearningsEffect(report.learnings).trimEnd()] : []),
    ...(summary.failedSteps > 0
      ? ["", `${summary.failedSteps} step run(s) failed; their findings are missing.`]
      : []),
  ].join("\n") + "\n";
}

/** One line per mode: quality, tokens and cost side by side. */
export function renderModeComparison(runs: readonly { mode: string; report: EvalReport }[]): string {
  const rows = runs.map(({ mode, report: { summary } }) => [
    mode,
    summary.precision.toFixed(3),
    summary.recall.toFixed(3),
    summary.f1.toFixed(3),
    summary.inputTokensPerPr.toFixed(0),
    summary.cachedInputTokensPerPr.toFixed(0),
    (summary.inputTokensPerPr - summary.cachedInputTokensPerPr).toFixed(0),
    `$${summary.costPerPr.toFixed(4)}`,
  ]);
  return table(
    ["mode", "precision", "recall", "F1", "prompt/PR", "cached/PR", "uncached/PR", "cost/PR"],
    rows,
  ) + "\n";
}

function table(headings: string[], rows: string[][]): string {
  const widths = headings.map((heading, column) =>
    Math.max(heading.length, ...rows.map((row) => row[column]!.length))
  );
  const line = (cells: string[]) =>
    cells.map((cell, column) => column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))
      .join("  ").trimEnd();
  return [line(headings), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

/** Loads a configuration file for the evaluation; prompt files resolve from its repository root. */
async function loadEvalConfig(
  path: string | undefined,
  server: ServerConfig,
  io: CommandIo,
): Promise<LoadedConfig> {
  if (path === undefined) {
    return await resolveRepoConfig(null, () => Promise.resolve(null), { ref: "(built-in)", server });
  }
  const readOrNull = async (file: string) => {
    try {
      return await io.readTextFile(file);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
  };
  const text = await readOrNull(path);
  if (text === null) throw new Deno.errors.NotFound(`Cannot read "${path}": the file does not exist`);
  const folder = dirname(path);
  const root = folder.split(/[\\/]/).at(-1) === ".loom" ? dirname(folder) : folder;
  return await resolveRepoConfig(text, (file) => readOrNull(join(root, file)), {
    ref: "(local)",
    server,
    file: path,
    location: `in ${root}`,
  });
}

/** Runs the eval command and returns its exit code: 0 when it ran, 2 on an error. */
export async function runEvalCommand(io: CommandIo): Promise<number> {
  let args: EvalArgs;
  try {
    args = parseEvalArgs(io.args);
  } catch (error) {
    await io.stderr.write(`${(error as Error).message}\n\n${EVAL_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    await io.stdout.write(`${EVAL_USAGE}\n`);
    return 0;
  }
  // `deno task` runs in Loom's folder and passes the caller's folder as INIT_CWD; the shipped dataset lives here.
  const invokedIn = io.env.INIT_CWD || io.cwd;
  const resolve = (path: string) =>
    path === DEFAULT_DATASET ? SHIPPED_DATASET : isAbsolute(path) ? path : join(invokedIn, path);
  if (args.contextOnly) {
    return await runContextEval(io, {
      folder: args.cases === DEFAULT_CONTEXT_CASES ? SHIPPED_CONTEXT_CASES : resolve(args.cases),
      name: args.cases,
      ...(args.only === undefined ? {} : { only: args.only }),
      budgets: args.budgets,
      json: args.json,
      quiet: args.quiet,
    });
  }
  try {
    const server = loadServerConfig(io.env);
    const datasetPath = resolve(args.dataset);
    let cases = parseDataset(await io.readTextFile(datasetPath), args.dataset);
    if (args.only !== undefined) {
      const unknown = args.only.filter((id) => !cases.some((item) => item.id === id));
      if (unknown.length > 0) throw new RangeError(`Cannot find case "${unknown[0]}" in "${args.dataset}"`);
      cases = cases.filter((item) => args.only!.includes(item.id));
    }
    const loaded = await loadEvalConfig(
      args.config === undefined ? undefined : resolve(args.config),
      server,
      io,
    );
    const pending: Promise<void>[] = [];
    const runs: { mode: PipelineOptions["mode"]; report: EvalReport }[] = [];
    const modes = args.modes ?? [loaded.config.pipeline.mode];
    for (const mode of modes) {
      let done = 0;
      const label = modes.length > 1 ? ` ${mode}` : "";
      const report = await evaluate({
        ...createCliModels(server, stderrLogger(io)),
        cases,
        loaded: { ...loaded, config: { ...loaded.config, pipeline: { ...loaded.config.pipeline, mode } } },
        server,
        categories: args.categories,
        tolerance: args.tolerance,
        concurrency: args.concurrency,
        signal: io.signal,
        onCase: (result) => {
          done++;
          if (args.quiet) return;
          pending.push(io.stderr.write(
            `  [${done}/${cases.length}]${label} ${result.id}: ${result.truePositives} TP, ` +
              `${result.falsePositives} FP, ${result.falseNegatives} FN\n`,
          ));
        },
      });
      runs.push({ mode, report });
    }
    await Promise.all(pending);
    const model = `${server.llmProvider}/${server.llmModel}`;
    const configName = args.config ?? "built-in default";
    const header = { dataset: args.dataset, config: configName, model, tolerance: args.tolerance };
    if (args.json) {
      const body = runs.length === 1
        ? { ...header, mode: runs[0]!.mode, ...runs[0]!.report }
        : { ...header, modes: runs.map(({ mode, report }) => ({ mode, ...report })) };
      await io.stdout.write(JSON.stringify(body, null, 2) + "\n");
    } else {
      const title =
        `Dataset ${args.dataset} · ${cases.length} cases · default model ${model} · config ${configName}`;
      const sections = runs.map(({ mode, report }) =>
        renderEvalTables(report, runs.length === 1 ? title : `${title} · mode ${mode}`)
      );
      if (runs.length > 1) sections.push(renderModeComparison(runs));
      await io.stdout.write(sections.join("\n"));
    }
    return 0;
  } catch (error) {
    const message = error instanceof ConfigError ? error.toText() : (error as Error).message;
    await io.stderr.write(`loom eval: ${message}\n`);
    return 2;
  }
}

if (import.meta.main) Deno.exit(await runEvalCommand(processIo()));
