/** Folder-internal helpers shared by the provider adapters: deadlines, cancellation, error mapping, schemas. */
import { z } from "zod";
import type { Logger } from "../log.ts";
import { type ChatMessage, LlmError, type LlmProviderId, type TokenUsage } from "./types.ts";

/** Per-call deadline when a model spec names none; long enough for a large diff on a slow model. */
export const DEFAULT_TIMEOUT_MS = 120_000;
/** Output budget when neither the call nor the model spec names one (Anthropic requires a value). */
export const DEFAULT_MAX_TOKENS = 4096;

/** What each adapter knows about a failed HTTP call, taken from its SDK's error class. */
export interface ProviderFailure {
  status?: number;
  headers?: Headers;
  message: string;
}

/** One call's combined signal (caller + deadline) and the single place its errors become `LlmError`s. */
export interface CallScope {
  readonly signal: AbortSignal;
  /** Maps anything thrown during the call; timeouts and cancellation win over what the SDK reported. */
  fail(error: unknown): LlmError;
  dispose(): void;
}

export function describeModel(provider: LlmProviderId, model: string): string {
  return `${provider} model "${model}"`;
}

/**
 * Starts a call: the deadline aborts the request like the caller's signal does, but the two are told apart
 * so a timeout stays retryable while a caller's cancellation never is.
 */
export function openCallScope(options: {
  provider: LlmProviderId;
  model: string;
  timeoutMs: number;
  signal?: AbortSignal;
  toFailure: (error: unknown) => ProviderFailure | null;
}): CallScope {
  const { provider, model, timeoutMs } = options;
  const controller = new AbortController();
  let timedOut = false;
  const onCallerAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onCallerAbort, { once: true });
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`Timed out after ${timeoutMs} ms`, "TimeoutError"));
  }, timeoutMs);
  const target = describeModel(provider, model);
  return {
    signal: controller.signal,
    fail(error) {
      if (error instanceof LlmError) return error;
      if (options.signal?.aborted) {
        return new LlmError(`Cannot complete request to ${target}: cancelled by the caller`, {
          provider,
          cancelled: true,
          cause: error,
        });
      }
      if (timedOut) {
        return new LlmError(`Cannot complete request to ${target}: timed out after ${timeoutMs} ms`, {
          provider,
          retryable: true,
          cause: error,
        });
      }
      const failure = options.toFailure(error);
      if (failure === null) {
        const detail = error instanceof Error ? error.message : String(error);
        return new LlmError(`Cannot complete request to ${target}: ${detail}`, {
          provider,
          retryable: false,
          cause: error,
        });
      }
      if (failure.status === undefined) {
        return new LlmError(`Cannot reach ${target}: ${failure.message}`, { provider, cause: error });
      }
      return new LlmError(
        `Cannot complete request to ${target}: HTTP ${failure.status}: ${failure.message}`,
        {
          provider,
          status: failure.status,
          retryAfterMs: parseRetryAfter(failure.headers) ??
            (failure.status === 429 ? parseRateLimitReset(failure.headers) : undefined),
          cause: error,
        },
      );
    },
    dispose() {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onCallerAbort);
    },
  };
}

/**
 * Reads `retry-after-ms` (OpenAI, Anthropic) or `retry-after` (seconds or an HTTP date, RFC 9110 §10.2.3).
 * @returns milliseconds to wait, or `undefined` when the response did not say
 */
function parseRetryAfter(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const milliseconds = headers.get("retry-after-ms");
  if (milliseconds !== null && milliseconds.trim() !== "") {
    const value = Number(milliseconds);
    if (Number.isFinite(value) && value >= 0) return Math.ceil(value);
  }
  const retryAfter = headers.get("retry-after");
  if (retryAfter === null || retryAfter.trim() === "") return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(retryAfter);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** OpenAI's `x-ratelimit-reset-*` durations: `20ms`, `1s`, `6m0s`, `1h2m3.5s`. */
function parseDuration(text: string): number | undefined {
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join("") !== text.trim()) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
  return Math.ceil(
    parts.reduce((sum, [, value, name]) => sum + Number(value) * unit[name as keyof typeof unit], 0),
  );
}

const RESET_HEADERS = [
  "x-ratelimit-reset-requests",
  "x-ratelimit-reset-tokens",
  "anthropic-ratelimit-requests-reset",
  "anthropic-ratelimit-tokens-reset",
  "anthropic-ratelimit-input-tokens-reset",
  "anthropic-ratelimit-output-tokens-reset",
];

/**
 * A 429 without `retry-after`: the latest of the provider's rate-limit reset headers (OpenAI's durations,
 * Anthropic's RFC 3339 times), since the answer does not say which limit was hit.
 * @returns milliseconds to wait, or `undefined` when there is none
 */
