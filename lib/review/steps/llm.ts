/**
 * An LLM review call: one structured chat call per chunk of the diff — for one step, or in combined mode for
 * every step at once — answers validated into findings tagged with their step. Every message is passed through
 * `redactMessages` first, so nothing secret-looking reaches the provider. Calls of several steps over the same
 * chunk send the same prefix (rules and diff) and go through a `PrefixWarmup`, so the provider caches it.
 */
import { z } from "zod";
import type { DiffFile } from "../../diff/types.ts";
import type { LlmClient, TokenUsage } from "../../llm/types.ts";
import { type Finding, Severity } from "../../findings.ts";
import type { PrefixWarmup } from "../prefix_warmup.ts";
import { buildReviewMessages, type PromptFile, type PromptStep, renderNumberedDiff } from "../prompt.ts";
import type { ContextBlock } from "../prompt_context.ts";
import { type RedactionResult, redactMessages } from "../redact.ts";

const AnswerFinding = z.object({
  path: z.string().min(1),
  line: z.number().int().positive(),
  side: z.enum(["LEFT", "RIGHT"]).default("RIGHT"),
  end_line: z.number().int().positive().nullable().optional(),
  severity: Severity,
  title: z.string().min(1).max(200),
  body: z.string().max(4000),
  suggestion: z.string().nullable().optional(),
});

const ReviewAnswer = z.object({ findings: z.array(AnswerFinding).max(100) });
export type ReviewAnswer = z.infer<typeof ReviewAnswer>;

/** The answer of a combined call: every finding names one of `steps`; up to 100 findings per step. */
function combinedAnswer(steps: readonly [string, ...string[]]) {
  return z.object({
    findings: z.array(AnswerFinding.extend({ step: z.enum(steps) })).max(100 * steps.length),
  });
}

export interface LlmStepInput {
  name: string;
  client: LlmClient;
  prompt: string;
  persona?: string;
  instructions?: string[];
  title: string;
  /** The chunk to review: whole files, or parts of a split file. */
  files: readonly (DiffFile | PromptFile)[];
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
  /** Shared by the calls of one review, so calls repeating a prefix wait for its first call. */
  warmup?: PrefixWarmup;
  /** Context given beside this chunk's diff (`PipelineInput.contextFor`). */
  context?: readonly ContextBlock[];
}

export interface LlmStepResult {
  findings: Finding[];
  usage: TokenUsage;
  cached: boolean;
  /** Secrets replaced before the call, by kind. */
  redactions: RedactionResult["counts"];
}

/** One step's call over one chunk. */
export async function runLlmStep(input: LlmStepInput): Promise<LlmStepResult> {
  return await runReviewCall({
    ...input,
    steps: [{ name: input.name, prompt: input.prompt, persona: input.persona }],
  });
}

export interface ReviewCallInput extends Omit<LlmStepInput, "name" | "prompt" | "persona"> {
  /** One step, or several for a combined call. */
  steps: readonly PromptStep[];
}

/** One call over one chunk for one or several steps; findings carry the step they belong to. */
export async function runReviewCall(input: ReviewCallInput): Promise<LlmStepResult> {
  const built = buildReviewMessages({
    steps: input.steps,
    instructions: input.instructions,
    title: input.title,
    diff: renderNumberedDiff(input.files),
    context: input.context,
  });
  const { messages, counts: redactions } = redactMessages(built);
  const names = input.steps.map((step) => step.name);
  const combined = names.length > 1;
  const schema = combined ? combinedAnswer(names as [string, ...string[]]) : ReviewAnswer;
  const call = () => {
    // A call that waited for the prefix's first call sends nothing once the review is cancelled.
    input.signal?.throwIfAborted();
    return input.client.chat(messages, {
      schema,
      schemaName: combined ? "combined_review_findings" : "review_findings",
      maxTokens: input.maxTokens,
      temperature: input.temperature,
      signal: input.signal,
    });
  };
  // The key is everything up to the cache breakpoint: calls with the same key share a cached prefix.
  const prefixEnd = messages.findIndex((message) => message.cacheBreakpoint) + 1;
  const prefix = [
    input.client.provider,
    input.client.model,
    ...messages.slice(0, prefixEnd).map((message) => message.content),
  ].join("\u0000");
  const result = input.warmup && prefixEnd > 0 ? await input.warmup(prefix, call) : await call();
  const answer = (result.parsed ?? schema.parse(JSON.parse(result.text))) as {
    findings: (z.infer<typeof AnswerFinding> & { step?: string })[];
  };
  return {
    findings: answer.findings.map((finding) => ({
      path: finding.path.replace(/^[ab]\//, ""),
      line: finding.line,
      side: finding.side,
      endLine: finding.end_line ?? undefined,
      severity: finding.severity,
      title: finding.title.trim(),
      body: finding.body.trim(),
      suggestion: finding.suggestion ?? undefined,
      step: finding.step ?? names[0]!,
    })),
    usage: result.usage,
    cached: Boolean((result as { cached?: boolean }).cached),
    redactions,
  };
}
