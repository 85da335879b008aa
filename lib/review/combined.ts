/**
 * Combined mode (`pipeline.mode: combined`): all llm steps that use the same model review a chunk in one call,
 * so the rules and the diff are sent once instead of once per step (for the 3-file benchmark pull request, 1
 * call instead of 3). Each finding names its step; a finding whose step does not cover its file (the step's
 * `paths`) is dropped, and each step's severity cap applies as in separate mode. A step's record carries an even
 * share of the tokens and cost of the calls it took part in.
 */
import { type ResolvedModel, resolveModel } from "../config/models.ts";
import type { PipelineStep } from "../config/schema.ts";
import { capSeverity, pathInstructionsFor, stepAppliesTo } from "./policy.ts";
import { emptyStepRecord, type ReviewStepRecord } from "../db/reviews.ts";
import { type DiffFile, filePath } from "../diff/types.ts";
import { sumUsage } from "../llm/mod.ts";
import type { LlmProviderId, TokenUsage } from "../llm/types.ts";
import { planChunks } from "./context.ts";
import { mapBounded } from "../concurrency.ts";
import type { TokenCounter } from "../llm/tokens.ts";
import type { PipelineInput, StepRun } from "./pipeline_input.ts";
import type { Finding } from "../findings.ts";
import type { PromptStep } from "./prompt.ts";
import { addRedactionCounts, type RedactionResult } from "./redact.ts";
import { runReviewCall } from "./steps/llm.ts";
import { type ContextSource, distinctSources } from "./prompt_context.ts";

export interface CombinedOptions {
  /** The diff as llm steps see it (context already applied). */
  files: DiffFile[];
  counterFor(provider: LlmProviderId): Promise<TokenCounter>;
  onStepStart?: PipelineInput["onStepStart"];
  onStep?: PipelineInput["onStep"];
}

/** Runs `steps` (llm steps only) combined per model; returns one run per step, in the order given. */
export async function runCombinedSteps(
  input: PipelineInput,
  steps: PipelineStep[],
  options: CombinedOptions,
): Promise<StepRun[]> {
  const byModel = new Map<string, PipelineStep[]>();
  const runs = new Map<string, StepRun>();
  for (const step of steps) {
    if (input.loaded.prompts.get(step.name) === undefined) {
      runs.set(step.name, {
        record: {
          ...emptyStepRecord(step.name),
          error: `Prompt ${input.loaded.promptRefs.get(step.name) ?? ""} is not available`,
        },
        findings: [],
      });
      continue;
    }
    byModel.set(step.model, [...byModel.get(step.model) ?? [], step]);
  }
  await mapBounded([...byModel.values()], input.stepConcurrency ?? 3, async (group) => {
    for (const step of group) await options.onStepStart?.(step.name);
    for (const run of await runGroup(input, group, options)) {
      runs.set(run.record.name, run);
      await options.onStep?.(run.record);
    }
  });
  for (const step of steps) {
    const run = runs.get(step.name);
    if (run && !byModel.get(step.model)?.includes(step)) await options.onStep?.(run.record);
  }
  return steps.map((step) => runs.get(step.name)!);
}

