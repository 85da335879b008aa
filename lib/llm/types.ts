/** The contract every LLM provider implements. Providers never read the environment themselves. */
import type { z } from "zod";

import type { LlmProviderId, TokenUsage } from "../llm_stores.ts";

export type { LlmProviderId, TokenUsage };

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
  /**
   * The conversation up to and including this message is a prefix other calls repeat. Providers whose prompt
   * cache needs explicit marks (Anthropic's `cache_control`) put a cache breakpoint here; the others cache
   * repeated prefixes on their own.
   */
  cacheBreakpoint?: boolean;
}

export interface ChatOptions<T = unknown> {
  /** When set, the provider asks for structured output matching this schema and validates the answer. */
  schema?: z.ZodType<T>;
  /** Name for the schema in provider requests (tool name / response format name). */
  schemaName?: string;
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
}

export interface ChatResult<T = unknown> {
  text: string;
  /** The validated structured answer when `schema` was given. */
  parsed?: T;
  usage: TokenUsage;
  model: string;
  /** True when the answer came from a response cache; `usage` is then zero because nothing was billed. */
  cached?: boolean;
}

export interface LlmClient {
  readonly provider: LlmProviderId;
  readonly model: string;
  chat<T = unknown>(messages: ChatMessage[], options?: ChatOptions<T>): Promise<ChatResult<T>>;
  /** Streams text deltas; the final usage is returned when the iterator finishes. */
  stream(messages: ChatMessage[], options?: Omit<ChatOptions, "schema">): AsyncGenerator<string, TokenUsage>;
}

/** An error from an LLM provider; `retryable` is true for 408/409/429/5xx, timeouts and connection failures. */
export class LlmError extends Error {
  readonly provider: LlmProviderId;
  readonly status?: number;
  readonly retryable: boolean;
  /** Milliseconds the provider asked us to wait (from `retry-after`), when it said. */
  readonly retryAfterMs?: number;
  /** True when the caller's `signal` aborted the call; such an error is never retried. */
  readonly cancelled?: boolean;
  constructor(
    message: string,
    options: {
      provider: LlmProviderId;
      status?: number;
      retryable?: boolean;
      retryAfterMs?: number;
      cancelled?: boolean;
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.name = "LlmError";
    this.provider = options.provider;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    if (options.cancelled) this.cancelled = true;
    this.retryable = options.cancelled ? false : options.retryable ??
      (options.status === undefined || options.status === 408 || options.status === 409 ||
        options.status === 429 || options.status >= 500);
  }
}
