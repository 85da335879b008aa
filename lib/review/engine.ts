/**
 * The platform-independent review pipeline: leaves out files nobody wants reviewed, runs the configured steps
 * with bounded parallelism, caps each step's severities, merges findings that several steps reported, and drops
 * findings below the configured minimum. The worker (`review_pull_request.ts`) and the command line share it.
 */
import type { ServerConfig } from "../config/env.ts";
import type { LoadedConfig } from "../config/load.ts";
import {
  capSeverity,
  meetsMinimumSeverity,
  pathInstructionsFor,
  type PipelineStep,
  pipelineSteps,
  type ResolvedModel,
  resolveModel,
  stepAppliesTo,
} from "../config/repo_config.ts";
import type { ReviewStepRecord } from "../db/reviews.ts";
import { type DiffFile, filePath } from "../diff/types.ts";
import type { LlmClient, LlmProviderId, TokenUsage } from "../llm/types.ts";
import { mergeDuplicateFindings } from "./fingerprint.ts";
import type { Finding } from "./findings.ts";
import { skipReason } from "./skip.ts";
import { runLlmStep } from "./steps/llm.ts";

export interface PipelineInput {
  loaded: LoadedConfig;
  files: DiffFile[];
  title: string;
  server: ServerConfig;
  createLlm(model: ResolvedModel): LlmClient;
  /** USD for one call's usage; zero when not given. */
  costOf?(provider: LlmProviderId, model: string, usage: TokenUsage): number;
  /** Steps run at once. */
  stepConcurrency?: number;
  signal: AbortSignal;
  /** Called as each step finishes (progress, accounting). */
  onStep?(record: ReviewStepRecord): Promise<void> | void;
}

export interface PipelineResult {
  runs: StepRun[];
  /** Merged findings at or above the configured minimum severity, not yet anchored. */
  findings: Finding[];
  reviewable: DiffFile[];
  skippedFiles: { path: string; reason: string }[];
}

export async function runPipeline(input: PipelineInput): Promise<PipelineResult> {
  const { config } = input.loaded;
  const skippedFiles: { path: string; reason: string }[] = [];
  const reviewable = input.files.filter((file) => {
    const reason = skipReason(file);
    if (reason) skippedFiles.push({ path: filePath(file), reason });
    return reason === null;
  });
  const runs = await mapBounded(pipelineSteps(config), input.stepConcurrency ?? 3, async (step) => {
    throwIfAborted(input.signal);
    const run = await runStep(input, step, reviewable);
    await input.onStep?.(run.record);
    return run;
  });
  throwIfAborted(input.signal);
  const findings = mergeDuplicateFindings(runs.flatMap((run) => run.findings))
    .filter((finding) => meetsMinimumSeverity(config.output, finding.severity));
  return { runs, findings, reviewable, skippedFiles };
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason ?? new Error("Review cancelled");
}

export interface StepRun {
  record: ReviewStepRecord;
  findings: Finding[];
}

/** Runs `tasks` with at most `limit` in flight, keeping results in order. */
async function mapBounded<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  });
  await Promise.all(lanes);
  return results;
}

async function runStep(input: PipelineInput, step: PipelineStep, files: DiffFile[]): Promise<StepRun> {
  const { loaded, signal, title } = input;
  const started = performance.now();
  const base: ReviewStepRecord = {
    name: step.name,
    provider: null,
    model: null,
    status: "skipped",
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    cached: false,
    durationMs: 0,
    error: null,
  };
  const stepFiles = files.filter((file) => stepAppliesTo(step, filePath(file)));
  if (step.type !== "llm") {
    return { record: { ...base, error: "Script steps are not supported by this server" }, findings: [] };
  }
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
  try {
    const result = await runLlmStep({
      name: step.name,
      client: input.createLlm(model),
      prompt,
      persona: loaded.personas.get(step.name),
      instructions: [
        ...new Set(stepFiles.flatMap((file) => pathInstructionsFor(loaded.config, filePath(file)))),
      ],
      title,
      files: stepFiles,
      maxTokens: model.maxOutputTokens,
      temperature: model.temperature,
      signal,
    });
    return {
      record: {
        ...record,
        status: "completed",
        inputTokens: result.usage.inputTokens,
        outputTokens: result.usage.outputTokens,
        costUsd: input.costOf?.(model.provider, model.model, result.usage) ?? 0,
        cached: result.cached,
        durationMs: performance.now() - started,
      },
      findings: result.findings.map((finding) => ({
        ...finding,
        severity: capSeverity(step, finding.severity),
      })),
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