/** One model's steps: chunks over the files any of them reviews, one call per chunk. */
async function runGroup(
  input: PipelineInput,
  group: PipelineStep[],
  options: CombinedOptions,
): Promise<StepRun[]> {
  const started = performance.now();
  const { loaded, signal } = input;
  const model: ResolvedModel = resolveModel(loaded.config, group[0]!.model, input.server);
  const files = options.files.filter((file) => group.some((step) => stepAppliesTo(step, filePath(file))));
  const base = (step: PipelineStep): ReviewStepRecord => ({
    ...emptyStepRecord(step.name),
    provider: model.provider,
    model: model.model,
  });
  const countTokens = await options.counterFor(model.provider);
  const plan = planChunks(files, {
    countTokens,
    chunkTokens: input.chunkTokens,
    stepTokens: input.stepTokens,
  });
  const usage = new Map(group.map((step) => [step.name, { inputTokens: 0, outputTokens: 0 } as TokenUsage]));
  const findings = new Map(group.map((step) => [step.name, [] as Finding[]]));
  const took = new Set<string>();
  const given = new Map(group.map((step) => [step.name, [] as ContextSource[]]));
  const redactions: RedactionResult["counts"] = {};
  let allCached = true;
  const client = plan.chunks.length > 0 ? input.createLlm(model) : null;
  try {
    await mapBounded(plan.chunks, input.chunkConcurrency ?? 4, async (chunk) => {
      signal.throwIfAborted();
      const paths = chunk.files.map((entry) => filePath(entry.file));
      const members = group.filter((step) => paths.some((path) => stepAppliesTo(step, path)));
      const steps: PromptStep[] = members.map((step) => {
        const covered = paths.filter((path) => stepAppliesTo(step, path));
        return {
          name: step.name,
          prompt: loaded.prompts.get(step.name)!,
          persona: loaded.personas.get(step.name),
          ...(covered.length < paths.length ? { paths: covered } : {}),
        };
      });
      const context = input.contextFor ? await input.contextFor({ files: chunk.files, countTokens }) : [];
      for (const step of members) given.get(step.name)!.push(...context);
      const result = await runReviewCall({
        context,
        steps,
        client: client!,
        instructions: [
          ...new Set(paths.flatMap((path) => pathInstructionsFor(loaded.config, path))),
          ...(input.guidanceFor?.(paths) ?? []),
        ],
        title: input.title,
        files: chunk.files,
        maxTokens: model.maxOutputTokens,
        temperature: model.temperature,
        signal,
      });
      allCached &&= result.cached;
      addRedactionCounts(redactions, result.redactions);
      members.forEach((step, index) => {
        took.add(step.name);
        usage.set(step.name, sumUsage(usage.get(step.name)!, shareOf(result.usage, members.length, index)));
      });
      for (const finding of result.findings) {
        const step = members.find((member) => member.name === finding.step);
        // A step answers only for its own files; anything else is the model straying outside its brief.
        if (step === undefined || !stepAppliesTo(step, finding.path)) continue;
        findings.get(step.name)!.push({ ...finding, severity: capSeverity(step, finding.severity) });
      }
    });
  } catch (error) {
    if (signal.aborted) throw error;
    // As in separate mode: a retryable failure retries the job, any other fails these steps only.
    if ((error as { retryable?: boolean }).retryable === true) throw error;
    return group.map((step) => ({
      record: {
        ...base(step),
        status: "failed",
        error: (error as Error).message,
        durationMs: performance.now() - started,
      },
      findings: [],
    }));
  }
  const durationMs = performance.now() - started;
  return group.map((step) => {
    if (!took.has(step.name)) {
      return { record: { ...base(step), durationMs }, findings: [], skipped: plan.skipped };
    }
    const stepUsage = usage.get(step.name)!;
    return {
      record: {
        ...base(step),
        status: "completed",
        inputTokens: stepUsage.inputTokens,
        cachedInputTokens: stepUsage.cachedInputTokens ?? 0,
        cacheWriteTokens: stepUsage.cacheWriteTokens ?? 0,
        outputTokens: stepUsage.outputTokens,
        costUsd: input.costOf?.(model.provider, model.model, stepUsage) ?? 0,
        cached: allCached,
        durationMs,
      },
      findings: findings.get(step.name)!,
      chunks: plan.chunks.length,
      skipped: plan.skipped.filter((skip) => stepAppliesTo(step, skip.path)),
      redactions: step === group[0] ? redactions : {},
      context: distinctSources(given.get(step.name)!),
    };
  });
}

/** The `index`-th of `parts` even shares of `usage`; the first share takes the remainders. */
function shareOf(usage: TokenUsage, parts: number, index: number): TokenUsage {
  const share = (value = 0) => Math.floor(value / parts) + (index === 0 ? value % parts : 0);
  return {
    inputTokens: share(usage.inputTokens),
    outputTokens: share(usage.outputTokens),
    cachedInputTokens: share(usage.cachedInputTokens),
    cacheWriteTokens: share(usage.cacheWriteTokens),
  };
}
