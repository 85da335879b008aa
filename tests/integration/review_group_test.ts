/**
 * Every review job of one pull request shares one job group, whoever started it: a re-run from the dashboard
 * waits while the webhook's review of the same pull request runs, even when the repository's name is stored
 * with capitals and the webhook spelt it in lower case (platforms match names without case).
 */
import assert from "node:assert/strict";
import { dbTest } from "../../lib/db/testing.ts";
import { claim, complete, enqueue, getJob, type TaskPayloads } from "../../lib/queue/mod.ts";
import { reviewPayload } from "../../lib/queue/testing.ts";
import { pullRequestGroupKey } from "../../lib/pull_request.ts";
import { seedRepo, seedReview } from "../browser/seed.ts";
import { signedIn, twoTenants } from "../security/harness.ts";

dbTest("a dashboard re-run waits for the webhook's review of the same pull request", async ({ db }) => {
  const { app, a } = await twoTenants(db);
  const repo = await seedRepo(db, { fullName: "Alpha-Org/Billing", organizationId: a.organization.id });
  const { id: reviewId } = await seedReview(db, repo, { prNumber: 12, title: "Round the totals" });
  // The webhook receiver files a review under the key of the pull request its event names.
  const webhookKey = pullRequestGroupKey({ platform: "github", repo: "alpha-org/billing", number: 12 });
  const webhook = await enqueue(
    db,
    "review_pull_request",
    reviewPayload({ repoId: repo.id, repo: "alpha-org/billing", number: 12 }),
    { groupKey: webhookKey, dedupeKey: `review:${webhookKey}@next` },
  );
  assert.deepEqual((await claim(db, "w1", { leaseMs: 60_000 })).map((job) => job.id), [webhook.id]);

  const owner = await signedIn(app, db, a.owner);
  const rerun = await owner.request(`/reviews/${reviewId}`, { method: "POST" });
  await rerun.body?.cancel();
  assert.equal(rerun.status, 303);
  assert.equal(await claim(db, "w2", { leaseMs: 60_000, limit: 5 }).then((jobs) => jobs.length), 0);

  await complete(db, webhook, "w1");
  const [next] = await claim(db, "w2", { leaseMs: 60_000, limit: 5 });
  assert.equal(next?.groupKey, webhookKey);
  assert.equal((next?.payload as TaskPayloads["review_pull_request"]).action, "manual");
  assert.equal((await getJob(db, webhook.id))?.status, "completed");
});
