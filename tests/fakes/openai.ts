/**
 * A local OpenAI Chat Completions server (`POST …/chat/completions`, JSON and SSE streaming with
 * `stream_options.include_usage`), so the official `openai` SDK runs unmodified over real HTTP.
 *
 * Also home of the pieces the Anthropic and Google fakes share (`FakeLlmRequest`, `FakeReply`,
 * `serveFakeLlm`), so one reply script works against every provider fake.
 *
 * @example
 * ```ts
 * await using openai = await startFakeOpenAI({
 *   reply: (request) => request.structured ? { json: { findings: [] } } : "Looks good",
 * });
 * const client = createLlmClient({ provider: "openai", model: "gpt-4o-mini", baseUrl: openai.url, apiKey: "k" });
 * ```
 */
import {
  type CachePrompt,
  createPromptCache,
  OPENAI_CACHE_RULES,
  type PromptCacheRules,
} from "./prompt_cache.ts";

/** One recorded request, normalised across providers. */
export interface FakeLlmRequest {
  /** Model id from the body (OpenAI, Anthropic) or the URL path (Gemini). */
  model: string;
  /** System prompt(s) first, then the conversation, each reduced to plain text; Gemini's "model" is "assistant". */
  messages: { role: string; content: string }[];
  stream: boolean;
  /** True when the request asked for JSON through the provider's own mechanism (response_format, forced tool, responseMimeType). */
  structured: boolean;
  /** URL path and query, e.g. `/v1/chat/completions`. */
  path: string;
  /** The parsed JSON body exactly as the SDK sent it. */
  body: unknown;
  headers: Headers;
  /** The usage the fake reported, set once it answered. */
  usage?: FakeUsage;
  /** When the client closed the connection before the answer was sent (epoch ms): a cancelled request. */
  clientClosedAt?: number;
}

/**
 * Token counts a fake reports; defaults to `FAKE_USAGE`, or to counted tokens with `countTokens`.
 * `inputTokens` is the whole prompt, cached part included (each fake maps it to its provider's fields).
 */
export interface FakeUsage {
  inputTokens: number;
  outputTokens: number;
  /** Prompt tokens read from the provider's prefix cache. */
  cachedInputTokens?: number;
  /** Prompt tokens written to the cache (Anthropic's `cache_creation_input_tokens`). */
  cacheWriteTokens?: number;
}

/**
 * What a fake answers:
 * - a string or `{ text }`: a plain text answer (streamed word by word when the request streams);
 * - `{ json }`: a structured answer through the provider's mechanism (OpenAI message content, Anthropic
 *   `tool_use` block when a tool was forced, Gemini JSON text);
 * - `{ status, headers?, body? }`: an HTTP error in the provider's error shape unless `body` is given;
 * - `{ delayMs, then? }`: waits, then answers `then` (default "ok"); for timeout and cancellation tests.
 */
export type FakeReply =
  | string
  | { text: string; usage?: FakeUsage }
  | { json: unknown; usage?: FakeUsage }
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | { delayMs: number; then?: FakeReply };

/** Answers a recorded request; may be async. */
export type FakeReplyScript = (request: FakeLlmRequest) => FakeReply | Promise<FakeReply>;

/** Options for every LLM fake. */
export interface FakeLlmOptions {
  /** Scripted answers; without it every request gets the text "ok". */
  reply?: FakeReplyScript;
  /**
   * Counts tokens of a text. When set, a reply without its own `usage` reports the prompt's counted tokens and
   * the part a provider's prefix cache would serve (see `prompt_cache.ts`), so token benchmarks measure it.
   */
  countTokens?: (text: string) => number;
}

