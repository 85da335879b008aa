/**
 * Anthropic Messages API through the official `@anthropic-ai/sdk`. Structured output forces a tool call whose
 * `input_schema` is the answer's schema; the tool input is the answer.
 */
import type Anthropic from "@anthropic-ai/sdk";
import {
  DEFAULT_MAX_TOKENS,
  DEFAULT_TIMEOUT_MS,
  type LlmProviderOptions,
  openCallScope,
  type ProviderFailure,
  toJsonSchema,
  tokenUsage,
  toRequestName,
  toSdkLogger,
} from "./_call.ts";
import { silentLogger } from "../log.ts";
import { chatWithStructuredOutput, schemaInstruction } from "./structured.ts";
import type { ChatMessage, ChatOptions, LlmClient, TokenUsage } from "./types.ts";

const ANTHROPIC_BASE_URL = "https://api.anthropic.com";

// The SDK is imported on the first call, so only processes that use Anthropic hold it (about 23 MB resident).
let sdkModule: typeof import("@anthropic-ai/sdk") | undefined;
async function loadSdk(): Promise<typeof import("@anthropic-ai/sdk")> {
  return sdkModule ??= await import("@anthropic-ai/sdk");
}

type MessageCreateParams = Anthropic.Messages.MessageCreateParamsNonStreaming;

/**
 * Creates a client for Anthropic's Messages API.
 * @param options model, `apiKey` (required) and defaults; `temperature` is not sent because the current
 *   Messages API has no such parameter
 * @throws {TypeError} when `apiKey` is missing
 */
export function createAnthropicClient(options: LlmProviderOptions): LlmClient {
  const model = options.model;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!options.apiKey) {
    // Without a key the SDK would search the environment and profile files; Loom passes keys explicitly.
    throw new TypeError(`Cannot create anthropic model "${model}": "apiKey" is missing`);
  }
  let sdk: Promise<Anthropic> | undefined;
  const client = () =>
    sdk ??= loadSdk().then(({ default: AnthropicSdk }) =>
      new AnthropicSdk({
        apiKey: options.apiKey,
        baseURL: options.baseUrl ?? ANTHROPIC_BASE_URL,
        webhookKey: null,
        fetch: options.fetch,
        // withRetry() is the only retry layer.
        maxRetries: 0,
        // Our own deadline (openCallScope) must fire first so the error says "timed out after N ms".
        timeout: timeoutMs + 1000,
        defaultHeaders: options.headers,
        logger: toSdkLogger(options.log ?? silentLogger),
      })
    );

  function buildBody(messages: ChatMessage[], callOptions: ChatOptions): MessageCreateParams {
    const system: Anthropic.Messages.TextBlockParam[] = [];
    const conversation: Anthropic.Messages.MessageParam[] = [];
    for (const message of messages) {
      // Anthropic caches only prefixes that end at a `cache_control` block (at most 4 per request).
      const block: Anthropic.Messages.TextBlockParam = message.cacheBreakpoint
        ? { type: "text", text: message.content, cache_control: { type: "ephemeral" } }
        : { type: "text", text: message.content };
      if (message.role === "system") system.push(block);
      else {
        conversation.push({
          role: message.role,
          content: message.cacheBreakpoint ? [block] : message.content,
        });
      }
    }
    const body: MessageCreateParams = {
      model,
      max_tokens: callOptions.maxTokens ?? options.maxOutputTokens ?? DEFAULT_MAX_TOKENS,
      messages: conversation,
    };
    if (callOptions.schema) {
      const name = toRequestName(callOptions.schemaName);
      const jsonSchema = toJsonSchema(callOptions.schema);
      if ((options.structuredOutput ?? "json_schema") === "json_schema") {
        if (jsonSchema.type !== "object") {
          throw new TypeError(
            `Cannot use schema "${name}" with anthropic model "${model}": a tool input must be an object schema`,
          );
        }
        body.tools = [{
          name,
          description: `Report the answer as "${name}".`,
          input_schema: jsonSchema as Anthropic.Messages.Tool.InputSchema,
        }];
        body.tool_choice = { type: "tool", name };
      } else {
        // Anthropic has no JSON mode, so "json_object" falls back to describing the schema in the prompt.
        system.push({ type: "text", text: schemaInstruction(name, jsonSchema) });
      }
    }
    if (system.some((block) => block.cache_control)) body.system = system;
    else if (system.length > 0) body.system = system.map((block) => block.text).join("\n\n");
    return body;
  }

  async function complete(
    messages: ChatMessage[],
    callOptions: ChatOptions,
  ): Promise<{ text: string; usage: TokenUsage; model: string }> {
    const scope = openCallScope({
      provider: "anthropic",
      model,
      timeoutMs,
      signal: callOptions.signal,
      toFailure,
    });
    try {
      const body = buildBody(messages, callOptions);
      const message = await (await client()).messages.create(body, { signal: scope.signal });
      const forced = body.tool_choice?.type === "tool" ? body.tool_choice.name : undefined;
      const toolUse = message.content.find((block) => block.type === "tool_use" && block.name === forced);
      const text = toolUse?.type === "tool_use"
        ? JSON.stringify(toolUse.input)
        : message.content.map((block) => block.type === "text" ? block.text : "").join("");
      return {
        text,
        usage: usageOf(message.usage),
        model: message.model || model,
      };
    } catch (error) {
      throw scope.fail(error);
    } finally {
      scope.dispose();
    }
  }

  return {
    provider: "anthropic",
    model,
    chat: chatWithStructuredOutput("anthropic", model, complete),
    async *stream(messages, callOptions = {}) {
      const scope = openCallScope({
        provider: "anthropic",
        model,
        timeoutMs,
        signal: callOptions.signal,
        toFailure,
      });
      try {
        const events = await (await client()).messages.create({
          ...buildBody(messages, callOptions),
          stream: true,
        }, {
          signal: scope.signal,
        });
        let usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
        for await (const event of events) {
          if (event.type === "message_start") {
            usage = usageOf(event.message.usage);
          } else if (event.type === "content_block_delta" && event.delta.type === "text_delta") {
            yield event.delta.text;
          } else if (event.type === "message_delta") {
            // message_delta usage is cumulative for the whole message.
            usage.outputTokens = event.usage.output_tokens;
          }
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
 * Anthropic's `input_tokens` leaves out the prompt tokens read from (`cache_read_input_tokens`) and written to
 * (`cache_creation_input_tokens`) the cache; Loom's `inputTokens` is the whole prompt.
 */
function usageOf(usage: Anthropic.Messages.Usage): TokenUsage {
  const cachedInputTokens = usage.cache_read_input_tokens ?? 0;
  const cacheWriteTokens = usage.cache_creation_input_tokens ?? 0;
  return tokenUsage(
    usage.input_tokens + cachedInputTokens + cacheWriteTokens,
    usage.output_tokens,
    cachedInputTokens,
    cacheWriteTokens,
  );
}

function toFailure(error: unknown): ProviderFailure | null {
  // Before the SDK is loaded, no error can come from it.
  const AnthropicSdk = sdkModule?.default;
  if (!AnthropicSdk || !(error instanceof AnthropicSdk.APIError)) return null;
  if (error.status === undefined) return { message: error.message };
  return { status: error.status, headers: error.headers, message: error.apiMessage ?? error.message };
}