export function parseRateLimitReset(
  headers: Headers | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const waits = RESET_HEADERS.flatMap((name) => {
    const value = headers.get(name);
    if (value === null || value.trim() === "") return [];
    const duration = parseDuration(value);
    if (duration !== undefined) return [duration];
    const date = Date.parse(value);
    return Number.isNaN(date) ? [] : [Math.max(0, date - now)];
  });
  return waits.length === 0 ? undefined : Math.max(...waits);
}

/** The JSON Schema sent to providers; `$schema` is dropped because some providers reject unknown keywords. */
export function toJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io: "output",
    unrepresentable: "any",
  }) as Record<
    string,
    unknown
  >;
  return rest;
}

const SCHEMA_MAPS = new Set(["properties", "$defs", "definitions", "patternProperties"]);
const SCHEMA_DATA = new Set(["required", "enum", "const", "default", "examples"]);

/**
 * OpenAI's strict mode accepts only objects whose every property is required and closed; anything else must
 * go non-strict or the request is rejected with 400.
 */
export function isStrictCompatible(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.every(isStrictCompatible);
  if (schema === null || typeof schema !== "object") return true;
  const node = schema as Record<string, unknown>;
  if (node.type === "object") {
    const properties = Object.keys((node.properties ?? {}) as Record<string, unknown>);
    const required = new Set(Array.isArray(node.required) ? node.required : []);
    if (node.additionalProperties !== false) return false;
    if (!properties.every((name) => required.has(name))) return false;
  }
  return Object.entries(node).every(([key, value]) => {
    if (SCHEMA_MAPS.has(key)) return Object.values((value ?? {}) as object).every(isStrictCompatible);
    if (SCHEMA_DATA.has(key)) return true;
    return isStrictCompatible(value);
  });
}

/** A usage whose cache fields are present only when non-zero, as `TokenUsage` reads them. */
export function tokenUsage(
  inputTokens: number,
  outputTokens: number,
  cachedInputTokens = 0,
  cacheWriteTokens = 0,
): TokenUsage {
  return {
    inputTokens,
    outputTokens,
    ...(cachedInputTokens > 0 ? { cachedInputTokens } : {}),
    ...(cacheWriteTokens > 0 ? { cacheWriteTokens } : {}),
  };
}

/** Both usages added up, cache fields included. */
export function sumUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return tokenUsage(
    a.inputTokens + b.inputTokens,
    a.outputTokens + b.outputTokens,
    (a.cachedInputTokens ?? 0) + (b.cachedInputTokens ?? 0),
    (a.cacheWriteTokens ?? 0) + (b.cacheWriteTokens ?? 0),
  );
}

/** How a provider is asked for JSON; see `docs/providers.md`. */
export type StructuredOutputMode = "json_schema" | "json_object" | "prompt";

/** Options every provider factory takes; a deployment builds them from a model spec and `ServerConfig`. */
export interface LlmProviderOptions {
  model: string;
  apiKey?: string;
  /** The API root, e.g. `http://localhost:11434/v1` for Ollama; each provider has its public default. */
  baseUrl?: string;
  /** Injected for tests and proxies; defaults to the global `fetch`. */
  fetch?: typeof fetch;
  temperature?: number;
  maxOutputTokens?: number;
  /** Deadline for one request (a whole stream included); defaults to `DEFAULT_TIMEOUT_MS`. */
  timeoutMs?: number;
  /**
   * `json_schema` (default) uses the provider's native schema mechanism; `json_object` asks for JSON without a
   * schema and describes the schema in the prompt; `prompt` only describes it in the prompt.
   */
  structuredOutput?: StructuredOutputMode;
  /** Extra HTTP headers on every request (gateways, OpenRouter attribution). */
  headers?: Record<string, string>;
  /** Receives the SDKs' own warnings, which would otherwise go to the console. */
  log?: Logger;
}

/** The `logger` shape the OpenAI and Anthropic SDKs accept, writing through `lib/log.ts`. */
export function toSdkLogger(log: Logger) {
  const at = (level: "debug" | "info" | "warn" | "error") => (message: string, ...details: unknown[]) =>
    log[level](message, details.length > 0 ? { details } : undefined);
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Adds an instruction to the system prompt, creating one when the conversation has none. */
export function withSystemInstruction(messages: ChatMessage[], instruction: string): ChatMessage[] {
  const first = messages[0];
  if (first?.role === "system") {
    return [{ role: "system", content: `${first.content}\n\n${instruction}` }, ...messages.slice(1)];
  }
  return [{ role: "system", content: instruction }, ...messages];
}

/** Provider request names allow only `[a-zA-Z0-9_-]{1,64}`; the schema name is free text in Loom. */
export function toRequestName(schemaName: string | undefined): string {
  const cleaned = (schemaName ?? "response").replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64);
  return cleaned === "" ? "response" : cleaned;
}
