/**
 * Gemini API through the official `@google/genai` SDK. Structured output uses `responseMimeType:
 * "application/json"` with `responseJsonSchema`; streaming uses `generateContentStream` (SSE).
 */
import type { GenerateContentConfig, GenerateContentResponse, GoogleGenAI } from "@google/genai";
import {
  DEFAULT_MAX_TOKENS,
  DEFAULT_TIMEOUT_MS,
  type LlmProviderOptions,
  openCallScope,
  type ProviderFailure,
  toJsonSchema,
  tokenUsage,
  toRequestName,
} from "./_call.ts";
import { chatWithStructuredOutput, schemaInstruction } from "./structured.ts";
import { type ChatMessage, type ChatOptions, type LlmClient, LlmError, type TokenUsage } from "./types.ts";

const GEMINI_BASE_URL = "https://generativelanguage.googleapis.com";

// The SDK is imported on the first call, so only processes that use Gemini hold it (about 29 MB resident).
let sdkModule: typeof import("@google/genai") | undefined;
async function loadSdk(): Promise<typeof import("@google/genai")> {
  return sdkModule ??= await import("@google/genai");
}

/**
 * Creates a client for the Gemini API (not Vertex AI).
 * @param options model, `apiKey` (required) and defaults; `baseUrl` replaces the API origin
 * @throws {TypeError} when `apiKey` is missing
 */
export function createGoogleClient(options: LlmProviderOptions): LlmClient {
  const model = options.model;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!options.apiKey) {
    throw new TypeError(`Cannot create google model "${model}": "apiKey" is missing`);
  }
  const baseFetch = options.fetch ?? fetch;
  const apiKey = options.apiKey;
  let sdk: Promise<GoogleGenAI> | undefined;
  const client = () =>
    sdk ??= loadSdk().then(({ GoogleGenAI: GoogleSdk }) =>
      new GoogleSdk({
        apiKey,
        vertexai: false,
        // No retryOptions: the SDK then makes exactly one attempt and withRetry() is the only retry layer.
        httpOptions: {
          baseUrl: options.baseUrl ?? GEMINI_BASE_URL,
          headers: options.headers,
          fetch: baseFetch,
        },
      })
    );

  /**
   * The SDK's `ApiError` keeps the status but drops the response headers, so each call gets its own fetch
   * that remembers the headers of a failed response for `retry-after`.
   */
  function openScope(signal: AbortSignal | undefined) {
    let failedHeaders: Headers | undefined;
    const capturingFetch: typeof fetch = async (input, init) => {
      const response = await baseFetch(input, init);
      if (!response.ok) failedHeaders = response.headers;
      return response;
    };
    const scope = openCallScope({
      provider: "google",
      model,
      timeoutMs,
      signal,
      toFailure: (error) => toFailure(error, failedHeaders),
    });
    return { scope, capturingFetch };
  }

  function buildRequest(messages: ChatMessage[], callOptions: ChatOptions, scope: {
    signal: AbortSignal;
    capturingFetch: typeof fetch;
  }) {
    const system: string[] = [];
    const contents = [];
    for (const message of messages) {
      if (message.role === "system") system.push(message.content);
      else {contents.push({
          role: message.role === "assistant" ? "model" : "user",
          parts: [{ text: message.content }],
        });}
    }
    const config: GenerateContentConfig = {
      maxOutputTokens: callOptions.maxTokens ?? options.maxOutputTokens ?? DEFAULT_MAX_TOKENS,
      abortSignal: scope.signal,
      httpOptions: { fetch: scope.capturingFetch },
    };
    const temperature = callOptions.temperature ?? options.temperature;
    if (temperature !== undefined) config.temperature = temperature;
    if (callOptions.schema) {
      const jsonSchema = toJsonSchema(callOptions.schema);
      const mode = options.structuredOutput ?? "json_schema";
      if (mode === "json_schema") {
        config.responseMimeType = "application/json";
        config.responseJsonSchema = jsonSchema;
      } else {
        system.push(schemaInstruction(toRequestName(callOptions.schemaName), jsonSchema));
        if (mode === "json_object") config.responseMimeType = "application/json";
      }
    }
    if (system.length > 0) config.systemInstruction = system.join("\n\n");
    return { model, contents, config };
  }

  async function complete(
    messages: ChatMessage[],
    callOptions: ChatOptions,
  ): Promise<{ text: string; usage: TokenUsage; model: string }> {
    const { scope, capturingFetch } = openScope(callOptions.signal);
    try {
      const response = await (await client()).models.generateContent(
        buildRequest(messages, callOptions, { signal: scope.signal, capturingFetch }),
      );
      const blocked = response.promptFeedback?.blockReason;
      if (blocked) {
        throw new LlmError(`Cannot use the answer of google model "${model}": prompt blocked: ${blocked}`, {
          provider: "google",
          retryable: false,
        });
      }
      return { text: textOf(response), usage: usageOf(response), model: response.modelVersion || model };
    } catch (error) {
      throw scope.fail(error);
    } finally {
      scope.dispose();
    }
  }

  return {
    provider: "google",
    model,
    chat: chatWithStructuredOutput("google", model, complete),
    async *stream(messages, callOptions = {}) {
      const { scope, capturingFetch } = openScope(callOptions.signal);
      try {
        const chunks = await (await client()).models.generateContentStream(
          buildRequest(messages, callOptions, { signal: scope.signal, capturingFetch }),
        );
        let usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
        for await (const chunk of chunks) {
          const text = textOf(chunk);
          if (text) yield text;
          // Every chunk carries the running totals; the last one is final.
          if (chunk.usageMetadata) usage = usageOf(chunk);
        }
        return usage;
      } catch (error) {
        throw scope.fail(error);
      } finally {
        scope.dispose();
      }
    },
  };
}

