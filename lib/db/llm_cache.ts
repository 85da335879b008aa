/**
 * The LLM response cache in the database, so identical re-reviews cost nothing across restarts and across every
 * worker sharing the database (the in-memory store only helps one process).
 */
import type { CachedEntry, LlmCacheStore } from "../llm_stores.ts";
import { type Db, sql } from "./mod.ts";

export function createDbCacheStore(db: Db, now: () => number = Date.now): LlmCacheStore & {
  /** Deletes expired entries; returns how many. */
  prune(): Promise<number>;
} {
  return {
    async get(key) {
      const rows = await db.query<{ value: string }>(
        sql`select value from llm_cache where key = ${key} and expires_at > ${now()}`,
      );
      return rows[0] ? JSON.parse(rows[0].value) as CachedEntry : null;
    },
    async set(key, entry, ttlMs) {
      const value = JSON.stringify(entry);
      const expiresAt = now() + ttlMs;
      await db.exec(sql`
        insert into llm_cache (key, value, expires_at) values (${key}, ${value}, ${expiresAt})
        on conflict (key) do update set value = excluded.value, expires_at = excluded.expires_at`);
    },
    async prune() {
      return await db.exec(sql`delete from llm_cache where expires_at <= ${now()}`);
    },
  };
}
