import assert from "node:assert/strict";
import { dbTest } from "./testing.ts";
import { createDbCacheStore } from "./llm_cache.ts";

const entry = {
  text: '{"findings":[]}',
  model: "gpt-4o-mini",
  usage: { inputTokens: 10, outputTokens: 2 },
  createdAt: 1,
};

dbTest(
  "createDbCacheStore() returns entries until they expire and shares them between connections",
  async ({ db, connect }) => {
    let now = 1_000;
    const store = createDbCacheStore(db, () => now);
    assert.equal(await store.get("k"), null);
    await store.set("k", entry, 5_000);
    assert.deepEqual(await store.get("k"), entry);
    assert.deepEqual(
      await createDbCacheStore(connect(), () => now).get("k"),
      entry,
      "another process sees it",
    );
    await store.set("k", { ...entry, text: "{}" }, 5_000);
    assert.equal((await store.get("k"))?.text, "{}", "a newer answer replaces the old one");
    now += 5_001;
    assert.equal(await store.get("k"), null);
    assert.equal(await store.prune(), 1);
  },
);
