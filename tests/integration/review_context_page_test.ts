/**
 * The review page shows, for each step, which context its model calls were given (kind and file:lines), read
 * from what the worker stored on the step rows — on the server-rendered page and in the JSON its island re-reads.
 */
import assert from "node:assert/strict";
import { dbTest } from "../../lib/db/testing.ts";
import { recordStepContexts } from "../../lib/db/step_context.ts";
import { seedRepo, seedReview } from "../browser/seed.ts";
import { signedIn, twoTenants } from "../security/harness.ts";

dbTest("the review page lists each step's context sources", async ({ db }) => {
  const { app, a } = await twoTenants(db);
  const repo = await seedRepo(db, { fullName: "alpha-org/billing", organizationId: a.organization.id });
  const { id: reviewId } = await seedReview(db, repo, { prNumber: 12, title: "Round the totals" });
  await recordStepContexts(db, reviewId, [{
    record: { name: "security" },
    context: [
      { kind: "definition", source: "src/money.ts:4-19" },
      { kind: "caller", source: "src/checkout.ts:3-8" },
      { kind: "guideline", source: "AGENTS.md" },
    ],
  }]);
  const owner = await signedIn(app, db, a.owner);

  const page = await owner.request(`/reviews/${reviewId}`);
  const html = await page.text();
  assert.equal(page.status, 200);
  const section = /<section[^>]*data-testid="step-context"[^>]*data-step="security"[\s\S]*?<\/section>/.exec(
    html,
  );
  assert.ok(section, "the security step has a context list");
  for (const [kind, source] of [["definition", "src/money.ts:4-19"], ["caller", "src/checkout.ts:3-8"]]) {
    assert.match(
      section[0],
      new RegExp(`data-kind="${kind}"[\\s\\S]*?<code>${source.replaceAll(".", "\\.")}</code>`),
    );
  }
  assert.match(section[0], /<code>AGENTS\.md<\/code>/);
  assert.doesNotMatch(
    html,
    /data-testid="step-context"[^>]*data-step="style"/,
    "a step given nothing lists none",
  );

  const api = await owner.request(`/api/reviews/${reviewId}`);
  const live = await api.json() as {
    steps: { name: string; context?: { kind: string; source: string }[] }[];
  };
  assert.deepEqual(
    live.steps.find((step) => step.name === "security")?.context?.map((source) => source.source),
    [
      "src/money.ts:4-19",
      "src/checkout.ts:3-8",
      "AGENTS.md",
    ],
  );
  assert.deepEqual(live.steps.find((step) => step.name === "style")?.context, []);
});
