/** The periodic pruning every Loom process runs (`startPruning`, retention from `LOOM_RETENTION_DAYS`). */
import assert from "node:assert/strict";
import { dbTest } from "../../lib/db/testing.ts";
import { sql } from "../../lib/db/mod.ts";
import { createRepo } from "../../lib/db/repos.ts";
import { recordDelivery } from "../../lib/db/deliveries.ts";
import { claim, complete, enqueue } from "../../lib/queue/mod.ts";
import { startPruning } from "../../lib/runtime.ts";
import { silentLogger } from "../../lib/log.ts";
import { benchPayload } from "../../bench/queue.ts";

const DAY = 86_400_000;

dbTest(
  "startPruning() deletes finished jobs and deliveries past the retention and keeps the rest",
  async ({ db }) => {
    const now = 100 * DAY;
    const repo = await createRepo(db, { platform: "github", fullName: "octo/prune", webhookSecret: "x" });
    const at = (time: number) => () => time;
    // Finished 40 days ago, finished yesterday, and still pending from 40 days ago.
    for (const [index, finishedAt] of [now - 40 * DAY, now - DAY].entries()) {
      await enqueue(db, "review_pull_request", benchPayload(index), {
        dedupeKey: `p${index}`,
        now: at(finishedAt),
      });
      const [job] = await claim(db, "w", { leaseMs: 60_000, now: at(finishedAt) });
      await complete(db, job!, "w", { now: at(finishedAt) });
    }
    await enqueue(db, "review_pull_request", benchPayload(9), {
      dedupeKey: "pending",
      now: at(now - 40 * DAY),
    });
    await recordDelivery(db, {
      platform: "github",
      deliveryId: "old",
      repoId: repo.id,
      event: "e",
      outcome: "ignored",
    }, at(now - 31 * DAY));
    await recordDelivery(db, {
      platform: "github",
      deliveryId: "new",
      repoId: repo.id,
      event: "e",
      outcome: "ignored",
    }, at(now - 29 * DAY));

    const stop = startPruning(db, {
      retentionMs: 30 * DAY,
      log: silentLogger,
      now: at(now),
      intervalMs: 60_000,
    });
    try {
      const deadline = Date.now() + 10_000;
      let jobs: { dedupeKey: string }[] = [];
      while (Date.now() < deadline) {
        jobs = await db.query<{ dedupeKey: string }>(sql`select dedupe_key from jobs order by dedupe_key`);
        if (jobs.length === 2) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.deepEqual(
        jobs.map((job) => job.dedupeKey),
        ["p1", "pending"],
        "only the old finished job is gone",
      );
      const deliveries = await db.query<{ deliveryId: string }>(
        sql`select delivery_id from webhook_deliveries`,
      );
      assert.deepEqual(deliveries.map((row) => row.deliveryId), ["new"]);
    } finally {
      stop();
    }
  },
);
