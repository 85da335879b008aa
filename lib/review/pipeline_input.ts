/**
 * What the review pipeline is given (`PipelineInput`) and what one step gives back (`StepRun`): the shapes
 * `engine.ts` and `combined.ts` share, in a module of their own so the two do not import each other.
 */
import type { ServerConfig } from "../config/env.ts";
import type { LoadedConfig } from "../config/load.ts";
import type { ResolvedModel } from "../config/models.ts";
import type { ReviewStepRecord } from "../db/reviews.ts";
import type { DiffFile } from "../diff/types.ts";
import type { LlmClient, LlmProviderId, TokenUsage } from "../llm/types.ts";
import type { SkippedFile } from "./context.ts";
import type { TokenCounter } from "../llm/tokens.ts";
import type { Finding } from "../findings.ts";
import type { RedactionResult } from "./redact.ts";
import type { ScriptStepContext } from "./steps/script.ts";
import type { PromptFile } from "./prompt.ts";
import type { ContextBlock, ContextSource } from "./prompt_context.ts";

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
  /** Called when a step gets its turn (steps beyond `stepConcurrency` wait for one). */
  onStepStart?(name: string): Promise<void> | void;
  /** Script steps: the head commit, how to read its files for the checkout, and sandbox limits. */
  headSha?: ScriptStepContext["headSha"];
  readHeadFile?: ScriptStepContext["readHeadFile"];
  scriptLimits?: ScriptStepContext["scriptLimits"];
  /**
   * Unchanged lines shown to llm steps above and below each change (read from `readHeadFile` beyond git's three);
   * default the configuration's `pipeline.context_lines`.
   */
  contextLines?: number;
  /** Most files read for extra context, riskiest first; default 50. */
  contextFiles?: number;
  /** Most diff tokens in one LLM call; default 24,000. */
  chunkTokens?: number;
  /** Most diff tokens one llm step spends on the pull request; default 240,000. */
  stepTokens?: number;
  /** LLM calls of one step in flight at once (the LLM client's deployment limiter applies on top); default 4. */
  chunkConcurrency?: number;
  /** Token counting per provider; default `createTokenCounter`. */
  tokenCounter?(provider: LlmProviderId): TokenCounter | Promise<TokenCounter>;
  /**
   * Context given beside one chunk's diff (code the change depends on, guidelines, tickets). Called once per
   * chunk and step; it must answer the same blocks for the same files, so steps over a chunk share one cached
   * prompt prefix. Absent: the diff alone.
   */
  contextFor?(chunk: { files: readonly PromptFile[]; countTokens: TokenCounter }): Promise<ContextBlock[]>;
  /**
   * Team guidance from learnings for a chunk's files (`lib/review/learnings.ts`), added to the prompt after the
   * repository's path instructions. Absent: none.
   */
  guidanceFor?(paths: readonly string[]): string[];
}

export interface StepRun {
  record: ReviewStepRecord;
  findings: Finding[];
  /** LLM calls the step made (one per chunk). */
  chunks?: number;
  /** Files or hunks the step's token budget left out. */
  skipped?: SkippedFile[];
  redactions?: RedactionResult["counts"];
  /** Where the context given to the step's calls came from, over all its chunks, without repeats. */
  context?: ContextSource[];
}
