/**
 * Response cache so an identical re-review costs nothing. The key is a SHA-256 of everything that shapes the
 * answer and of the account that paid for it (the endpoint and a fingerprint of the API key, never the key), so
 * two organizations with their own keys never share an answer, even for the same prompt on the same model. The
 * store is an interface so a database-backed store can replace the in-memory one.
 */
import { z } from "zod";
import { toJsonSchema } from "./_call.ts";
import { validateStructured } from "./structured.ts";
import type { ChatMessage, ChatOptions, ChatResult, LlmClient } from "./types.ts";
import type { CachedEntry, LlmCacheStore } from "../llm_stores.ts";
import { fingerprintKey } from "./backoff.ts";

export type { CachedEntry, LlmCacheStore };

/** Options for `createMemoryCacheStore`. */
export interface MemoryCacheStoreOptions {
  /** Entries kept before the least recently used is dropped; default 500. */
  maxEntries?: number;
  now?: () => number;
}

/** A bounded LRU store in process memory; each worker process has its own. */
export function createMemoryCacheStore(options: MemoryCacheStoreOptions = {}): LlmCacheStore & {
  readonly size: number;
} {
  const maxEntries = options.maxEntries ?? 500;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError(`Cannot create cache store: "maxEntries" must be a positive integer: ${maxEntries}`);
  }
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order, so re-inserting on read keeps the least recently used first.
  const entries = new Map<string, { entry: CachedEntry; expiresAt: number }>();
  return {
    get size() {
      return entries.size;
    },
    get(key) {
      const found = entries.get(key);
      if (!found) return Promise.resolve(null);
      entries.delete(key);
      if (found.expiresAt <= now()) return Promise.resolve(null);
      entries.set(key, found);
      return Promise.resolve(found.entry);
    },
    set(key, entry, ttlMs) {
      entries.delete(key);
      entries.set(key, { entry, expiresAt: now() + ttlMs });
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return Promise.resolve();
    },
  };
}

/** Whose answers these are: the endpoint the client calls and the key it calls with. */
export interface CacheAccount {
  /** The model's base URL; unset for the provider's own endpoint. */
  baseUrl?: string;
  apiKey?: string;
}

/** Options for `withCache`. */
export interface CacheOptions {
  /** The account the client calls with: answers are cached for it alone. */
  account: CacheAccount;
  /** How long an answer stays valid; default one week. */
  ttlMs?: number;
  now?: () => number;
}

/**
 * The cache key: SHA-256 (hex) over the endpoint, the key's fingerprint (`fingerprintKey`: 16 hex digits of a
 * SHA-256, from which the key cannot be read back), provider, model, messages, schema name and JSON Schema,
 * temperature and output limit.
 */
export async function cacheKey(
  client: LlmClient,
  account: CacheAccount,
  messages: ChatMessage[],
  options: ChatOptions = {},
): Promise<string> {
  const material = JSON.stringify({
    endpoint: account.baseUrl ?? null,
    key: await fingerprintKey(account.apiKey, account.baseUrl),
    provider: client.provider,
    model: client.model,
    messages: messages.map((message) => [message.role, message.content]),
    schemaName: options.schemaName ?? null,
    schema: options.schema ? toJsonSchema(options.schema) : null,
    temperature: options.temperature ?? null,
    maxTokens: options.maxTokens ?? null,
  });
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(material));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Answers repeated identical `chat` calls from `store`: a hit reports zero usage and `cached: true`.
 * Structured hits are re-validated with the caller's schema, and one that no longer validates is a miss.
 * Streams are not cached.
 */
export function withCache(client: LlmClient, store: LlmCacheStore, options: CacheOptions): LlmClient {
  const ttlMs = options.ttlMs ?? 7 * 24 * 60 * 60 * 1000;
  const now = options.now ?? Date.now;
  return {
    provider: client.provider,
    model: client.model,
    async chat<T>(messages: ChatMessage[], callOptions: ChatOptions<T> = {}): Promise<ChatResult<T>> {
      const key = await cacheKey(client, options.account, messages, callOptions as ChatOptions);
      const hit = await store.get(key);
      if (hit) {
        const answer: ChatResult<T> = {
          text: hit.text,
          usage: { inputTokens: 0, outputTokens: 0 },
          model: hit.model,
          cached: true,
        };
        if (!callOptions.schema) return answer;
        const validated = validateStructured(hit.text, callOptions.schema as z.ZodType<T>);
        if (validated.ok) return { ...answer, parsed: validated.value };
      }
      const result = await client.chat(messages, callOptions);
      await store.set(
        key,
        { text: result.text, model: result.model, usage: result.usage, createdAt: now() },
        ttlMs,
      );
      return result;
    },
    stream(messages, callOptions) {
      return client.stream(messages, callOptions);
    },
  };
}
