import assert from "node:assert/strict";
import { BUDGET_WINDOW_MS, budgetScope, takeAuthorBudgetSlot } from "./author_budget.ts";
import { dbTest } from "./testing.ts";

const NOW = Date.UTC(2026, 0, 5, 12);

dbTest(
  "takeAuthorBudgetSlot() grants a parallel burst exactly the slots left, per author, organization and hour",
  async (database) => {
    const db = database.db;
    const take = (author: string, now = NOW) =>
      takeAuthorBudgetSlot(db, { scope: "org:1", author, kind: "review", limit: 3, now });

    // Three connections stand for three worker processes; each burst is a new author so each starts empty.
    const connections = [database.db, database.connect(), database.connect()];
    for (let round = 0; round < 5; round++) {
      const burst = await Promise.all(
        Array.from(
          { length: 12 },
          (_, index) =>
            takeAuthorBudgetSlot(connections[index % connections.length]!, {
              scope: "org:1",
              author: `burst-${round}`,
              kind: "review",
              limit: 3,
              now: NOW,
            }),
        ),
      );
      assert.equal(burst.filter((slot) => slot.granted).length, 3, "exactly the limit of 12 parallel spends");
    }
    for (let index = 0; index < 3; index++) assert.equal((await take("mallory")).granted, true);
    assert.deepEqual(await take("mallory"), { granted: false, spent: 3 });
    assert.equal((await take("MALLORY")).granted, false, "authors are compared without case");
    assert.equal((await take("ada")).granted, true, "another author has their own budget");
    assert.equal(
      (await takeAuthorBudgetSlot(db, {
        scope: "org:2",
        author: "mallory",
        kind: "review",
        limit: 3,
        now: NOW,
      }))
        .granted,
      true,
      "another organization has its own budget",
    );
    assert.equal((await take("mallory", NOW + BUDGET_WINDOW_MS)).granted, true, "the hour has passed");
  },
);

Deno.test("budgetScope() is the organization, else the repository", () => {
  assert.equal(budgetScope({ id: 7, organizationId: 3 }), "org:3");
  assert.equal(budgetScope({ id: 7, organizationId: null }), "repo:7");
});
