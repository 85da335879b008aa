/**
 * The model call of a command's answer, recorded in the review history (`recordAssistantRun`): kind `ask` or
 * `converse`, the provider and model, the tokens and their cost, and how it ended. Guarantee: every call that
 * reached the model is recorded, a failed one as failed with its reason and a cancelled one as cancelled; a
 * history write that fails is logged and never hides the answer or the model's error. Attempts of one job share
 * one history row (`jobId`).
 */
import type { ResolvedModel } from "../config/models.ts";
import { recordAssistantRun } from "../db/assistant_runs.ts";
import type { PullRequest } from "../platforms/types.ts";
import { costOf as listPrice } from "../llm/pricing.ts";
import type { ChatMessage, ChatOptions, ChatResult, TokenUsage } from "../llm/types.ts";
import type { CommandDeps } from "./deps.ts";

const NO_USAGE: TokenUsage = { inputTokens: 0, outputTokens: 0 };

/** Calls `model` with `messages` and records the run; returns the model's answer or throws its error. */
export async function recordedChat<T>(
  deps: Pick<CommandDeps, "db" | "log" | "createLlm" | "costOf" | "now">,
  run: {
    kind: "ask" | "converse";
    repoId: number;
    pr: PullRequest;
    /** Who asked. */
    author: string;
    jobId?: number;
    model: ResolvedModel;
    messages: ChatMessage[];
    options: ChatOptions<T>;
    /** One line for the history; from the answer when it depends on it. */
    summary: string | ((answer: ChatResult<T>) => string);
  },
): Promise<ChatResult<T>> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const record = async (outcome: {
    status: "completed" | "failed" | "cancelled";
    usage: TokenUsage;
    modelName: string;
    error?: string;
    summary?: string;
  }) => {
    const cost = deps.costOf
      ? deps.costOf(run.model.provider, outcome.modelName, outcome.usage)
      : listPrice(run.model.provider, outcome.modelName, outcome.usage).usd;
    try {
      await recordAssistantRun(deps.db, {
        repoId: run.repoId,
        prNumber: run.pr.ref.number,
        headSha: run.pr.headSha,
        kind: run.kind,
        title: run.pr.title,
        author: run.author,
        ...(run.jobId === undefined ? {} : { jobId: run.jobId }),
        provider: run.model.provider,
        model: outcome.modelName,
        usage: outcome.usage,
        costUsd: cost,
        status: outcome.status,
        error: outcome.error ?? null,
        summary: outcome.summary ?? null,
        startedAt,
        finishedAt: now(),
      });
    } catch (error) {
      deps.log.warn("Could not record the run in the review history", {
        kind: run.kind,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };
  let answer: ChatResult<T>;
  try {
    answer = await deps.createLlm(run.model).chat(run.messages, run.options);
  } catch (error) {
    const cancelled = run.options.signal?.aborted === true;
    await record({
      status: cancelled ? "cancelled" : "failed",
      usage: NO_USAGE,
      modelName: run.model.model,
      error: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
  await record({
    status: "completed",
    usage: answer.usage,
    modelName: answer.model || run.model.model,
    summary: typeof run.summary === "string" ? run.summary : run.summary(answer),
  });
  return answer;
}
