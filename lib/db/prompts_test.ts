import assert from "node:assert/strict";
import { dbTest } from "./testing.ts";
import { createOrganization } from "./organizations.ts";
import { latestPrompt, listPrompts, listPromptVersions, savePrompt, withLibraryPrompts } from "./prompts.ts";

dbTest(
  "savePrompt() numbers versions per organization and latestPrompt() returns the newest",
  async ({ db }) => {
    const acme = await createOrganization(db, { name: "Acme" });
    const other = await createOrganization(db, { name: "Other" });
    await savePrompt(db, { organizationId: acme.id, name: "style", body: "v1", createdBy: null });
    await savePrompt(db, { organizationId: acme.id, name: "style", body: "v2", createdBy: null });
    await savePrompt(db, { organizationId: other.id, name: "style", body: "other v1", createdBy: null });
    assert.deepEqual((await listPromptVersions(db, acme.id, "style")).map((prompt) => prompt.version), [
      2,
      1,
    ]);
    assert.equal((await latestPrompt(db, acme.id, "style"))?.body, "v2");
    assert.equal((await latestPrompt(db, other.id, "style"))?.body, "other v1");
    assert.equal(await latestPrompt(db, other.id, "missing"), null);
    assert.deepEqual(
      (await listPrompts(db, acme.id)).map((prompt) => [prompt.name, prompt.version, prompt.versions]),
      [
        ["style", 2, 2],
      ],
    );
    await assert.rejects(
      savePrompt(db, { organizationId: acme.id, name: "Bad Name", body: "x", createdBy: null }),
      /Cannot save prompt "Bad Name"/,
    );
  },
);

dbTest(
  "withLibraryPrompts() fills library: steps from the organization without touching the cached config",
  async ({ db }) => {
    const acme = await createOrganization(db, { name: "Acme" });
    await savePrompt(db, { organizationId: acme.id, name: "team-style", body: "old", createdBy: null });
    await savePrompt(db, {
      organizationId: acme.id,
      name: "team-style",
      body: "Prefer small functions.",
      createdBy: null,
    });
    const loaded = {
      prompts: new Map([["security", "Find injections."]]),
      promptRefs: new Map([["security", "builtin:security"], ["style", "library:team-style"], [
        "docs",
        "library:gone",
      ]]),
    };
    const resolved = await withLibraryPrompts(db, acme.id, loaded);
    assert.deepEqual(Object.fromEntries(resolved.prompts), {
      security: "Find injections.",
      style: "Prefer small functions.",
    });
    assert.equal(loaded.prompts.has("style"), false);
    assert.equal((await withLibraryPrompts(db, null, loaded)).prompts.has("style"), false);
  },
);
