import assert from "node:assert/strict";
import { STATUS_CONTEXT } from "./progress.ts";

const GUIDES = ["gitlab.md", "gitea.md", "bitbucket.md", "azure-devops.md"];

Deno.test("the platform guides name the status context every review sets, and no other", async () => {
  for (const guide of GUIDES) {
    const text = await Deno.readTextFile(new URL(`../../docs/platforms/${guide}`, import.meta.url));
    assert.ok(text.includes(`\`${STATUS_CONTEXT}\``), `${guide} names the status \`${STATUS_CONTEXT}\``);
    assert.doesNotMatch(
      text,
      /(status|context|key)[^.\n]{0,30}`loom`/i,
      `${guide} names a status \`loom\`, which Loom does not set`,
    );
  }
});