/** Text parts of the first candidate, without thought summaries. */
function textOf(response: GenerateContentResponse): string {
  const parts = response.candidates?.[0]?.content?.parts ?? [];
  return parts.map((part) => part.thought || typeof part.text !== "string" ? "" : part.text).join("");
}

/**
 * Thinking tokens are billed as output, so they count as output here. `promptTokenCount` includes the
 * `cachedContentTokenCount` served from Gemini's implicit (or explicit) context cache.
 */
function usageOf(response: GenerateContentResponse): TokenUsage {
  const metadata = response.usageMetadata;
  return tokenUsage(
    metadata?.promptTokenCount ?? 0,
    (metadata?.candidatesTokenCount ?? 0) + (metadata?.thoughtsTokenCount ?? 0),
    metadata?.cachedContentTokenCount ?? 0,
  );
}

function toFailure(error: unknown, headers: Headers | undefined): ProviderFailure | null {
  // Before the SDK is loaded, no error can come from it.
  const ApiError = sdkModule?.ApiError;
  if (!ApiError || !(error instanceof ApiError)) {
    // fetch rejects with a TypeError when the connection fails; the SDK passes it through.
    return error instanceof TypeError ? { message: error.message } : null;
  }
  const body = parseErrorBody(error.message);
  const retryDelay = body?.details?.map((detail) => detail.retryDelay).find((value) =>
    typeof value === "string"
  );
  const merged = new Headers(headers);
  // Gemini states the wait in a google.rpc.RetryInfo detail ("30s") more often than in a header.
  if (!merged.has("retry-after") && typeof retryDelay === "string" && /^\d+(\.\d+)?s$/.test(retryDelay)) {
    merged.set("retry-after", retryDelay.slice(0, -1));
  }
  return { status: error.status, headers: merged, message: body?.message ?? error.message };
}

function parseErrorBody(
  message: string,
): { message?: string; details?: { retryDelay?: unknown }[] } | undefined {
  try {
    const parsed = JSON.parse(message) as {
      error?: { message?: string; details?: { retryDelay?: unknown }[] };
    };
    return parsed.error;
  } catch {
    return undefined;
  }
}
