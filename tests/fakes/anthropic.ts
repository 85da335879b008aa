/**
 * A local Anthropic Messages server (`POST /v1/messages`, JSON and SSE with `message_start`,
 * `content_block_start`, `content_block_delta`, `content_block_stop`, `message_delta`, `message_stop`), so the
 * official `@anthropic-ai/sdk` runs unmodified over real HTTP. A `{ json }` reply to a request that forces a
 * tool comes back as that tool's `tool_use` block.
 */
import {
  type FakeLlmOptions,
  type FakeLlmProtocol,
  type FakeLlmRequest,
  type FakeLlmServer,
  plainText,
  serveFakeLlm,
  sseResponse,
  streamPieces,
} from "./openai.ts";
import { ANTHROPIC_CACHE_RULES, type CachePrompt } from "./prompt_cache.ts";

export type { FakeLlmOptions, FakeLlmRequest, FakeLlmServer, FakeReply } from "./openai.ts";

let nextId = 1;

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  529: "overloaded_error",
};

function forcedTool(body: unknown): string | undefined {
  const choice = (body as { tool_choice?: { type?: string; name?: string } }).tool_choice;
  return choice?.type === "tool" ? choice.name : undefined;
}

function event(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/**
 * The prompt in Anthropic's cache order (tools, then system, then messages), with a breakpoint after every block
 * that carries `cache_control`: only those prefixes are written to and read from the cache.
 */
function anthropicPrompt(request: FakeLlmRequest): CachePrompt {
  const body = request.body as {
    tools?: unknown[];
    system?: unknown;
    messages?: { role: string; content: unknown }[];
  };
  let text = "";
  const breakpoints: number[] = [];
  const add = (part: unknown, asText: string) => {
    text += asText;
    if (part && typeof part === "object" && "cache_control" in part) breakpoints.push(text.length);
  };
  for (const tool of body.tools ?? []) add(tool, JSON.stringify(tool));
  const blocks = (content: unknown) =>
    typeof content === "string" ? [{ type: "text", text: content }] : content;
  for (const block of (blocks(body.system ?? []) as unknown[])) add(block, plainText([block]));
  for (const message of body.messages ?? []) {
    text += `\n\n${message.role}: `;
    for (const block of blocks(message.content) as unknown[]) add(block, plainText([block]));
  }
  return { text, breakpoints };
}

const anthropicProtocol: FakeLlmProtocol = {
  basePath: "",
  caching: { rules: ANTHROPIC_CACHE_RULES, prompt: anthropicPrompt },
  parse(url, body, headers) {
    if (!url.pathname.endsWith("/v1/messages") || body === null || typeof body !== "object") return null;
    const record = body as Record<string, unknown>;
    const system = record.system === undefined ? [] : [{ role: "system", content: plainText(record.system) }];
    const messages = Array.isArray(record.messages) ? record.messages as Record<string, unknown>[] : [];
    return {
      model: String(record.model ?? ""),
      messages: [
        ...system,
        ...messages.map((message) => ({ role: String(message.role), content: plainText(message.content) })),
      ],
      stream: record.stream === true,
      structured: forcedTool(body) !== undefined,
      path: url.pathname + url.search,
      body,
      headers,
    };
  },
  respond(request, reply) {
    const id = `msg_fake_${nextId++}`;
    const tool = forcedTool(request.body);
    const block = reply.kind === "json" && tool !== undefined
      ? { type: "tool_use", id: `toolu_fake_${nextId++}`, name: tool, input: reply.value }
      : { type: "text", text: reply.kind === "json" ? JSON.stringify(reply.value) : reply.text };
    const stopReason = block.type === "tool_use" ? "tool_use" : "end_turn";
    // Anthropic's input_tokens leaves out what was read from or written to the cache.
    const cacheRead = reply.usage.cachedInputTokens ?? 0;
    const cacheWrite = reply.usage.cacheWriteTokens ?? 0;
    const usage = {
      input_tokens: reply.usage.inputTokens - cacheRead - cacheWrite,
      output_tokens: reply.usage.outputTokens,
      cache_read_input_tokens: cacheRead,
      cache_creation_input_tokens: cacheWrite,
    };
    const message = {
      id,
      type: "message",
      role: "assistant",
      model: request.model,
      stop_reason: stopReason,
      stop_sequence: null,
    };
    if (!request.stream) return Response.json({ ...message, content: [block], usage });
    const events = [
      event("message_start", {
        message: {
          ...message,
          content: [],
          stop_reason: null,
          usage: { ...usage, output_tokens: 1 },
        },
      }),
    ];
    if (block.type === "tool_use") {
      events.push(event("content_block_start", { index: 0, content_block: { ...block, input: {} } }));
      events.push(event("content_block_delta", {
        index: 0,
        delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) },
      }));
    } else {
      events.push(event("content_block_start", { index: 0, content_block: { type: "text", text: "" } }));
      events.push(event("ping", {}));
      for (const piece of streamPieces(String(block.text))) {
        events.push(event("content_block_delta", { index: 0, delta: { type: "text_delta", text: piece } }));
      }
    }
    events.push(event("content_block_stop", { index: 0 }));
    events.push(event("message_delta", {
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    }));
    events.push(event("message_stop", {}));
    return sseResponse(events);
  },
  errorBody(status) {
    const type = ERROR_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
    return { type: "error", error: { type, message: `Fake Anthropic error ${status}` } };
  },
};

/**
 * Starts a fake Anthropic Messages server on 127.0.0.1.
 * @param options `reply` scripts answers per request; the default answers the text "ok"
 * @returns the server; pass `url` as `baseURL`
 */
export function startFakeAnthropic(options: FakeLlmOptions = {}): Promise<FakeLlmServer> {
  return serveFakeLlm(anthropicProtocol, options);
}
