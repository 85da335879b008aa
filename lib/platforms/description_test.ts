import assert from "node:assert/strict";
import { seedPlatform, SIX_PLATFORMS } from "../../tests/support/six_platforms.ts";
import { writeDescription } from "../describe/write.ts";
import { DESCRIBE_END, DESCRIBE_START } from "../markers.ts";
import { canEditDescription, PlatformError } from "./types.ts";

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

Deno.test("every platform edits the description: Loom's section is written, replaced, and the rest kept", async (t) => {
  const author = "Fixes the cache.\r\n\r\nCloses #12.";
  for (const id of SIX_PLATFORMS) {
    await t.step(id, async () => {
      await using seeded = seedPlatform(id, author);
      const { client, pr } = seeded;
      assert.ok(canEditDescription(client), `${id} can edit the description`);
      assert.deepEqual(await writeDescription(client, pr, ["First run."], "description"), {
        where: "description",
        changed: true,
      });
      const first = (await client.getPullRequest(pr)).body;
      assert.equal(first, `${author}\n\n${DESCRIBE_START}\nFirst run.\n${DESCRIBE_END}`);
      // The author adds a line after Loom's section; the next run replaces only the section.
      await client.updateDescription(pr, `${first}\n\nP.S. by the author`);
      await writeDescription(client, pr, ["Second run."], "description");
      assert.equal(
        (await client.getPullRequest(pr)).body,
        `${author}\n\n${DESCRIBE_START}\nSecond run.\n${DESCRIBE_END}\n\nP.S. by the author`,
      );
      assert.equal((await writeDescription(client, pr, ["Second run."], "description")).changed, false);
    });
  }
});

Deno.test("Azure DevOps says it keeps 4,000 characters of description, and its API refuses more", async () => {
  await using seeded = seedPlatform("azure_devops", "Mine");
  const { client, pr } = seeded;
  assert.ok(canEditDescription(client));
  assert.equal(client.maxDescriptionLength, 4000);
  await assert.rejects(client.updateDescription(pr, "x".repeat(4001)), PlatformError);
  assert.equal((await client.getPullRequest(pr)).body, "Mine");
  // The writer fits what it can: a long section beside a long text goes to the comment, the text stays.
  const outcome = await writeDescription(client, pr, ["y".repeat(3998)], "description");
  assert.equal(outcome.where, "comment");
  assert.equal((await client.getPullRequest(pr)).body, "Mine");
});
