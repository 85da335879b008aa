/** Pausing a repository in the dashboard cancels its live reviews (a running one stops and posts nothing). */
import assert from "node:assert/strict";
import { dbTest } from "../../lib/db/testing.ts";
import { claim, enqueue, getJob } from "../../lib/queue/mod.ts";
import { reviewPayload } from "../../lib/queue/testing.ts";
import { signedIn, twoTenants } from "../security/harness.ts";

dbTest(
  "pausing a repository through the dashboard and its API cancels only that repository's live reviews",
  async ({ db }) => {
    const { app, a, b } = await twoTenants(db);
    const review = (repoId: number, number: number) =>
      enqueue(db, "review_pull_request", reviewPayload({ repoId, number }), {
        groupKey: `${repoId}#${number}`,
      });
    const running = await review(a.repo.id, 1);
    await claim(db, "w1", { leaseMs: 60_000 });
    const pending = await review(a.repo.id, 2);
    const other = await review(b.repo.id, 1);
    const owner = await signedIn(app, db, a.owner);

    const api = await owner.request(`/api/repos/${a.repo.id}`, { method: "PATCH", json: { paused: true } });
    await api.body?.cancel();
    assert.equal(api.status, 200);
    assert.equal((await getJob(db, running.id))?.status, "cancelled");
    assert.equal((await getJob(db, running.id))?.error, "Repository paused");
    assert.equal((await getJob(db, pending.id))?.status, "cancelled");
    assert.equal((await getJob(db, other.id))?.status, "pending", "another repository's review goes on");

    // The dashboard's form does the same.
    const later = await review(b.repo.id, 2);
    const bravo = await signedIn(app, db, b.owner);
    const form = await bravo.request(`/repos/${b.repo.id}`, { method: "POST", form: { paused: "1" } });
    await form.body?.cancel();
    assert.ok(form.status < 400, `the form answered ${form.status}`);
    assert.equal((await getJob(db, later.id))?.status, "cancelled");
    assert.equal((await getJob(db, other.id))?.status, "cancelled");
  },
);
