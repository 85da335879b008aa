import assert from "node:assert/strict";
import { mapBounded } from "./concurrency.ts";

Deno.test("mapBounded() keeps order, limits concurrency and stops after a failure", async () => {
  let running = 0;
  let peak = 0;
  const results = await mapBounded([1, 2, 3, 4, 5, 6], 2, async (item) => {
    running++;
    peak = Math.max(peak, running);
    await Promise.resolve();
    running--;
    return item * 10;
  });
  assert.deepEqual(results, [10, 20, 30, 40, 50, 60]);
  assert.equal(peak, 2);
  const started: number[] = [];
  await assert.rejects(
    mapBounded([1, 2, 3, 4, 5], 1, (item) => {
      started.push(item);
      return item === 2 ? Promise.reject(new Error("stop")) : Promise.resolve(item);
    }),
    /stop/,
  );
  assert.deepEqual(started, [1, 2]);
});
