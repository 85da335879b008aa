/**
 * Provider waits in the database (`provider_backoffs`), so a `Retry-After` one worker received holds for every
 * worker sharing the database. One row per provider and key fingerprint; a wait only ever moves later.
 */
import type { BackoffStore } from "../llm_stores.ts";
import { type Db, sql } from "./mod.ts";

export function createDbBackoffStore(db: Db): BackoffStore {
  return {
    async notBefore(provider, keyFingerprint) {
      const rows = await db.query<{ notBefore: number }>(sql`
        select not_before from provider_backoffs
        where provider = ${provider} and key_fingerprint = ${keyFingerprint}`);
      return rows[0] ? Number(rows[0].notBefore) : null;
    },
    async defer(provider, keyFingerprint, until) {
      // `case` rather than greatest()/max(), which the two dialects spell differently.
      await db.exec(sql`
        insert into provider_backoffs (provider, key_fingerprint, not_before)
        values (${provider}, ${keyFingerprint}, ${Math.ceil(until)})
        on conflict (provider, key_fingerprint) do update set not_before = case
          when excluded.not_before > provider_backoffs.not_before then excluded.not_before
          else provider_backoffs.not_before end`);
    },
  };
}
