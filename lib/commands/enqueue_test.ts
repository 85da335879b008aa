import assert from "node:assert/strict";
import { dbTest } from "../db/testing.ts";
import { createRepo } from "../db/repos.ts";
import { sql } from "../db/mod.ts";
import type { CommentEvent } from "../platforms/types.ts";
import { enqueueCommand } from "./enqueue.ts";

function comment(body: string, extra: Partial<CommentEvent> = {}): CommentEvent {
  return {
    kind: "comment",
    deliveryId: "delivery-1",
    pr: { platform: "github", repo: "Octo/App", number: 3 },
    commentId: "55",
    body,
    author: "ada",
    authorId: "583231",
    authorIsBot: false,
    ...extra,
  };
}

dbTest("enqueueCommand() enqueues one job per command comment", async ({ db }) => {
  const repo = await createRepo(db, { platform: "github", fullName: "octo/app", webhookSecret: "x" });
  const first = await enqueueCommand(db, repo, comment("@loom review"));
  const redelivered = await enqueueCommand(db, repo, comment("@loom review", { deliveryId: "delivery-2" }));
  assert.equal(first?.created, true);
  assert.deepEqual(redelivered, { id: first!.id, created: false });
  const rows = await db.query<{ type: string; payload: string }>(sql`select type, payload from jobs`);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.type, "pull_request_command");
  assert.deepEqual(JSON.parse(rows[0]!.payload), {
    platform: "github",
    repoId: repo.id,
    repo: "Octo/App",
    number: 3,
    commentId: "55",
    body: "@loom review",
    author: "ada",
    authorId: "583231",
    deliveryId: "delivery-1",
  });
});

dbTest("enqueueCommand() leaves Loom's own comments, bots and plain comments alone", async ({ db }) => {
  const repo = await createRepo(db, { platform: "github", fullName: "octo/app", webhookSecret: "x" });
  assert.equal(await enqueueCommand(db, repo, comment("Nice work")), null);
  assert.equal(
    await enqueueCommand(
      db,
      repo,
      comment("@loom review\n\n<!-- loom:reply to=54 -->", { author: "loom-bot" }),
    ),
    null,
  );
  assert.equal(await enqueueCommand(db, repo, comment("@loom review", { authorIsBot: true })), null);
  assert.equal((await db.query(sql`select id from jobs`)).length, 0);
});
