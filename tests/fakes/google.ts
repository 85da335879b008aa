/**
 * A local Gemini API server (`POST /v1beta/models/{model}:generateContent` and
 * `:streamGenerateContent?alt=sse`), so the official `@google/genai` SDK runs unmodified over real HTTP.
 * A `{ json }` reply is returned as JSON text, as Gemini does for `responseMimeType: "application/json"`.
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
import { type CachePrompt, GEMINI_CACHE_RULES } from "./prompt_cache.ts";

export type { FakeLlmOptions, FakeLlmRequest, FakeLlmServer, FakeReply } from "./openai.ts";

const ENDPOINT = /\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

let nextId = 1;

/** The prompt in Gemini's order: the system instruction, then the contents; implicit caching needs no marks. */
function geminiPrompt(request: FakeLlmRequest): CachePrompt {
  return { text: request.messages.map((message) => `${message.role}: ${message.content}\n`).join("") };
}

const googleProtocol: FakeLlmProtocol = {
  basePath: "",
  caching: { rules: GEMINI_CACHE_RULES, prompt: geminiPrompt },
  parse(url, body, headers) {
    const match = url.pathname.match(ENDPOINT);
    if (!match || body === null || typeof body !== "object") return null;
    const record = body as Record<string, unknown>;
    const system = record.systemInstruction === undefined
      ? []
      : [{ role: "system", content: plainText((record.systemInstruction as { parts?: unknown }).parts) }];
    const contents = Array.isArray(record.contents) ? record.contents as Record<string, unknown>[] : [];
    const generationConfig = record.generationConfig as { responseMimeType?: string } | undefined;
    return {
      model: decodeURIComponent(match[1]),
      messages: [
        ...system,
        ...contents.map((content) => ({
          role: content.role === "model" ? "assistant" : String(content.role ?? "user"),
          content: plainText(content.parts),
        })),
      ],
      stream: match[2] === "streamGenerateContent",
      structured: generationConfig?.responseMimeType === "application/json",
      path: url.pathname + url.search,
      body,
      headers,
    };
  },
  respond(request, reply) {
    const responseId = `fake-${nextId++}`;
    const text = reply.kind === "json" ? JSON.stringify(reply.value) : reply.text;
    const usageMetadata = {
      promptTokenCount: reply.usage.inputTokens,
      candidatesTokenCount: reply.usage.outputTokens,
      totalTokenCount: reply.usage.inputTokens + reply.usage.outputTokens,
      // Gemini leaves the field out when nothing came from the cache; promptTokenCount includes it.
      ...(reply.usage.cachedInputTokens ? { cachedContentTokenCount: reply.usage.cachedInputTokens } : {}),
    };
    const response = (part: string, finished: boolean) => ({
      candidates: [{
        content: { parts: [{ text: part }], role: "model" },
        ...(finished ? { finishReason: "STOP" } : {}),
        index: 0,
      }],
      usageMetadata,
      modelVersion: request.model,
      responseId,
    });
    if (!request.stream) return Response.json(response(text, true));
    const pieces = streamPieces(text);
    return sseResponse(
      pieces.map((piece, index) =>
        `data: ${JSON.stringify(response(piece, index === pieces.length - 1))}\r\n\r\n`
      ),
    );
  },
  errorBody(status) {
    return {
      error: {
        code: status,
        message: `Fake Gemini error ${status}`,
        status: STATUS_NAMES[status] ?? "UNKNOWN",
      },
    };
  },
};

/**
 * Starts a fake Gemini API server on 127.0.0.1.
 * @param options `reply` scripts answers per request; the default answers the text "ok"
 * @returns the server; pass `url` as `httpOptions.baseUrl`
 */
export function startFakeGoogle(options: FakeLlmOptions = {}): Promise<FakeLlmServer> {
  return serveFakeLlm(googleProtocol, options);
}
