/**
 * OpenAI Chat Completions through the official `openai` SDK. The same wire protocol serves Azure OpenAI
 * (`/openai/v1` endpoint), Ollama, vLLM, Together, Groq and OpenRouter, so they differ only in `baseUrl`.
 */
import type OpenAI from "openai";
import {
  DEFAULT_MAX_TOKENS,
  DEFAULT_TIMEOUT_MS,
  isStrictCompatible,
  type LlmProviderOptions,
  openCallScope,
  type ProviderFailure,
  toJsonSchema,
  tokenUsage,
  toRequestName,
  toSdkLogger,
  withSystemInstruction,
} from "./_call.ts";
import { silentLogger } from "../log.ts";
import { chatWithStructuredOutput, schemaInstruction } from "./structured.ts";
import { type ChatMessage, type ChatOptions, type LlmClient, LlmError, type TokenUsage } from "./types.ts";

const OPENAI_BASE_URL = "https://api.openai.com/v1";

// The SDK is imported on the first call: a worker then holds only the SDKs of the providers it uses, each
// 20–30 MB resident once loaded.
let sdkModule: typeof import("openai") | undefined;
async function loadSdk(): Promise<typeof import("openai")> {
  return sdkModule ??= await import("openai");
}

type ChatCompletionCreateParamsNonStreaming = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;

/**
 * Creates a client for any OpenAI-compatible Chat Completions server.
 * @param options model, credentials and defaults; `apiKey` may be omitted for local servers
 */
export function createOpenAICompatibleClient(options: LlmProviderOptions): LlmClient {
  const model = options.model;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let sdk: Promise<OpenAI> | undefined;
  const client = () =>
    sdk ??= loadSdk().then(({ default: OpenAISdk }) =>
      new OpenAISdk({
        // Local servers (Ollama, vLLM) ignore the key, but the SDK refuses to start without one.
        apiKey: options.apiKey ?? "unused",
        baseURL: options.baseUrl ?? OPENAI_BASE_URL,
        // Explicit nulls keep the SDK from filling these from OPENAI_* variables: only ServerConfig configures Loom.
        organization: null,
        project: null,
        webhookSecret: null,
        fetch: options.fetch,
        // withRetry() is the only retry layer.
        maxRetries: 0,
        // Our own deadline (openCallScope) must fire first so the error says "timed out after N ms".
        timeout: timeoutMs + 1000,
        defaultHeaders: options.headers,
        logger: toSdkLogger(options.log ?? silentLogger),
      })
    );

  function buildBody(
    messages: ChatMessage[],
    callOptions: ChatOptions,
  ): ChatCompletionCreateParamsNonStreaming {
    const temperature = callOptions.temperature ?? options.temperature;
    const maxTokens = callOptions.maxTokens ?? options.maxOutputTokens ?? DEFAULT_MAX_TOKENS;
    const body: ChatCompletionCreateParamsNonStreaming = { model, messages };
    // Reasoning models reject `max_tokens` and any temperature but the default.
    if (isReasoningModel(model)) body.max_completion_tokens = maxTokens;
    else {
      body.max_tokens = maxTokens;
      if (temperature !== undefined) body.temperature = temperature;
    }
    if (callOptions.schema) {
      const name = toRequestName(callOptions.schemaName);
      const jsonSchema = toJsonSchema(callOptions.schema);
      const mode = options.structuredOutput ?? "json_schema";
      if (mode === "json_schema") {
        body.response_format = {
          type: "json_schema",
          json_schema: { name, schema: jsonSchema, strict: isStrictCompatible(jsonSchema) },
        };
      } else {
        body.messages = withSystemInstruction(messages, schemaInstruction(name, jsonSchema));
        if (mode === "json_object") body.response_format = { type: "json_object" };
      }
    }
    return body;
  }

  async function complete(
    messages: ChatMessage[],
    callOptions: ChatOptions,
  ): Promise<{ text: string; usage: TokenUsage; model: string }> {
    const scope = openCallScope({
      provider: "openai",
      model,
      timeoutMs,
      signal: callOptions.signal,
      toFailure,
    });
    try {
      const completion = await (await client()).chat.completions.create(buildBody(messages, callOptions), {
        signal: scope.signal,
      });
      const message = completion.choices[0]?.message;
      if (message?.refusal) {
        throw new LlmError(`Cannot use the answer of openai model "${model}": refused: ${message.refusal}`, {
          provider: "openai",
          retryable: false,
        });
      }
      return {
        text: message?.content ?? "",
        usage: usageOf(completion.usage),
        model: completion.model || model,
      };
    } catch (error) {
      throw scope.fail(error);
    } finally {
      scope.dispose();
    }
  }

  return {
    provider: "openai",
    model,
    chat: chatWithStructuredOutput("openai", model, complete),
    async *stream(messages, callOptions = {}) {
      const scope = openCallScope({
        provider: "openai",
        model,
        timeoutMs,
        signal: callOptions.signal,
        toFailure,
      });
      try {
        const stream = await (await client()).chat.completions.create(
          { ...buildBody(messages, callOptions), stream: true, stream_options: { include_usage: true } },
          { signal: scope.signal },
        );
        let usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
        for await (const chunk of stream) {
          const delta = chunk.choices[0]?.delta?.content;
          if (delta) yield delta;
          if (chunk.usage) usage = usageOf(chunk.usage);
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

/**
 * `prompt_tokens` includes the tokens OpenAI served from its automatic prompt cache, reported apart in
 * `prompt_tokens_details.cached_tokens` (servers without caching leave the details out).
 */
function usageOf(usage: OpenAI.CompletionUsage | null | undefined): TokenUsage {
  return tokenUsage(
    usage?.prompt_tokens ?? 0,
    usage?.completion_tokens ?? 0,
    usage?.prompt_tokens_details?.cached_tokens ?? 0,
  );
}

/** o1/o3/o4 and gpt-5 models take `max_completion_tokens` and no temperature. */
function isReasoningModel(model: string): boolean {
  return /^(o\d|gpt-5)/.test(model.replace(/^openai\//, ""));
}

function toFailure(error: unknown): ProviderFailure | null {
  // Before the SDK is loaded, no error can come from it.
  const OpenAISdk = sdkModule?.default;
  if (!OpenAISdk || !(error instanceof OpenAISdk.APIError)) return null;
  if (error instanceof OpenAISdk.APIUserAbortError) return { message: "request aborted" };
  if (error.status === undefined) return { message: error.message };
  return { status: error.status, headers: error.headers, message: error.message };
}
