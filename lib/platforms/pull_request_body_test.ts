import assert from "node:assert/strict";
import { seedPlatform, SIX_PLATFORMS } from "../../tests/support/six_platforms.ts";

Deno.test('getPullRequest() reads the description on every platform, and "" when there is none', async (t) => {
  const written = "Fixes the cache.\n\n- keeps `a` in sync\n- closes #12";
  for (const id of SIX_PLATFORMS) {
    await t.step(id, async () => {
      {
        await using seeded = seedPlatform(id, written);
        assert.equal((await seeded.client.getPullRequest(seeded.pr)).body, written);
      }
      {
        await using seeded = seedPlatform(id, undefined);
        assert.equal((await seeded.client.getPullRequest(seeded.pr)).body, "");
      }
    });
  }
});
