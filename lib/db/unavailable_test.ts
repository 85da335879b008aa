import assert from "node:assert/strict";
import { createDatabaseDeadline, DatabaseUnavailableError, withinDatabaseDeadline } from "./unavailable.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("withinDatabaseDeadline() rejects work that does not answer within the deadline", async () => {
  let finish!: () => void;
  const hung = new Promise<void>((resolve) => finish = resolve);
  await assert.rejects(withinDatabaseDeadline(hung, 20), DatabaseUnavailableError);
  finish();
});

Deno.test("createDatabaseDeadline() does not charge time spent in excluding() to the database", async () => {
  const deadline = createDatabaseDeadline(200);
  // A platform answering after 1 s, between two quick database steps: five times the database deadline.
  const work = (async () => {
    await sleep(1);
    const answer = await deadline.excluding(sleep(1_000).then(() => "open"));
    await sleep(1);
    return answer;
  })();
  assert.equal(await deadline.within(work), "open");
});

Deno.test("createDatabaseDeadline() still stops database work that hangs after an excluded wait", async () => {
  const deadline = createDatabaseDeadline(50);
  let finish!: () => void;
  const hung = new Promise<void>((resolve) => finish = resolve);
  const work = (async () => {
    await deadline.excluding(sleep(100));
    await hung;
  })();
  await assert.rejects(deadline.within(work), DatabaseUnavailableError);
  finish();
  await work;
});