/** A running fake; close it in `finally` or with `await using`. */
export interface FakeLlmServer {
  /** Pass as the SDK's base URL (OpenAI: ends in `/v1`; Anthropic and Gemini: the origin). */
  readonly url: string;
  /** Every request received, in order, including ones the client later aborted. */
  readonly requests: FakeLlmRequest[];
  /** Stops pending delays and shuts the server down. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The usage every fake reports unless a reply says otherwise. */
export const FAKE_USAGE: FakeUsage = { inputTokens: 10, outputTokens: 5 };

/** A reply with its delays already waited out. */
export type SettledReply =
  | { kind: "text"; text: string; usage?: FakeUsage }
  | { kind: "json"; value: unknown; usage?: FakeUsage }
  | { kind: "error"; status: number; headers: Record<string, string>; body?: unknown };

/** How a provider fake reads requests and writes answers; used by `serveFakeLlm`. */
export interface FakeLlmProtocol {
  /** Returns null when the path is not an endpoint this fake serves (answered with 404). */
  parse(url: URL, body: unknown, headers: Headers): FakeLlmRequest | null;
  respond(request: FakeLlmRequest, reply: Answer): Response;
  /** How this provider caches prompt prefixes, and a request's prompt as one text in the provider's order. */
  caching: { rules: PromptCacheRules; prompt(request: FakeLlmRequest): CachePrompt };
  errorBody(status: number): unknown;
  /** Suffix added to the server origin to form `url`. */
  basePath: string;
}

/** A settled answer with its usage decided. */
export type Answer = Exclude<SettledReply, { kind: "error" }> & { usage: FakeUsage };

/** Starts a fake speaking `protocol`; shared by the OpenAI, Anthropic and Google fakes. */
export function serveFakeLlm(
  protocol: FakeLlmProtocol,
  options: FakeLlmOptions = {},
): Promise<FakeLlmServer> {
  const requests: FakeLlmRequest[] = [];
  const closing = new AbortController();
  const script = options.reply ?? (() => "ok");
  const countTokens = options.countTokens;
  const cache = countTokens ? createPromptCache(protocol.caching.rules, countTokens) : null;
  const front = startConnectionFront();
  const server = Deno.serve({
    port: 0,
    hostname: "127.0.0.1",
    onListen: () => {},
    onError: (error) => Response.json({ error: { message: String(error) } }, { status: 500 }),
  }, async (httpRequest, info) => {
    const url = new URL(httpRequest.url);
    let body: unknown;
    try {
      body = httpRequest.method === "POST" ? await httpRequest.json() : undefined;
    } catch {
      return Response.json(protocol.errorBody(400), { status: 400 });
    }
    const request = protocol.parse(url, body, httpRequest.headers);
    if (request === null) return Response.json(protocol.errorBody(404), { status: 404 });
    requests.push(request);
    const prompt = cache ? protocol.caching.prompt(request) : null;
    const measured = cache && prompt ? cache.measure(prompt) : null;
    let answered = false;
    front.onClientClose(info.remoteAddr.port, () => {
      if (!answered) request.clientClosedAt ??= Date.now();
    });
    // Delays end on close() rather than on client disconnect, so a test can see what a gone client missed.
    const reply = await settle(await script(request), closing.signal);
    answered = true;
    if (reply.kind === "error") {
      return Response.json(reply.body ?? protocol.errorBody(reply.status), {
        status: reply.status,
        headers: reply.headers,
      });
    }
    let usage = reply.usage ?? FAKE_USAGE;
    if (reply.usage === undefined && countTokens && measured) {
      const answer = reply.kind === "json" ? JSON.stringify(reply.value) : reply.text;
      usage = {
        inputTokens: measured.promptTokens,
        outputTokens: countTokens(answer),
        cachedInputTokens: measured.cachedTokens,
        cacheWriteTokens: measured.writtenTokens,
      };
    }
    if (cache && prompt) cache.store(prompt);
    request.usage = usage;
    return protocol.respond(request, { ...reply, usage });
  });
  front.forwardTo(server.addr.port);
  const close = async () => {
    closing.abort();
    await front.close();
    await server.shutdown();
  };
  return Promise.resolve({
    url: `http://127.0.0.1:${front.port}${protocol.basePath}`,
    requests,
    close,
    [Symbol.asyncDispose]: close,
  });
}

/**
 * The fakes' front door: a TCP relay that tells which client connection carried a request and when the client
 * closed it. `Deno.serve` alone does not report a client that goes away while a handler still waits once the
 * request body was larger than about 2 KB — every real review prompt — and a cancelled call must be seen.
 */
function startConnectionFront() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  /** Client connections by the local port of their link to the server (the handler's `remoteAddr`). */
  const links = new Map<number, { closed: boolean; onClose: (() => void)[] }>();
  const open = new Set<Deno.Conn>();
  const pumps: Promise<void>[] = [];
  let target = 0;
  const closeQuietly = (conn: Deno.Conn) => {
    open.delete(conn);
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  };
  const relay = async (client: Deno.Conn) => {
    let server: Deno.Conn;
    try {
      server = await Deno.connect({ hostname: "127.0.0.1", port: target });
    } catch {
      return closeQuietly(client);
    }
    open.add(server);
    const link = { closed: false, onClose: [] as (() => void)[] };
    const port = (server.localAddr as Deno.NetAddr).port;
    links.set(port, link);
    const upstream = client.readable.pipeTo(server.writable).catch(() => {}).finally(() => {
      link.closed = true;
      for (const listener of link.onClose) listener();
      closeQuietly(server);
    });
    const downstream = server.readable.pipeTo(client.writable).catch(() => {}).finally(() =>
      closeQuietly(client)
    );
    await Promise.all([upstream, downstream]);
    links.delete(port);
  };
  const accepting = (async () => {
    for await (const client of listener) {
      open.add(client);
      pumps.push(relay(client));
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    forwardTo(port: number) {
      target = port;
    },
    onClientClose(linkPort: number, listener: () => void) {
      const link = links.get(linkPort);
      if (link?.closed) listener();
      else link?.onClose.push(listener);
    },
    async close() {
      listener.close();
      for (const conn of [...open]) closeQuietly(conn);
      await accepting;
      await Promise.all(pumps);
    },
  };
}

async function settle(reply: FakeReply, signal: AbortSignal): Promise<SettledReply> {
  if (typeof reply === "string") return { kind: "text", text: reply };
  if ("delayMs" in reply) {
    await delay(reply.delayMs, signal);
    return settle(reply.then ?? "ok", signal);
  }
  if ("status" in reply) {
    return { kind: "error", status: reply.status, headers: reply.headers ?? {}, body: reply.body };
  }
  if ("json" in reply) return { kind: "json", value: reply.json, usage: reply.usage };
  return { kind: "text", text: reply.text, usage: reply.usage };
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Splits text into word-sized deltas, as real streams deliver it. */
export function streamPieces(text: string): string[] {
  const pieces = text.match(/\S+\s*|\s+/g) ?? [];
  return pieces.length === 0 ? [""] : pieces;
}

/** A `text/event-stream` response; `events` are already-formatted SSE frames. */
export function sseResponse(events: string[]): Response {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const event of events) controller.enqueue(encoder.encode(event));
      controller.close();
    },
  });
  return new Response(stream, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

/** Message content as plain text: strings as they are, content-part arrays joined by their text. */
export function plainText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) {
    return content === undefined || content === null ? "" : JSON.stringify(content);
  }
  return content.map((part) => {
    if (typeof part === "string") return part;
    if (part && typeof part === "object") {
      const record = part as Record<string, unknown>;
      if (typeof record.text === "string") return record.text;
      if (record.type === "tool_use") return JSON.stringify(record.input);
      if (record.type === "tool_result") return plainText(record.content);
    }
    return "";
  }).join("");
}

