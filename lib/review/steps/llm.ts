/**
 * An LLM review step: one structured chat call per chunk of the diff, answers validated into findings. Every
 * message is passed through `redactMessages` first, so nothing secret-looking reaches the provider.
 */
import { z } from "zod";
import type { DiffFile } from "../../diff/types.ts";
import type { LlmClient, TokenUsage } from "../../llm/types.ts";
import { type Finding, Severity } from "../findings.ts";
import { buildReviewMessages, type PromptFile, renderNumberedDiff } from "../prompt.ts";
import { type RedactionResult, redactMessages } from "../redact.ts";

export const ReviewAnswer = z.object({
  findings: z.array(z.object({
    path: z.string().min(1),
    line: z.number().int().positive(),
    side: z.enum(["LEFT", "RIGHT"]).default("RIGHT"),
    end_line: z.number().int().positive().nullable().optional(),
    severity: Severity,
    title: z.string().min(1).max(200),
    body: z.string().max(4000),
    suggestion: z.string().nullable().optional(),
  })).max(100),
});
export type ReviewAnswer = z.infer<typeof ReviewAnswer>;

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
}

export interface LlmStepResult {
  findings: Finding[];
  usage: TokenUsage;
  cached: boolean;
  /** Secrets replaced before the call, by kind. */
  redactions: RedactionResult["counts"];
}

export async function runLlmStep(input: LlmStepInput): Promise<LlmStepResult> {
  const built = buildReviewMessages({
    stepPrompt: input.prompt,
    persona: input.persona,
    instructions: input.instructions,
    title: input.title,
    diff: renderNumberedDiff(input.files),
  });
  const { messages, counts: redactions } = redactMessages(built);
  const result = await input.client.chat(messages, {
    schema: ReviewAnswer,
    schemaName: "review_findings",
    maxTokens: input.maxTokens,
    temperature: input.temperature,
    signal: input.signal,
  });
  const answer = result.parsed ?? ReviewAnswer.parse(JSON.parse(result.text));
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
      step: input.name,
    })),
    usage: result.usage,
    cached: Boolean((result as { cached?: boolean }).cached),
    redactions,
  };
}
