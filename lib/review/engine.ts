/**
 * The platform-independent review pipeline: leaves out files nobody wants reviewed, shows each change with the
 * configured context (read from the head version of a file when git's three lines are not enough, trimmed when
 * fewer help), runs the configured steps with bounded parallelism — an llm step's files split into
 * token-budgeted chunks, one LLM call per chunk, also bounded; steps over the same chunk share its prompt prefix
 * and the first call warms the provider's cache for the others; in combined mode one call per chunk serves every
 * llm step — caps each step's severities, merges findings that several steps reported, and drops findings below
 * the configured minimum. The worker (`review_pull_request.ts`) and the command line share it.
 */
import { resolveModel } from "../config/models.ts";
import type { PipelineStep } from "../config/schema.ts";
import {
  capSeverity,
  meetsMinimumSeverity,
  pathInstructionsFor,
  pipelineSteps,
  stepAppliesTo,
} from "./policy.ts";
import { emptyStepRecord } from "../db/reviews.ts";
import { type DiffFile, filePath } from "../diff/types.ts";
import { sumUsage } from "../llm/mod.ts";
import type { LlmProviderId, TokenUsage } from "../llm/types.ts";
import {
  autoContextLines,
  DEFAULT_CONTEXT_FILES,
  expandContext,
  planChunks,
  type SkippedFile,
  trimContext,
} from "./context.ts";
import { createTokenCounter, type TokenCounter } from "../llm/tokens.ts";
import { mapBounded } from "../concurrency.ts";
import { runCombinedSteps } from "./combined.ts";
import { createPrefixWarmup, type PrefixWarmup } from "./prefix_warmup.ts";
import { mergeDuplicateFindings } from "./fingerprint.ts";
import type { Finding } from "../findings.ts";
import { skipReason } from "./skip.ts";
import { addRedactionCounts, type RedactionResult } from "./redact.ts";
import { runLlmStep } from "./steps/llm.ts";
import { runScriptStepRecord } from "./steps/script.ts";
import type { PipelineInput, StepRun } from "./pipeline_input.ts";
import { type ContextSource, distinctSources } from "./prompt_context.ts";

export type { PipelineInput, StepRun };

export interface PipelineResult {
  runs: StepRun[];
  /** Merged findings at or above the configured minimum severity, not yet anchored. */
  findings: Finding[];
  reviewable: DiffFile[];
  /** Files no step reviewed (lockfiles, generated…) and files or hunks a step's token budget left out. */
  skippedFiles: SkippedFile[];
  /** Secret-looking values replaced before any text went to a model, by kind, over all calls. */
  redactions: RedactionResult["counts"];
}

export async function runPipeline(input: PipelineInput): Promise<PipelineResult> {
  const { config } = input.loaded;
  const skippedFiles: { path: string; reason: string }[] = [];
  const reviewable = input.files.filter((file) => {
    const reason = skipReason(file);
    if (reason) skippedFiles.push({ path: filePath(file), reason });
    return reason === null;
  });
  // Script checkouts and context lines read the same head files; read each once.
  const readHeadFile = input.readHeadFile ? memoize(input.readHeadFile) : undefined;
  const shared: PipelineInput = readHeadFile ? { ...input, readHeadFile } : input;
  const contextLines = input.contextLines ??
    (config.pipeline.context_lines === "auto"
      ? autoContextLines(reviewable.length)
      : config.pipeline.context_lines);
  // Platforms send git's 3 lines of context; more are read from the head file, fewer are trimmed away.
  const expanded = readHeadFile && contextLines > GIT_CONTEXT_LINES
    ? await expandContext(reviewable, {
      readFile: readHeadFile,
      lines: contextLines,
      maxFiles: input.contextFiles ?? DEFAULT_CONTEXT_FILES,
      signal: input.signal,
    })
    : reviewable;
  const withContext = expanded.map((file) => trimContext(file, contextLines));
  const warmup = createPrefixWarmup();
  const steps = pipelineSteps(config);
  const combined = config.pipeline.mode === "combined" ? steps.filter((step) => step.type === "llm") : [];
  const combinedRuns = combined.length === 0 ? Promise.resolve([]) : runCombinedSteps(shared, combined, {
    files: withContext,
    counterFor: (provider) => counterFor(input, provider),
    onStepStart: input.onStepStart,
    onStep: input.onStep,
  });
  const separate = steps.filter((step) => !combined.includes(step));
  const separateRuns = mapBounded(separate, input.stepConcurrency ?? 3, async (step) => {
    throwIfAborted(input.signal);
    await input.onStepStart?.(step.name);
    const run = await runStep(shared, step, step.type === "llm" ? withContext : reviewable, warmup);
    await input.onStep?.(run.record);
    return run;
  });
  const finished = (await Promise.all([combinedRuns, separateRuns])).flat();
  const runs = steps.map((step) => finished.find((run) => run.record.name === step.name)!);
  throwIfAborted(input.signal);
  const findings = mergeDuplicateFindings(runs.flatMap((run) => run.findings))
    .filter((finding) => meetsMinimumSeverity(config.output, finding.severity));
  const redactions: RedactionResult["counts"] = {};
  // Steps with the same budget skip the same files; one line per file and reason names all of them.
  const budgetSkips = new Map<string, { path: string; reason: string; steps: string[] }>();
  for (const run of runs) {
    addRedactionCounts(redactions, run.redactions ?? {});
    for (const skip of run.skipped ?? []) {
      const key = `${skip.path}\u0000${skip.reason}`;
      const entry = budgetSkips.get(key) ?? { ...skip, steps: [] };
      entry.steps.push(run.record.name);
      budgetSkips.set(key, entry);
    }
  }
  for (const { path, reason, steps } of budgetSkips.values()) {
    skippedFiles.push({
      path,
      reason: `${reason} (${steps.length === 1 ? "step" : "steps"} ${steps.join(", ")})`,
    });
  }
  return { runs, findings, reviewable, skippedFiles, redactions };
}

