import assert from "node:assert/strict";
import { dbTest } from "./testing.ts";
import { createDbBackoffStore } from "./provider_backoffs.ts";

dbTest(
  "createDbBackoffStore() shares a wait between connections and only ever moves it later",
  async (database) => {
    const one = createDbBackoffStore(database.db);
    const other = createDbBackoffStore(database.connect());
    assert.equal(await one.notBefore("openai", "abc"), null);
    await one.defer("openai", "abc", 5_000);
    assert.equal(await other.notBefore("openai", "abc"), 5_000);
    await other.defer("openai", "abc", 3_000);
    assert.equal(await one.notBefore("openai", "abc"), 5_000, "an earlier wait does not shorten it");
    await other.defer("openai", "abc", 9_000);
    assert.equal(await one.notBefore("openai", "abc"), 9_000);
    assert.equal(await one.notBefore("anthropic", "abc"), null);
  },
);