let nextId = 1;

/**
 * The prompt as OpenAI lays it out for caching: the structured-output schema first (it is a prefix of the system
 * message), then each message in the chat format.
 */
function openAIPrompt(request: FakeLlmRequest): CachePrompt {
  const format = (request.body as { response_format?: { json_schema?: unknown } }).response_format;
  const schema = format?.json_schema === undefined ? "" : JSON.stringify(format.json_schema);
  const messages = request.messages.map((message) =>
    `<|im_start|>${message.role}<|im_sep|>${message.content}<|im_end|>`
  );
  return { text: schema + messages.join("") };
}

const openAIProtocol: FakeLlmProtocol = {
  basePath: "/v1",
  caching: { rules: OPENAI_CACHE_RULES, prompt: openAIPrompt },
  parse(url, body, headers) {
    if (!url.pathname.endsWith("/chat/completions") || body === null || typeof body !== "object") return null;
    const record = body as Record<string, unknown>;
    const messages = Array.isArray(record.messages) ? record.messages as Record<string, unknown>[] : [];
    const format = (record.response_format as { type?: string } | undefined)?.type;
    return {
      model: String(record.model ?? ""),
      messages: messages.map((message) => ({
        role: String(message.role),
        content: plainText(message.content),
      })),
      stream: record.stream === true,
      structured: format === "json_schema" || format === "json_object",
      path: url.pathname + url.search,
      body,
      headers,
    };
  },
  respond(request, reply) {
    const id = `chatcmpl-fake-${nextId++}`;
    const created = Math.floor(Date.now() / 1000);
    const content = reply.kind === "json" ? JSON.stringify(reply.value) : reply.text;
    const usage = {
      prompt_tokens: reply.usage.inputTokens,
      completion_tokens: reply.usage.outputTokens,
      total_tokens: reply.usage.inputTokens + reply.usage.outputTokens,
      prompt_tokens_details: { cached_tokens: reply.usage.cachedInputTokens ?? 0, audio_tokens: 0 },
    };
    if (!request.stream) {
      return Response.json({
        id,
        object: "chat.completion",
        created,
        model: request.model,
        choices: [{
          index: 0,
          message: { role: "assistant", content, refusal: null },
          logprobs: null,
          finish_reason: "stop",
        }],
        usage,
      });
    }
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      `data: ${
        JSON.stringify({
          id,
          object: "chat.completion.chunk",
          created,
          model: request.model,
          choices,
          ...extra,
        })
      }\n\n`;
    const events = [chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }])];
    for (const piece of streamPieces(content)) {
      events.push(chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]));
    }
    events.push(chunk([{ index: 0, delta: {}, finish_reason: "stop" }]));
    const options = (request.body as { stream_options?: { include_usage?: boolean } }).stream_options;
    if (options?.include_usage) events.push(chunk([], { usage }));
    events.push("data: [DONE]\n\n");
    return sseResponse(events);
  },
  errorBody(status) {
    const type = status === 429
      ? "rate_limit_exceeded"
      : status >= 500
      ? "server_error"
      : "invalid_request_error";
    return { error: { message: `Fake OpenAI error ${status}`, type, param: null, code: null } };
  },
};

/**
 * Starts a fake OpenAI-compatible server on 127.0.0.1.
 * @param options `reply` scripts answers per request; the default answers the text "ok"
 * @returns the server; pass `url` as `baseURL` (it ends in `/v1`)
 */
export function startFakeOpenAI(options: FakeLlmOptions = {}): Promise<FakeLlmServer> {
  return serveFakeLlm(openAIProtocol, options);
}