/** Lines of context around each hunk in the diffs platforms serve (git's default). */
const GIT_CONTEXT_LINES = 3;

// Steps of one review count the same file texts; counting once per provider and text saves most tokenizer time.
const countCaches = new WeakMap<PipelineInput, Map<LlmProviderId, Promise<TokenCounter>>>();

function counterFor(input: PipelineInput, provider: LlmProviderId): Promise<TokenCounter> {
  let byProvider = countCaches.get(input);
  if (byProvider === undefined) {
    byProvider = new Map();
    countCaches.set(input, byProvider);
  }
  let counter = byProvider.get(provider);
  if (counter === undefined) {
    counter = Promise.resolve((input.tokenCounter ?? createTokenCounter)(provider)).then((count) => {
      const seen = new Map<string, number>();
      return (text: string) => {
        let tokens = seen.get(text);
        if (tokens === undefined) {
          tokens = count(text);
          seen.set(text, tokens);
        }
        return tokens;
      };
    });
    byProvider.set(provider, counter);
  }
  return counter;
}

function memoize(read: (path: string) => Promise<string | null>): (path: string) => Promise<string | null> {
  const seen = new Map<string, Promise<string | null>>();
  return (path) => {
    let pending = seen.get(path);
    if (pending === undefined) {
      pending = read(path);
      seen.set(path, pending);
      // A failed read may succeed later; only answers are kept.
      pending.catch(() => seen.delete(path));
    }
    return pending;
  };
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason ?? new Error("Review cancelled");
}

async function runStep(
  input: PipelineInput,
  step: PipelineStep,
  files: DiffFile[],
  warmup: PrefixWarmup,
): Promise<StepRun> {
  const { loaded, signal, title } = input;
  const started = performance.now();
  const base = emptyStepRecord(step.name);
  const stepFiles = files.filter((file) => stepAppliesTo(step, filePath(file)));
  if (step.type === "script") return await runScriptStepRecord(input, step, stepFiles, base);
  const prompt = loaded.prompts.get(step.name);
  if (prompt === undefined) {
    return {
      record: { ...base, error: `Prompt ${loaded.promptRefs.get(step.name) ?? ""} is not available` },
      findings: [],
    };
  }
  if (stepFiles.length === 0) return { record: { ...base, error: null }, findings: [] };
  const model = resolveModel(loaded.config, step.model, input.server);
  const record = { ...base, provider: model.provider, model: model.model };
  const countTokens = await counterFor(input, model.provider);
  const plan = planChunks(stepFiles, {
    countTokens,
    chunkTokens: input.chunkTokens,
    stepTokens: input.stepTokens,
  });
  if (plan.chunks.length === 0) {
    return {
      record: { ...record, durationMs: performance.now() - started },
      findings: [],
      skipped: plan.skipped,
    };
  }
  const client = input.createLlm(model);
  const given: ContextSource[] = [];
  try {
    const results = await mapBounded(plan.chunks, input.chunkConcurrency ?? 4, async (chunk) => {
      throwIfAborted(signal);
      const paths = chunk.files.map((entry) => filePath(entry.file));
      const context = input.contextFor ? await input.contextFor({ files: chunk.files, countTokens }) : [];
      given.push(...context);
      return await runLlmStep({
        context,
        name: step.name,
        client,
        prompt,
        persona: loaded.personas.get(step.name),
        instructions: [
          ...new Set(paths.flatMap((path) => pathInstructionsFor(loaded.config, path))),
          ...(input.guidanceFor?.(paths) ?? []),
        ],
        title,
        files: chunk.files,
        maxTokens: model.maxOutputTokens,
        temperature: model.temperature,
        signal,
        warmup,
      });
    });
    let usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
    const redactions: RedactionResult["counts"] = {};
    for (const result of results) {
      usage = sumUsage(usage, result.usage);
      addRedactionCounts(redactions, result.redactions);
    }
    return {
      record: {
        ...record,
        status: "completed",
        inputTokens: usage.inputTokens,
        cachedInputTokens: usage.cachedInputTokens ?? 0,
        cacheWriteTokens: usage.cacheWriteTokens ?? 0,
        outputTokens: usage.outputTokens,
        costUsd: input.costOf?.(model.provider, model.model, usage) ?? 0,
        cached: results.every((result) => result.cached),
        durationMs: performance.now() - started,
      },
      findings: results.flatMap((result) => result.findings).map((finding) => ({
        ...finding,
        severity: capSeverity(step, finding.severity),
      })),
      chunks: plan.chunks.length,
      skipped: plan.skipped,
      redactions,
      context: distinctSources(given),
    };
  } catch (error) {
    if (signal.aborted) throw error;
    // One failing step does not sink the review: the summary says which step failed and why.
    if ((error as { retryable?: boolean }).retryable === true) throw error;
    return {
      record: {
        ...record,
        status: "failed",
        error: (error as Error).message,
        durationMs: performance.now() - started,
      },
      findings: [],
    };
  }
}
