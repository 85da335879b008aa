/**
 * Structured output that survives models which answer in prose: extract a JSON value from the text, validate it
 * with zod, and on failure ask the model once to correct it. Extraction only finds JSON; it never edits it
 * (no trailing-comma or quote "fixes"), because a patched answer is an answer the model did not give.
 */
import { z } from "zod";
import { describeModel, sumUsage } from "./_call.ts";
import {
  type ChatMessage,
  type ChatOptions,
  type ChatResult,
  type LlmClient,
  LlmError,
  type LlmProviderId,
  type TokenUsage,
} from "./types.ts";

/** The result of `extractJson`: the first JSON value found, or why none was. */
export type ExtractedJson = { ok: true; value: unknown } | { ok: false; reason: string };

const FENCE = /```[a-zA-Z]*[ \t]*\r?\n([\s\S]*?)```/g;
/** Bounds the bracket scan on long prose replies; real answers put their JSON within the first few tries. */
const MAX_CANDIDATES = 32;

/**
 * Finds a JSON value in a model reply: the whole text, else a fenced code block, else the first balanced
 * `{…}` or `[…]` that parses.
 */
export function extractJson(text: string): ExtractedJson {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: false, reason: "the reply is empty" };
  const whole = tryParse(trimmed);
  if (whole.ok) return whole;
  for (const match of trimmed.matchAll(FENCE)) {
    const fenced = tryParse(match[1].trim());
    if (fenced.ok) return fenced;
  }
  let candidates = 0;
  for (let start = 0; start < trimmed.length && candidates < MAX_CANDIDATES; start++) {
    const char = trimmed[start];
    if (char !== "{" && char !== "[") continue;
    const end = findClosingBracket(trimmed, start);
    if (end === -1) continue;
    candidates++;
    const candidate = tryParse(trimmed.slice(start, end + 1));
    if (candidate.ok) return candidate;
  }
  return { ok: false, reason: `no JSON value found in the reply (${whole.reason})` };
}

function tryParse(text: string): ExtractedJson {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Index of the bracket closing the one at `start`, skipping brackets inside JSON strings; -1 when unbalanced. */
function findClosingBracket(text: string, start: number): number {
  const stack: string[] = [];
  let inString = false;
  for (let index = start; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === "\\") index++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === "{") stack.push("}");
    else if (char === "[") stack.push("]");
    else if (char === "}" || char === "]") {
      if (stack.pop() !== char) return -1;
      if (stack.length === 0) return index;
    }
  }
  return -1;
}

/** The outcome of `validateStructured`; `problem` is written for the model, `error` kept as the cause. */
export type ValidatedJson<T> =
  | { ok: true; value: T }
  | { ok: false; problem: string; error: z.ZodError | SyntaxError };

/** Extracts JSON from `text` and validates it with `schema`. */
export function validateStructured<T>(text: string, schema: z.ZodType<T>): ValidatedJson<T> {
  const extracted = extractJson(text);
  if (!extracted.ok) {
    return {
      ok: false,
      problem: `Your reply did not contain a JSON value: ${extracted.reason}.`,
      error: new SyntaxError(`Cannot find JSON in the reply: ${extracted.reason}`),
    };
  }
  const result = schema.safeParse(extracted.value);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    problem: `Your JSON did not match the schema:\n${z.prettifyError(result.error)}`,
    error: result.error,
  };
}

/** A system-prompt paragraph asking for JSON, for servers without any native structured output. */
export function schemaInstruction(schemaName: string, jsonSchema: unknown): string {
  return `Reply with only one JSON value named "${schemaName}" that matches this JSON Schema, ` +
    `with no other text:\n${JSON.stringify(jsonSchema)}`;
}

/** Options for `resolveStructured`. */
export interface ResolveStructuredOptions<T> {
  provider: LlmProviderId;
  model: string;
  schema: z.ZodType<T>;
  schemaName: string;
  /** The conversation that produced `first`. */
  messages: ChatMessage[];
  first: { text: string; usage: TokenUsage };
  /** Sends one more request through the same structured-output mechanism. */
  request: (messages: ChatMessage[]) => Promise<{ text: string; usage: TokenUsage }>;
}

/**
 * Validates a structured reply and, when it is invalid, makes exactly one repair request that shows the model
 * its answer and the validation errors.
 * @returns the validated value, the text it came from and the usage of both requests
 * @throws {LlmError} non-retryable, with the `z.ZodError` (or `SyntaxError`) as `cause`, when the repaired
 *   answer is still invalid
 */
export async function resolveStructured<T>(
  options: ResolveStructuredOptions<T>,
): Promise<{ text: string; parsed: T; usage: TokenUsage }> {
  const first = validateStructured(options.first.text, options.schema);
  if (first.ok) return { text: options.first.text, parsed: first.value, usage: options.first.usage };
  const repairMessages: ChatMessage[] = [
    ...options.messages,
    { role: "assistant", content: options.first.text },
    {
      role: "user",
      content: `${first.problem}\n\nReply again with only the corrected JSON for "${options.schemaName}".`,
    },
  ];
  const second = await options.request(repairMessages);
  const usage = sumUsage(options.first.usage, second.usage);
  const repaired = validateStructured(second.text, options.schema);
  if (repaired.ok) return { text: second.text, parsed: repaired.value, usage };
  throw new LlmError(
    `Cannot parse "${options.schemaName}" from ${
      describeModel(options.provider, options.model)
    } after one repair request: ${repaired.problem}`,
    { provider: options.provider, retryable: false, cause: repaired.error },
  );
}

/**
 * The `chat` every provider exposes: one completion, then — when a schema is given — validation with one repair
 * request. Providers differ only in how they complete.
 */
export function chatWithStructuredOutput(
  provider: LlmProviderId,
  model: string,
  complete: (messages: ChatMessage[], options: ChatOptions) => Promise<ChatResult>,
): LlmClient["chat"] {
  return async <T>(messages: ChatMessage[], callOptions: ChatOptions<T> = {}): Promise<ChatResult<T>> => {
    const first = await complete(messages, callOptions as ChatOptions);
    const schema = callOptions.schema;
    if (!schema) return first as ChatResult<T>;
    const resolved = await resolveStructured({
      provider,
      model,
      schema,
      schemaName: callOptions.schemaName ?? "response",
      messages,
      first,
      request: (repairMessages) => complete(repairMessages, callOptions as ChatOptions),
    });
    return { ...resolved, model: first.model };
  };
}
